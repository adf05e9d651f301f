"""Checks the summary that ends `mpcvit-compile` (stdout, argv[1]) against
`mpcvit-opt --mpcvit-cost-report="json profiles=lan,wan ..."` of the same
program (argv[2]): totals, latency per profile, calibration, and the three
costliest layers under wan recomputed from the report's ops
(rounds·RTT/2 + 8·max-party bytes/bandwidth + compute, per op). Prints
"summary ok"."""
import json
import re
import sys

lines = open(sys.argv[1]).read().splitlines()
report = json.load(open(sys.argv[2]))


def close(got, want, rel=1e-3):
    return abs(got - want) <= rel * max(abs(want), 1e-12)


def find(pattern):
    for i, line in enumerate(lines):
        m = re.fullmatch(pattern, line)
        if m:
            return i, m
    sys.exit(f"no line matches {pattern!r} in:\n" + "\n".join(lines))


start, _ = find(r"mpcvit-compile: .*: predicted cost per inference \(.*\):")
range_line, _ = find(r"mpcvit-compile: .*: client inputs must stay within .*")
assert range_line < start, "the input-range line comes first"
total = report["total"]
_, m = find(r"  online bytes    server (\d+) B.*, client (\d+) B.*")
assert [int(m[1]), int(m[2])] == total["online_bytes_sent_per_party"], m[0]
_, m = find(r"  online rounds   (\d+)")
assert int(m[1]) == total["online_rounds"], m[0]
_, m = find(r"  dealer bytes    (\d+) B.*, offline")
assert int(m[1]) == total["offline_bytes"], m[0]

latency = {p["profile"]: p for p in report["latency"]}
assert list(latency) == ["lan", "wan"], list(latency)
_, m = find(r"  latency         lan (\S+) s, wan (\S+) s \((.*)\)")
for name, got in (("lan", m[1]), ("wan", m[2])):
    assert close(float(got), latency[name]["total_s"]), (name, got, latency[name])
if "calibration" in report:
    assert m[3] == "network + compute", m[0]
    _, c = find(r"  calibration     (\S+)(?: \((\d+) ops? uncalibrated: 0 s\))?")
    assert c[1] == report["calibration"], (c[1], report["calibration"])
    assert int(c[2] or 0) == report["uncalibrated_ops"], c[0]
else:
    assert m[3] == "network only: no calibration", m[0]
    assert not any(line.startswith("  calibration") for line in lines)

# Per-layer latency under wan, summed over each layer's ops.
wan = latency["wan"]
seconds = {}
for op in report["ops"]:
    s = (op["online_rounds"] * wan["rtt_s"] / 2
         + 8 * op["online_bytes_sent_per_party_max"] / wan["bandwidth_bps"]
         + op.get("compute_s", 0.0))
    seconds[op["layer"]] = seconds.get(op["layer"], 0.0) + s
rows = [r for r in report["layers"] if r["ops"]]  # layers ascending, other last
# Stable, as in the tool; equal layers may differ in the last bits here.
rows.sort(key=lambda r: -float("%.9g" % seconds[r["layer"]]))
want = rows[:3]
head, _ = find(r"  costliest layers under wan:")
got = []
for line in lines[head + 1:]:
    m = re.fullmatch(r"    (layer (\d+)|other)\s+(\S+) s \((\S+)%\), server (\d+) B, "
                     r"client (\d+) B, (\d+) rounds", line)
    if not m:
        break
    got.append(m)
assert len(got) == len(want), (len(got), len(want))
for m, r in zip(got, want):
    layer = int(m[2]) if m[2] is not None else None
    assert layer == r["layer"], (m[0], r)
    assert close(float(m[3]), seconds[layer]), (m[0], seconds[layer])
    assert abs(float(m[4]) - 100 * seconds[layer] / wan["total_s"]) < 0.06, m[0]
    assert [int(m[5]), int(m[6])] == r["online_bytes_sent_per_party"], (m[0], r)
    assert int(m[7]) == r["online_rounds"], (m[0], r)
print("summary ok: %d layers ranked" % len(got))
