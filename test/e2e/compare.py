#!/usr/bin/python3
"""Compares private logits with the float reference (issue 6 end-to-end).

  compare.py OUT.npy REF.npy [--atol 1e-2] [--min-agree 99] [--json RUN.json]

OUT and REF are [N, C] logits. Prints one line
  "NAME: max_abs_err E top1_agree A/N"
and, with --json (the program's --json line), its communication numbers.
Exits 1 if the max absolute error exceeds --atol or fewer than --min-agree
of the N top-1 predictions agree.
"""
import argparse
import json
import os
import sys

import numpy as np


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("ref")
    p.add_argument("--atol", type=float, default=1e-2)
    p.add_argument("--min-agree", type=int, default=99)
    p.add_argument("--json")
    a = p.parse_args()
    out, ref = np.load(a.out), np.load(a.ref)
    if out.shape != ref.shape:
        print(f"shape mismatch: {out.shape} vs {ref.shape}")
        return 1
    err = float(np.abs(out - ref).max())
    agree = int((out.argmax(-1) == ref.argmax(-1)).sum())
    name = os.path.basename(a.out).split(".")[0]
    print(f"{name}: max_abs_err {err:.5f} top1_agree {agree}/{len(ref)}")
    if a.json:
        with open(a.json) as f:
            run = json.loads(f.read().strip().splitlines()[-1])
        print(f"{name}: online_bytes_sent_per_party "
              f"{run['online_bytes_sent_per_party']} online_rounds "
              f"{run['online_rounds']} offline_bytes {run['offline_bytes']} "
              f"online_s {run['online_s']:.4f}")
        top1 = run["top1"] if isinstance(run["top1"], list) else [run["top1"]]
        if top1 != [int(t) for t in out.reshape(len(ref), -1).argmax(-1)]:
            print("top1 of the JSON line disagrees with the logits")
            return 1
    ok = err <= a.atol and agree >= a.min_agree
    print(f"{name}: {'ok' if ok else 'FAILED'} (atol {a.atol}, "
          f"min agree {a.min_agree})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
