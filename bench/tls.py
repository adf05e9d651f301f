#!/usr/bin/python3
"""What mutual TLS costs, and what a multi-client server delivers (issue 13).

    bench/tls.py [--models teacher,mpcvit_mu0.5,vit_7_4_32] [--count 8]
                 [--reps 3] [--clients 1,2,4] [--out bench/results/tls.json]

1. TLS vs --insecure, side by side: for every model, dealer + server +
   client as three processes on 127.0.0.1 (the executables' real
   topology), once with mutual TLS 1.3 (scripts/make-certs.sh test
   certificates) and once with --insecure, alternating TLS / insecure runs
   --reps times so both see the same machine load. Reported: the client's
   median online and offline latency per image of each mode and the ratio
   TLS / insecure of the online medians (target: <= 1.10 on loopback).
   Online bytes and rounds are the same in both modes (TLS framing is not
   counted as payload).
2. Throughput: one dealer and one server (TLS, --max-sessions K) and K
   concurrent clients with --count images each; images/s = K * count /
   wall time from the first client's start to the last client's exit.

fmnist models come from models/fmnist/NAME (trained weights, normalised
test images); vit_7_4_32 is the random-weight ViT-Lite 7/4 of bench/scale.py
(random inputs). Every process is bounded by --timeout-s. This machine has 2
cores shared by the three roles (and by K clients): absolute numbers are
this machine's; compare the ratios. Writes JSON (date, machine) and prints
a Markdown table. A benchmark, not a test.
"""

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
sys.path.insert(0, os.path.join(ROOT, "python"))


def listening_port(proc, role, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        if m:
            return int(m.group(1))
    proc.kill()
    raise RuntimeError(f"{role} did not report its port")


def tls_args(mode, certs, role):
    if mode == "insecure":
        return ["--insecure"]
    return ["--tls-cert", f"{certs}/{role}.crt", "--tls-key", f"{certs}/{role}.key",
            "--tls-ca", f"{certs}/ca.crt"]


def run_session(prog, images, mode, certs, clients, timeout):
    """One dealer + one server service and `clients` concurrent clients on
    `images`; returns (client JSON reports, wall seconds of the clients)."""
    common = ["--timeout-ms", str(int(timeout * 1000))]
    n = str(clients)
    dealer = subprocess.Popen([prog, "dealer", "--listen", "127.0.0.1:0", "--sessions", n,
                               "--max-sessions", n] + tls_args(mode, certs, "dealer") + common,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    procs = [dealer]
    try:
        dp = listening_port(dealer, "dealer", 30)
        server = subprocess.Popen([prog, "server", "--listen", "127.0.0.1:0", "--dealer",
                                   f"127.0.0.1:{dp}", "--sessions", n, "--max-sessions", n]
                                  + tls_args(mode, certs, "server") + common,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        procs.append(server)
        sp = listening_port(server, "server", 30)
        t0 = time.monotonic()
        cl = [subprocess.Popen([prog, "client", "--connect", f"127.0.0.1:{sp}", "--dealer",
                                f"127.0.0.1:{dp}", "--input", images, "--json"]
                               + tls_args(mode, certs, "client") + common,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for _ in range(clients)]
        procs += cl
        reports = []
        for c in cl:
            out, err = c.communicate(timeout=timeout)
            if c.returncode != 0:
                raise RuntimeError(f"client failed ({c.returncode}): {err.strip()[-1000:]}")
            reports.append(json.loads(out.strip().splitlines()[-1]))
        wall = time.monotonic() - t0
        for p in procs[:2]:
            p.wait(timeout=timeout)
            if p.returncode != 0:
                raise RuntimeError(f"service exited {p.returncode}: {p.stderr.read()[-1000:]}")
        return reports, wall
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def prepare(name, build, count, timeout):
    """(program, images.npy) for a model name."""
    d = os.path.join(build, "bench-tls", name)
    os.makedirs(d, exist_ok=True)
    prog = os.path.join(d, "p")
    images = os.path.join(d, f"x{count}.npy")
    if name == "vit_7_4_32":
        import scale
        onnx = scale.ensure_onnx(name, build)
        arch = None
    else:
        onnx = os.path.join(ROOT, "models", "fmnist", name, "model.onnx")
        arch = os.path.join(ROOT, "models", "fmnist", name, "arch.json")
        if not os.path.isfile(onnx):
            raise SystemExit(f"no model {onnx}")
    if not os.path.isfile(prog):
        cmd = [os.path.join(build, "bin", "mpcvit-compile"), onnx, "-o", prog]
        if arch and os.path.isfile(arch):
            cmd[2:2] = ["--arch", arch]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError(f"compile {name}: {r.stderr[-2000:]}")
    if name == "vit_7_4_32":
        import scale
        shape = scale.input_shape(prog)
        x = np.random.default_rng(0).standard_normal([count] + shape[1:]).astype(np.float32)
    else:
        from mpcvit import data
        imgs, _ = data.load_split("test")
        x = data.normalize(imgs[:count]).astype(np.float32)
    np.save(images, x)
    return prog, images


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default="teacher,mpcvit_mu0.5,vit_7_4_32")
    ap.add_argument("--count", type=int, default=8, help="images per client run")
    ap.add_argument("--reps", type=int, default=3, help="alternating TLS/insecure runs")
    ap.add_argument("--clients", default="1,2,4")
    ap.add_argument("--throughput-models", default="mpcvit_mu0.5")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--timeout-s", type=float, default=600)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "tls.json"))
    a = ap.parse_args()

    certs = os.path.join(a.build, "bench-tls", "certs")
    if not os.path.isfile(os.path.join(certs, "ca.crt")):
        subprocess.run(["bash", os.path.join(ROOT, "scripts", "make-certs.sh"), certs],
                       check=True, capture_output=True)

    rows, tput = [], []
    for name in a.models.split(","):
        prog, images = prepare(name, a.build, a.count, a.timeout_s)
        on = {"tls": [], "insecure": []}
        off = {"tls": [], "insecure": []}
        rep = None
        for r in range(a.reps):
            for mode in (("tls", "insecure") if r % 2 == 0 else ("insecure", "tls")):
                (rep,), _ = run_session(prog, images, mode, certs, 1, a.timeout_s)
                on[mode] += rep["online_s_each"]
                off[mode] += rep["offline_s_each"]
        med = {m: statistics.median(on[m]) for m in on}
        row = {"model": name, "images_per_mode": len(on["tls"]),
               "online_s_median": {m: round(med[m], 5) for m in med},
               "offline_s_median": {m: round(statistics.median(off[m]), 5) for m in off},
               "tls_over_insecure_online": round(med["tls"] / med["insecure"], 3),
               "online_bytes_sent_per_party": rep["online_bytes_sent_per_party"],
               "online_rounds": rep["online_rounds"]}
        rows.append(row)
        print(json.dumps(row), flush=True)
    for name in a.throughput_models.split(","):
        if not name:
            continue
        prog, images = prepare(name, a.build, a.count, a.timeout_s)
        for k in [int(s) for s in a.clients.split(",")]:
            reports, wall = run_session(prog, images, "tls", certs, k, a.timeout_s)
            t = {"model": name, "clients": k, "images": k * a.count, "wall_s": round(wall, 3),
                 "images_per_s": round(k * a.count / wall, 2),
                 "online_s_median": round(statistics.median(
                     [s for r in reports for s in r["online_s_each"]]), 5)}
            tput.append(t)
            print(json.dumps(t), flush=True)

    res = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
           "machine": f"{platform.node()} ({os.cpu_count()} cores, {platform.machine()})",
           "command": " ".join(["bench/tls.py"] + sys.argv[1:]),
           "note": "dealer, server and client(s) as processes on one 2-core machine over "
                   "127.0.0.1; TLS and insecure runs alternate; medians over images",
           "tls_vs_insecure": rows, "throughput_tls": tput}
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    print("\n| model | online TLS (s) | online insecure (s) | TLS / insecure | bytes/party | rounds |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['online_s_median']['tls']} | {r['online_s_median']['insecure']} "
              f"| {r['tls_over_insecure_online']} | {max(r['online_bytes_sent_per_party']):,} "
              f"| {r['online_rounds']} |")
    print("\n| model | clients | images/s | median online (s) |")
    print("|---|---|---|---|")
    for t in tput:
        print(f"| {t['model']} | {t['clients']} | {t['images_per_s']} | {t['online_s_median']} |")


if __name__ == "__main__":
    main()
