#!/usr/bin/env python3
"""Predicted cost of a2b vs fss, side by side (issue [fss] targets).

    bench/protocols_cost.sh [--models vit_7_4_32,vit_base,DIR,...] [--out FILE]

For each model, compiles it with ``mpcvit-compile --protocols=a2b`` and
``--protocols=fss`` (``--emit=mlir``) and reads the compiler's cost report
(``mpcvit-opt --mpcvit-cost-report=json``): online bytes sent by each party,
online rounds along the critical path, the most rounds of one encoder layer,
and the dealer's offline bytes, per inference. The cost model equals the
runtime's counters (test/cost/exact-*.test, the runtime tests), so these are
the numbers a run would count. ``network_latency_s`` is the lan/wan network
term (rounds·RTT/2 + bytes/bandwidth); ``latency_s`` adds the compute term
of bench/results/cost_calibration.json (measured for a2b; fss's table-based
ops are not calibrated yet, so its compute term is low). Used where running the
model is out of reach of this machine (ViT-Base/16 under fss: the dealer
sends ~61 GB per inference).

Models: vit_7_4_32 (ViT-Lite 7/4 at 32x32, the test fixture of
test/onnx/vit_7_4_32.test) and vit_base (torchvision vit_b_16 at 224x224,
random weights, exported by python/mpcvit/onnx_fixtures.py as bench/scale.py
does), or any model directory (model.onnx + optional arch.json).
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import scale  # noqa: E402  (ensure_onnx: the same fixtures as bench/scale.py)

SUITES = ("a2b", "fss")


def model_source(name, build):
    """(onnx, arch or None, description) for a built-in name or a directory."""
    if name == "vit_7_4_32":
        onnx = os.path.join(build, "test", "onnx", "Output", "vit_7_4_32.test.tmp.dir",
                            "vit_7_4_32.onnx")
        if not os.path.isfile(onnx):
            onnx = scale.ensure_onnx(name, build)
        return onnx, None, scale.MODELS.get(name, name)
    if name == "vit_base":
        return scale.ensure_onnx(name, build), None, scale.MODELS[name]
    onnx = os.path.join(name, "model.onnx")
    if not os.path.isfile(onnx):
        raise SystemExit(f"error: {name}: not a built-in model and no model.onnx there")
    arch = os.path.join(name, "arch.json")
    return onnx, arch if os.path.isfile(arch) else None, os.path.basename(name.rstrip("/"))


def cost(onnx, arch, suite, build, work):
    prog = os.path.join(work, suite, "p")
    os.makedirs(os.path.dirname(prog), exist_ok=True)
    cmd = [os.path.join(build, "bin", "mpcvit-compile"), onnx, "--emit=mlir",
           f"--protocols={suite}", "-o", prog] + (["--arch", arch] if arch else [])
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=3600)
    if r.returncode != 0:
        raise SystemExit(f"error: {' '.join(cmd)} failed ({r.returncode}): {r.stdout[-2000:]}")
    cal = os.path.join(ROOT, "bench", "results", "cost_calibration.json")
    r = subprocess.run([os.path.join(build, "bin", "mpcvit-opt"), prog + ".mlir",
                        f"--mpcvit-cost-report=json calibration={cal} profiles=lan,wan",
                        "-o", os.devnull], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=3600)
    if r.returncode != 0:
        raise SystemExit(f"error: cost report of {prog}.mlir failed: {r.stderr[-2000:]}")
    rep = json.loads(r.stdout)
    t = rep["total"]
    layers = [l for l in rep["layers"] if isinstance(l.get("layer"), int)]
    return {"online_bytes_sent_per_party": t["online_bytes_sent_per_party"],
            "online_bytes_max_mb": round(t["online_bytes_sent_per_party_max"] / 1e6, 2),
            "online_rounds": t["online_rounds"],
            "max_rounds_per_layer": max((l["online_rounds"] for l in layers), default=0),
            "offline_dealer_bytes": t["offline_bytes"],
            "offline_dealer_gb": round(t["offline_bytes"] / 1e9, 3),
            "network_latency_s": {e["profile"]: round(e["network_s"], 3)
                                  for e in rep["latency"]},
            "latency_s": {e["profile"]: round(e["total_s"], 3) for e in rep["latency"]}}


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", default="vit_7_4_32,vit_base")
    p.add_argument("--build", default=os.environ.get("MPCVIT_BUILD_DIR",
                                                     os.path.join(ROOT, "build")))
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "results",
                                                 "protocols_cost.json"))
    args = p.parse_args()
    rows = []
    for name in [m for m in args.models.split(",") if m]:
        onnx, arch, desc = model_source(name, args.build)
        work = os.path.join(args.build, "bench-protocols", os.path.basename(name.rstrip("/")))
        row = {"model": os.path.basename(name.rstrip("/")), "description": desc}
        for suite in SUITES:
            row[suite] = cost(onnx, arch, suite, args.build, work)
            print(f"{row['model']:<12} {suite}: {row[suite]['online_bytes_max_mb']} MB/party, "
                  f"{row[suite]['online_rounds']} rounds "
                  f"(≤ {row[suite]['max_rounds_per_layer']}/layer), dealer "
                  f"{row[suite]['offline_dealer_gb']} GB", flush=True)
        rows.append(row)
    out = {"bench": "bench/protocols_cost.sh: predicted cost per inference, a2b vs fss "
                    "(compiler cost model = runtime counters)",
           "date": datetime.date.today().isoformat(),
           "machine": f"{platform.machine()}, {os.cpu_count()} cores",
           "models": rows}
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
