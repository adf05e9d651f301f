#!/usr/bin/python3
"""Scale rows of the benchmark report (issue 9): large ViTs under 2PC.

    bench/scale.sh [--models vit_7_4_32,vit_base] [--networks loopback,wan]
                   [--count N] [--out bench/results/scale.json]

--models also takes model directories (bench/model_dirs.py: one ONNX file,
optional arch.json, optional inputs.npy; without it random normal inputs).
For every built-in model (random weights, exported by
python/mpcvit/onnx_fixtures.py):
  vit_7_4_32  ViT-Lite 7/4 on 32x32x3 (depth 7, heads 4, dim 256, MLP 512,
              patch 4, 65 tokens; DESIGN.md section 7), Softmax attention,
  vit_base    ViT-Base/16 at 224x224x3 (torchvision vit_b_16: depth 12,
              heads 12, dim 768, MLP 3072, 197 tokens, 86M parameters),
it compiles the ONNX with mpcvit-compile (wall time, peak RSS), reads the
cost report (predicted online bytes per party, rounds, dealer bytes and
latency under lan/wan with the committed calibration), then runs dealer,
server and client as three processes on this machine for each network (the
dealer first, as a service for one session; the server connects to it; the
client connects to the server and to the dealer; plain TCP, --insecure: a
benchmark of the protocol, not of TLS):
  loopback    client -> server over 127.0.0.1,
  lan, wan    the client connects to the server through mpcvit-netem-relay
              (the link emulator of bench/netem.sh: delay RTT/2 + rate per
              direction) on 127.0.0.1; lan 1 Gbit/s 0.5 ms RTT, wan
              400 Mbit/s 4 ms. The dealer links (offline traffic) are not
              shaped. As in bench/netem.sh, the relay's own latency is
              calibrated out first: its delay is set so that
              bench/netem/ping.py across it reads the nominal RTT plus the
              hosts' own loopback RTT.
Measured per network: online and offline latency per inference (client's
--json, median over --count images), online bytes per party, rounds,
dealer bytes, and the peak resident memory (ru_maxrss from wait4) of the
server, the client and the dealer processes.
Writes bench/results/scale.json (date, machine) and prints a Markdown table.
Every process is bounded by --timeout-s. Not a test: a benchmark.
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

import model_dirs  # bench/, the script's own directory

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROFILES = {"lan": (0.5, 1000), "wan": (4.0, 400)}  # RTT ms, Mbit/s
MODELS = {
    "vit_7_4_32": "ViT-Lite 7/4, 32x32x3, dim 256, MLP 512, 65 tokens, Softmax",
    "vit_base": "ViT-Base/16, 224x224x3, dim 768, MLP 3072, 197 tokens, Softmax",
}


def run(cmd, timeout):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()[-2000:]}")
    return r.stdout


def wait_rss(proc, deadline):
    """Waits for proc (kills it past deadline); returns (rc, peak RSS MiB)."""
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, ru.ru_maxrss / 1024.0
        if time.monotonic() > deadline:
            proc.kill()
        time.sleep(0.05)


def ensure_onnx(name, build):
    if name == "vit_base":
        d = os.path.join(build, "bench-onnx")
    else:
        d = os.path.join(build, "bench-scale")
    path = os.path.join(d, f"{name}.onnx")
    if not os.path.isfile(path):
        os.makedirs(d, exist_ok=True)
        print(f"== exporting {name} with PyTorch (random weights)", flush=True)
        run(["/usr/bin/python3", os.path.join(ROOT, "python", "mpcvit", "onnx_fixtures.py"),
             "--out", d, "--only", name], 1800)
    return path


def compile_model(name, onnx, build, timeout, arch=None):
    d = os.path.join(build, "bench-scale", name)
    os.makedirs(d, exist_ok=True)
    prog = os.path.join(d, "p")
    t0 = time.monotonic()
    p = subprocess.Popen([os.path.join(build, "bin", "mpcvit-compile"), onnx, "-o", prog]
                         + (["--arch", arch] if arch else []),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    rc, rss = wait_rss(p, time.monotonic() + timeout)
    log = p.stdout.read()
    if rc != 0:
        raise RuntimeError(f"mpcvit-compile {onnx} failed ({rc}): {log[-2000:]}")
    return prog, {"compile_s": round(time.monotonic() - t0, 2),
                  "compile_peak_rss_mib": round(rss, 1)}


def predict(prog, build, timeout):
    cal = os.path.join(ROOT, "bench", "results", "cost_calibration.json")
    cost = json.loads(run([os.path.join(build, "bin", "mpcvit-opt"), prog + ".mlir",
                           f"--mpcvit-cost-report=json calibration={cal} profiles=lan,wan",
                           "-o", os.devnull], timeout))
    t = cost["total"]
    return {"online_bytes_sent_per_party": t["online_bytes_sent_per_party"],
            "online_rounds": t["online_rounds"], "offline_bytes": t["offline_bytes"],
            "latency_s": {e["profile"]: e["total_s"] for e in cost["latency"]},
            "compute_s": cost["latency"][0]["compute_s"]}


def input_shape(prog):
    with open(prog + ".mlir") as f:
        for line in f:
            m = re.search(r"func\.func @main\(%arg0: !mpc\.tensor<([0-9x]+)", line)
            if m:
                return [int(s) for s in m.group(1).split("x")]
    raise RuntimeError(f"{prog}.mlir: no @main(%arg0: !mpc.tensor<...>)")


def calibrate_relay(network, build, port):
    """The relay setting at which ping reads the nominal RTT + the hosts'
    RTT (bench/netem/ping.py calibrate, as bench/netem.sh does)."""
    rtt, mbit = PROFILES[network]
    link = json.loads(run(["/usr/bin/python3", os.path.join(ROOT, "bench", "netem", "ping.py"),
                           "calibrate", "--host", "127.0.0.1", "--port", str(port),
                           "--relay", os.path.join(build, "bin", "mpcvit-netem-relay"),
                           "--rtt-ms", str(rtt), "--rate-mbit", str(mbit)], 300))
    print(f"   {network}: {json.dumps(link)}", flush=True)
    return link


def run_parties(prog, network, count, build, port, timeout, link=None, model_dir=None):
    d = os.path.dirname(prog)
    x = model_dirs.data(model_dir, count)[0] if model_dir else None
    if x is None:
        x = np.random.default_rng(0).standard_normal(
            [count] + input_shape(prog)[1:]).astype(np.float32)
    count = len(x)
    xs = os.path.join(d, "x.npy")
    np.save(xs, x)
    tms = str(int(timeout * 1000))
    rport = port  # the relay's (it prints nothing); services bind port 0
    deadline = time.monotonic() + timeout
    procs, logs = {}, {}

    def start(role, cmd):
        logs[role] = open(os.path.join(d, f"{role}.{network}.log"), "w+")
        procs[role] = subprocess.Popen(cmd, stdout=logs[role], stderr=subprocess.STDOUT)

    def listening(role):
        """Waits for the service's 'listening on HOST:PORT' line in its log
        and returns the port it bound (it listens on port 0: no race for a
        port with other processes)."""
        path = os.path.join(d, f"{role}.{network}.log")
        limit = min(deadline, time.monotonic() + 120)
        while time.monotonic() < limit:
            with open(path, errors="replace") as f:
                text = f.read()
            m = re.search(r"listening on [^:\s]+:(\d+)", text)
            if m:
                return int(m.group(1))
            if procs[role].poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"{network}: {role} did not start listening: {text[-600:]}")

    try:
        start("dealer", [prog, "dealer", "--listen", "127.0.0.1:0",
                         "--sessions", "1", "--insecure", "--timeout-ms", tms])
        dport = listening("dealer")
        start("server", [prog, "server", "--listen", "127.0.0.1:0",
                         "--dealer", f"127.0.0.1:{dport}", "--sessions", "1",
                         "--weights", prog + ".weights", "--insecure",
                         "--timeout-ms", tms])
        sport = listening("server")
        target = f"127.0.0.1:{sport}"
        if network != "loopback":
            start("relay", [os.path.join(build, "bin", "mpcvit-netem-relay"),
                            "--listen", f"127.0.0.1:{rport}", "--connect", target,
                            "--rtt-ms", str(link["relay_rtt_ms"]),
                            "--rate-mbit", str(PROFILES[network][1]),
                            "--idle-timeout-s", str(int(timeout))])
            target = f"127.0.0.1:{rport}"
            time.sleep(0.2)  # the relay prints nothing (the client retries its connect)
        out = os.path.join(d, f"client.{network}.json")
        with open(out, "w") as jf, \
                open(os.path.join(d, f"client.{network}.log"), "w") as ef:
            procs["client"] = subprocess.Popen(
                [prog, "client", "--connect", target, "--dealer", f"127.0.0.1:{dport}",
                 "--input", xs, "--json", "--insecure", "--timeout-ms", tms],
                stdout=jf, stderr=ef)
    except BaseException:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        raise
    rss, rcs = {}, {}
    for role in ("client", "server", "dealer") + (("relay",) if "relay" in procs else ()):
        rcs[role], rss[role] = wait_rss(procs[role], deadline)
        if rcs[role]:  # the others may wait for a session that never comes
            deadline = min(deadline, time.monotonic() + 10)
    if any(rcs.values()):
        tails = {}
        for role in rcs:
            path = os.path.join(d, f"{role}.{network}.log")
            with open(path) as f:
                tails[role] = f.read()[-600:]
        raise RuntimeError(f"{network}: exit codes {rcs}; logs: {tails}")
    with open(out) as f:
        rep = json.loads(f.read().strip().splitlines()[-1])
    return {
        "network": network,
        **({"link": link} if link else {}),
        "images": count,
        "online_s_median": statistics.median(rep["online_s_each"]),
        "offline_s_median": statistics.median(rep["offline_s_each"]),
        "online_bytes_sent_per_party": rep["online_bytes_sent_per_party"],
        "online_rounds": rep["online_rounds"],
        "offline_bytes": rep["offline_bytes"],
        "peak_rss_mib": {r: round(rss[r], 1) for r in ("server", "client", "dealer")},
    }


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", default="vit_7_4_32,vit_base",
                   help="comma list of built-in models (vit_7_4_32, vit_base) and model "
                        "directories (ONNX + optional arch.json + optional inputs.npy)")
    p.add_argument("--networks", default="loopback,wan")
    p.add_argument("--count", type=int, default=2, help="images per run (1 for vit_base)")
    p.add_argument("--timeout-s", type=float, default=3600)
    p.add_argument("--port", type=int, default=7400,
                   help="base port of the link emulator (relay, calibration); "
                        "the dealer and server bind free ports")
    p.add_argument("--build", default=os.environ.get("MPCVIT_BUILD_DIR",
                                                      os.path.join(ROOT, "build")))
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "scale.json"))
    args = p.parse_args()
    names, dirs = [], {}
    for n in (n for n in args.models.split(",") if n):
        if n in MODELS:
            names.append(n)
            continue
        if not model_dirs.is_path(n) and not os.path.isdir(n):
            p.error(f"unknown model {n!r}; expected one of {', '.join(MODELS)} "
                    f"or a model directory")
        try:
            name, d = model_dirs.resolve(n)
        except ValueError as e:
            p.error(str(e))
        names.append(name)
        dirs[name] = d
    nets = [n for n in args.networks.split(",") if n]
    for n in nets:
        if n != "loopback" and n not in PROFILES:
            p.error(f"unknown network {n!r}; expected loopback, lan or wan")
    old = {}
    if os.path.isfile(args.out):  # keep rows of models not re-run
        with open(args.out) as f:
            old = {r["model"]: r for r in json.load(f).get("models", [])}
    links = {n: calibrate_relay(n, args.build, args.port + 100) for n in nets if n != "loopback"}
    for name in names:
        print(f"== {name}", flush=True)
        d = dirs.get(name)
        onnx = model_dirs.onnx_file(d) if d else ensure_onnx(name, args.build)
        prog, comp = compile_model(name, onnx, args.build, args.timeout_s,
                                   model_dirs.arch_file(d) if d else None)
        desc = MODELS.get(name) or f"model directory {d}"
        row = {"model": name, "description": desc, **comp,
               "predicted": predict(prog, args.build, args.timeout_s), "runs": []}
        # runs of networks not re-run now are kept from the previous file
        kept = [r for r in old.get(name, {}).get("runs", []) if r["network"] not in nets]
        count = 1 if name == "vit_base" else args.count
        for i, net in enumerate(nets):
            print(f"   {net} ({count} image(s))", flush=True)
            row["runs"].append(run_parties(prog, net, count, args.build,
                                           args.port + 10 * i, args.timeout_s, links.get(net),
                                           d))
            print("   " + json.dumps(row["runs"][-1]), flush=True)
        order = ["loopback", "lan", "wan"]
        row["runs"] = sorted(kept + row["runs"], key=lambda r: order.index(r["network"]))
        old[name] = row
    report = {"date": datetime.date.today().isoformat(),
              "machine": f"{platform.node()} {platform.machine()}, "
                         f"{os.cpu_count()} cores, {platform.platform()}",
              "note": "random weights; server, client and dealer share this machine's "
                      "cores; lan/wan through mpcvit-netem-relay on loopback, calibrated "
                      "so that ping reads the nominal RTT",
              "models": list(old.values())}
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)
    print(f"bench/scale.py: wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
