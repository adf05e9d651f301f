#!/usr/bin/python3
"""Predicted == measured (issue 7).

  check_exact.py NAME REPORT.json RUN.json

REPORT.json: `mpcvit-opt PROG.mlir --mpcvit-cost-report=json`; RUN.json:
the last line of `PROG local --json`. Prints one line per counter
("NAME: ok KEY = VALUE" or "NAME: MISMATCH KEY predicted P measured M")
and exits 1 on any mismatch.
"""
import json
import sys


def main():
    name, report, run = sys.argv[1:4]
    with open(report) as f:
        total = json.load(f)["total"]
    with open(run) as f:
        measured = json.loads(f.read().strip().splitlines()[-1])
    bad = 0
    for key in ("online_bytes_sent_per_party", "online_rounds",
                "offline_bytes"):
        p, m = total[key], measured[key]
        if p == m:
            print(f"{name}: ok {key} = {p}")
        else:
            print(f"{name}: MISMATCH {key} predicted {p} measured {m}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
