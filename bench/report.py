#!/usr/bin/python3
"""Benchmark report of the trained models (issue 9): accuracy vs latency.

    bench/report.sh [--count 20] [--models teacher,mpcvit_mu0.5,...]

For every model under models/fmnist/ (or the ones named):
  * compile it (mpcvit-compile with its arch.json),
  * run dealer, server and client on loopback (`NAME local --json`) on the
    first --count test images: measured online latency (median), bytes per
    party, rounds, dealer bytes, and private top-1 on those images,
  * the cost model's prediction (--mpcvit-cost-report with the committed
    calibration) of online latency under `lan` and `wan`,
  * plaintext top-1 on the full 10k test set from the model's metrics.json
    (PyTorch, written by python3 -m mpcvit.export).
Writes bench/results/report.json, bench/results/report.md and two PNG plots
(matplotlib): accuracy vs predicted latency under lan and wan with the Pareto
front, and communication per op type (stacked bars, from the cost report).

Latencies under lan/wan are the cost model's predictions: this machine's
kernel has no sch_netem, so shaped-network measurements are not possible
here (bench/netem.sh measures them where it is). Loopback latency is
measured, with server, client and dealer sharing 2 cores.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))
from mpcvit import data as fmnist  # noqa: E402

TIMEOUT_S = 1800


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
    return r.stdout


def op_type_bytes(report):
    """Online bytes (max party) per mpc op type, from the report's ops."""
    out = {}
    for op in report.get("ops", []):
        name = op.get("op", "?")
        b = op.get("online_bytes_sent_per_party_max")
        if b is None:
            pp = op.get("online_bytes_sent_per_party", [0, 0])
            b = max(pp)
        out[name] = out.get(name, 0) + b * op.get("count", 1)
    return out


def bench_model(name, model_dir, build, x, y, cal):
    prog_dir = os.path.join(build, "report", name)
    os.makedirs(prog_dir, exist_ok=True)
    prog = os.path.join(prog_dir, "prog")
    cmd = [os.path.join(build, "bin", "mpcvit-compile"),
           os.path.join(model_dir, "model.onnx"), "-o", prog]
    arch = os.path.join(model_dir, "arch.json")
    if os.path.isfile(arch):
        cmd[2:2] = ["--arch", arch]
    run(cmd)
    xs, out = os.path.join(prog_dir, "images.npy"), os.path.join(prog_dir, "out.npy")
    np.save(xs, x)
    rep = json.loads(run([prog, "local", "--input", xs, "--output", out, "--json"])
                     .strip().splitlines()[-1])
    logits = np.load(out).reshape(len(x), -1)
    cost = json.loads(run([os.path.join(build, "bin", "mpcvit-opt"),
                           f"--mpcvit-cost-report=json calibration={cal}",
                           prog + ".mlir", "-o", os.devnull]))
    lat = {e["profile"]: e["total_s"] for e in cost["latency"]}
    metrics = {}
    mpath = os.path.join(model_dir, "metrics.json")
    if os.path.isfile(mpath):
        with open(mpath) as f:
            metrics = json.load(f)
    return {
        "model": name,
        "plaintext_top1_10k": metrics.get("test_top1"),
        "private_top1": float((logits.argmax(1) == y).mean() * 100),
        "images": int(len(x)),
        "loopback_online_s_median": statistics.median(rep["online_s_each"]),
        "loopback_offline_s_median": statistics.median(rep["offline_s_each"]),
        "online_bytes_sent_per_party": rep["online_bytes_sent_per_party"],
        "online_rounds": rep["online_rounds"],
        "offline_bytes": rep["offline_bytes"],
        "predicted": {"lan_s": lat.get("lan"), "wan_s": lat.get("wan"),
                      "wan_slow_s": lat.get("wan-slow"),
                      "bytes_per_party": cost["total"]["online_bytes_sent_per_party"],
                      "rounds": cost["total"]["online_rounds"]},
        "bytes_by_op": op_type_bytes(cost),
    }


def pareto(points):
    """Indices of points (latency, accuracy) not dominated by another."""
    keep = []
    for i, (l, a) in enumerate(points):
        if not any((l2 <= l and a2 >= a) and (l2, a2) != (l, a)
                   for l2, a2 in points):
            keep.append(i)
    return sorted(keep, key=lambda i: points[i][0])


def plots(rows, out_dir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, prof in zip(axes, ("lan_s", "wan_s")):
        pts = [(r["predicted"][prof], r["plaintext_top1_10k"] or r["private_top1"])
               for r in rows]
        for r, (l, a) in zip(rows, pts):
            ax.scatter(l, a)
            ax.annotate(r["model"], (l, a), fontsize=7, xytext=(3, 3),
                        textcoords="offset points")
        front = pareto(pts)
        ax.plot([pts[i][0] for i in front], [pts[i][1] for i in front], "k--",
                lw=0.8, label="Pareto front")
        ax.set_xlabel(f"predicted online latency under {prof[:-2]} (s)")
        ax.set_ylabel("top-1 (%)")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "report_accuracy_latency.png"), dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(11, 4.2))
    kinds = sorted({k for r in rows for k in r["bytes_by_op"]})
    bottom = np.zeros(len(rows))
    for k in kinds:
        v = np.array([r["bytes_by_op"].get(k, 0) / 1e6 for r in rows])
        if v.sum() == 0:
            continue
        ax.bar([r["model"] for r in rows], v, bottom=bottom, label=k)
        bottom += v
    ax.set_ylabel("online MB (larger party) per image")
    ax.legend(fontsize=6, ncol=4)
    plt.setp(ax.get_xticklabels(), rotation=20, ha="right", fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "report_comm_by_op.png"), dpi=120)
    plt.close(fig)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=20)
    p.add_argument("--models", default="", help="comma list (default: all)")
    p.add_argument("--build", default=os.environ.get("MPCVIT_BUILD_DIR",
                                                      os.path.join(ROOT, "build")))
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    args = p.parse_args()
    base = os.path.join(ROOT, "models", "fmnist")
    names = [n for n in args.models.split(",") if n] or sorted(
        d for d in os.listdir(base) if os.path.isfile(os.path.join(base, d, "model.onnx")))
    if not names:
        print("bench/report.py: no models under models/fmnist", file=sys.stderr)
        return 1
    images, labels = fmnist.load_split("test")
    x = ((images[:args.count].astype(np.float32) / 255.0 - fmnist.MEAN) / fmnist.STD)
    x = x[:, None].astype(np.float32)
    y = labels[:args.count]
    cal = os.path.join(ROOT, "bench", "results", "cost_calibration.json")
    rows = []
    for n in names:
        print(f"== {n}", flush=True)
        rows.append(bench_model(n, os.path.join(base, n), args.build, x, y, cal))
    report = {"date": datetime.date.today().isoformat(),
              "machine": f"{platform.node()} {platform.machine()}, "
                         f"{os.cpu_count()} cores, {platform.platform()}",
              "note": "lan/wan latency predicted by the cost model (no sch_netem "
                      "here); loopback latency measured with server, client and "
                      "dealer on one machine",
              "models": rows}
    with open(os.path.join(args.out, "report.json"), "w") as f:
        json.dump(report, f, indent=1)
    lines = [f"# mpcvit benchmark report ({report['date']})", "",
             f"Machine: {report['machine']}. {report['note']}.", "",
             "| model | top-1 10k (plaintext) | private top-1 (first N) | loopback online s | "
             "bytes/party (server, client) | rounds | dealer bytes | predicted lan s | predicted wan s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['plaintext_top1_10k']} | {r['private_top1']:.1f} "
            f"(N={r['images']}) | {r['loopback_online_s_median']:.4f} | "
            f"{r['online_bytes_sent_per_party'][0]:,}, {r['online_bytes_sent_per_party'][1]:,} | "
            f"{r['online_rounds']} | {r['offline_bytes']:,} | "
            f"{r['predicted']['lan_s']:.3f} | {r['predicted']['wan_s']:.3f} |")
    with open(os.path.join(args.out, "report.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    plots(rows, args.out)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
