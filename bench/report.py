#!/usr/bin/python3
"""Benchmark report of the trained models (issue 9): accuracy vs latency.

    bench/report.sh [--no-netem] [--count 100] [--models teacher,mpcvit_mu0.5,DIR,...]
                    [--out bench/results]

For every model under models/fmnist/ (or the ones named: a NAME under
models/fmnist, or any model directory, bench/model_dirs.py: one ONNX file,
optional arch.json, metrics.json and inputs.npy/labels.npy; without its own
data a model gets the Fashion-MNIST test images when its input is
[1, 1, 28, 28], else random normal inputs and no accuracy):
  * compile it (mpcvit-compile with its arch.json),
  * run dealer, server and client on loopback (`NAME local --json`) on the
    first --count test images: measured online latency (median), bytes per
    party, rounds, dealer bytes, private top-1 on those images, and the
    plaintext top-1 of the same program in float (mpcvit-run --plaintext)
    with the private/plaintext agreement,
  * the cost model's prediction (--mpcvit-cost-report with the committed
    calibration) of online latency under `lan` and `wan`,
  * measured online latency under `lan` and `wan` from bench/netem.sh
    (bench/results/cost_netem.json: server and client in two network
    namespaces, the link emulated by tc netem or, on kernels without
    sch_netem such as this one, by mpcvit-netem-relay),
  * top-1 on the full 10k test set: private (2PC) where
    bench/results/private_full_test.json has the model (teacher, MPCViT
    mu=0.5), else plaintext (PyTorch, metrics.json), marked so.
Writes bench/results/report.json, bench/results/report.md and two PNG plots
(matplotlib): accuracy vs measured latency under lan and wan with the Pareto
front, and communication per op type (stacked bars, from the cost report).
The scale rows (bench/results/scale.json, written by bench/scale.sh:
vit_7_4_32 and ViT-Base/16) are copied into the Markdown when present.
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
from mpcvit.api import Program  # noqa: E402
from mpcvit.plaintext import plaintext_logits  # noqa: E402

import model_dirs  # noqa: E402  (bench/, the script's own directory)

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


def model_data(model_dir, prog, count, fmnist_data):
    """(inputs, labels or None) for a model: its directory's inputs.npy, else
    the Fashion-MNIST test images (fmnist_data(), when the input fits: every
    models/fmnist model, as before), else its sample_input.npy, else random
    normal inputs."""
    x, y = model_dirs.data(model_dir, count)
    if x is not None:
        return x, y
    shape = tuple(Program(prog).input_shape or ())
    if shape == (1, 1, 28, 28):
        return fmnist_data()
    x, y = model_dirs.data(model_dir, count, sample=True)
    if x is not None:
        return x, y
    x = np.random.default_rng(0).standard_normal((count,) + shape[1:]).astype(np.float32)
    return x, None


def bench_model(name, model_dir, build, count, fmnist_data, cal):
    prog_dir = os.path.join(build, "report", name)
    os.makedirs(prog_dir, exist_ok=True)
    prog = os.path.join(prog_dir, "prog")
    onnx = model_dirs.onnx_file(model_dir)
    cmd = [os.path.join(build, "bin", "mpcvit-compile"), onnx, "-o", prog]
    arch = model_dirs.arch_file(model_dir)
    if arch:
        cmd[2:2] = ["--arch", arch]
    run(cmd)
    x, y = model_data(model_dir, prog, count, fmnist_data)
    xs, out = os.path.join(prog_dir, "images.npy"), os.path.join(prog_dir, "out.npy")
    np.save(xs, x)
    rep = json.loads(run([prog, "local", "--input", xs, "--output", out, "--json"])
                     .strip().splitlines()[-1])
    logits = np.load(out).reshape(len(x), -1)
    if x.dtype == np.uint8:  # raw images: the plaintext run needs them normalised
        pp = Program(prog).preprocess
        xf = x.astype(np.float64) * pp["scale"]
        c = np.arange(x.shape[1])
        xf = (xf - np.array(pp["mean"])[c, None, None]) / np.array(pp["std"])[c, None, None]
        xs = os.path.join(prog_dir, "images_normalised.npy")
        np.save(xs, xf.astype(np.float32))
    plain = plaintext_logits(os.path.join(build, "bin"), onnx, arch, xs, prog_dir, TIMEOUT_S)
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
        "private_top1": None if y is None else float((logits.argmax(1) == y).mean() * 100),
        "plaintext_top1": None if y is None else float((plain.argmax(1) == y).mean() * 100),
        "agreement": int((logits.argmax(1) == plain.argmax(1)).sum()),
        "max_abs_logit_diff": float(np.abs(logits - plain).max()),
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
    for ax, prof in zip(axes, ("lan", "wan")):
        pts = [(r["latency_s"][prof], r["top1_10k"]) for r in rows]
        for r, (l, a) in zip(rows, pts):
            ax.scatter(l, a)
            ax.annotate(r["model"], (l, a), fontsize=7, xytext=(3, 3),
                        textcoords="offset points")
        front = pareto(pts)
        ax.plot([pts[i][0] for i in front], [pts[i][1] for i in front], "k--",
                lw=0.8, label="Pareto front")
        src = {r["latency_source"][prof] for r in rows}
        ax.set_xlabel(f"online latency per image under {prof} (s, {'/'.join(sorted(src))})")
        ax.set_ylabel("top-1 on 10k test images (%)")
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
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--models", default="",
                   help="comma list of NAMEs under models/fmnist or model directories "
                        "(default: every models/fmnist model)")
    p.add_argument("--build", default=os.environ.get("MPCVIT_BUILD_DIR",
                                                      os.path.join(ROOT, "build")))
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    args = p.parse_args()
    base = model_dirs.FMNIST
    entries = [n for n in args.models.split(",") if n] or sorted(
        d for d in os.listdir(base) if os.path.isfile(os.path.join(base, d, "model.onnx")))
    if not entries:
        print("bench/report.py: no models under models/fmnist", file=sys.stderr)
        return 1
    try:
        models = [model_dirs.resolve(e) for e in entries]
    except ValueError as e:
        print(f"bench/report.py: {e}", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    cache = []

    def fmnist_data():
        if not cache:
            images, labels = fmnist.load_split("test")
            cache.append((fmnist.normalize(images[:args.count]), labels[:args.count]))
        return cache[0]
    cal = os.path.join(ROOT, "bench", "results", "cost_calibration.json")
    measured = load_netem(os.path.join(args.out, "cost_netem.json"))
    private = load_private(os.path.join(args.out, "private_full_test.json"))
    rows = []
    for n, model_dir in models:
        print(f"== {n} ({model_dir})", flush=True)
        r = bench_model(n, model_dir, args.build, args.count, fmnist_data, cal)
        r["latency_s"], r["latency_source"] = {}, {}
        for prof in ("lan", "wan"):
            m = measured.get((n, prof))
            r["latency_s"][prof] = m["measured_online_s"] if m else r["predicted"][prof + "_s"]
            r["latency_source"][prof] = f"measured ({m['emulator']})" if m else "predicted"
        if n in private:
            r["top1_10k"], r["top1_10k_source"] = private[n]["private_top1"], "private (2PC)"
        elif r["plaintext_top1_10k"] is not None:
            r["top1_10k"], r["top1_10k_source"] = r["plaintext_top1_10k"], "plaintext"
        elif r["private_top1"] is not None:
            r["top1_10k"] = r["private_top1"]
            r["top1_10k_source"] = f"private, first {r['images']} only"
        else:
            r["top1_10k"], r["top1_10k_source"] = None, "no labels"
        rows.append(r)
    report = {"date": datetime.date.today().isoformat(),
              "machine": f"{platform.node()} {platform.machine()}, "
                         f"{os.cpu_count()} cores, {platform.platform()}",
              "note": "lan/wan latency measured by bench/netem.sh (server and client in "
                      "two network namespaces; link emulated by "
                      + ("/".join(sorted({m['emulator'] for m in measured.values()})) or "none")
                      + "), else predicted and marked so; loopback latency measured with "
                      "server, client and dealer on one machine (2 cores shared)",
              "models": rows}
    with open(os.path.join(args.out, "report.json"), "w") as f:
        json.dump(report, f, indent=1)
    lines = [f"# mpcvit benchmark report ({report['date']})", "",
             f"Machine: {report['machine']}. {report['note']}.", "",
             "## Fashion-MNIST models (one image per inference)", "",
             "| model | top-1 10k | private / plaintext top-1, first N (agreement) | "
             "loopback online s | lan online s (predicted) | wan online s (predicted) | "
             "bytes/party (server, client) | rounds | dealer bytes |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lat = {p: f"{r['latency_s'][p]:.3f}" if r["latency_source"][p].startswith("measured")
               else "not measured" for p in ("lan", "wan")}
        lines.append(
            f"| {r['model']} | {r['top1_10k']} ({r['top1_10k_source']}) | "
            f"{pct(r['private_top1'])} / {pct(r['plaintext_top1'])}, N={r['images']} "
            f"({r['agreement']}/{r['images']}) | {r['loopback_online_s_median']:.4f} | "
            f"{lat['lan']} ({r['predicted']['lan_s']:.3f}) | {lat['wan']} ({r['predicted']['wan_s']:.3f}) | "
            f"{r['online_bytes_sent_per_party'][0]:,}, {r['online_bytes_sent_per_party'][1]:,} | "
            f"{r['online_rounds']} | {r['offline_bytes']:,} |")
    lines += scale_lines(os.path.join(args.out, "scale.json"))
    lines += ["", "Plots: report_accuracy_latency.png (accuracy vs lan/wan latency, Pareto "
              "front), report_comm_by_op.png (online bytes per op type)."]
    with open(os.path.join(args.out, "report.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    plots([r for r in rows if r["top1_10k"] is not None], args.out)
    print("\n".join(lines))
    return 0


def pct(v):
    return "n/a" if v is None else f"{v:.1f}"


def load_netem(path):
    """{(model, profile): row} of bench/netem.sh's measurements."""
    if not os.path.isfile(path):
        return {}
    with open(path) as f:
        data = json.load(f)
    return {(r["model"], r["profile"]): r for r in data["rows"]}


def load_private(path):
    if not os.path.isfile(path):
        return {}
    with open(path) as f:
        return {m["model"]: m for m in json.load(f)["models"]}


def scale_lines(path):
    """Markdown rows of bench/results/scale.json (bench/scale.sh)."""
    if not os.path.isfile(path):
        return []
    with open(path) as f:
        sc = json.load(f)
    out = ["", f"## Scale rows ({sc['date']}; {sc['note']})", "",
           "| model | network | online s/image (predicted) | offline s/image | "
           "bytes/party (server, client) | rounds | dealer bytes | peak RSS MiB "
           "(server, client, dealer) |", "|---|---|---|---|---|---|---|---|"]
    for m in sc["models"]:
        pred = m["predicted"]["latency_s"]
        for r in m["runs"]:
            p = pred.get(r["network"])
            ptxt = f" ({p:.2f})" if p is not None else ""
            rss = r["peak_rss_mib"]
            out.append(
                f"| {m['model']} ({m['description']}) | {r['network']} | "
                f"{r['online_s_median']:.2f}{ptxt} | {r['offline_s_median']:.2f} | "
                f"{r['online_bytes_sent_per_party'][0]:,}, {r['online_bytes_sent_per_party'][1]:,} | "
                f"{r['online_rounds']} | {r['offline_bytes']:,} | "
                f"{rss['server']:.0f}, {rss['client']:.0f}, {rss['dealer']:.0f} |")
    return out


if __name__ == "__main__":
    sys.exit(main())
