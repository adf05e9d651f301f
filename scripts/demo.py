#!/usr/bin/python3
"""The main job: private inference of a trained ViT on real Fashion-MNIST images.

    scripts/demo.sh [--model mpcvit_mu0.5] [--count 100] [--chunk 10]
                    [--insecure] [--protocols a2b|fss]

1. Compiles models/fmnist/<model>/model.onnx with its arch.json into a
   private executable (mpcvit-compile: import, raise, NAS rewrites, fusion,
   lowering to mpc, C++ emission, linking with the 2PC runtime).
2. Runs dealer, server and client as three processes over loopback
   (127.0.0.1, ephemeral ports) on the first N test images, with a progress
   bar; only the client sees its images and the logits. Every link is
   mutual TLS 1.3 with the role certificates of scripts/make-certs.sh (test
   certificates, made once into <build>/demo/certs and reused; --insecure
   runs plain TCP instead). The dealer and the server are started once, as
   services (logs in <build>/demo/<model>/{dealer,server}.log); the client
   sends the images in chunks of --chunk, one client session per chunk,
   and the services exit after the last one.
3. Runs the same program in plaintext (the compiler's reference evaluator,
   mpcvit-run, on the rewritten vit IR) on the same images.
4. Prints private and plaintext top-1, their agreement, median online and
   offline latency per image, bytes and rounds per image, and the cost
   model's prediction (--mpcvit-cost-report) beside the measurement.

Run with /usr/bin/python3 (numpy and tqdm from apt). Exit status 1 with a
message naming what is missing on any error.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from tqdm import tqdm

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))
from mpcvit import data as fmnist  # noqa: E402  (validated IDX loader)
from mpcvit.plaintext import ToolError, plaintext_logits  # noqa: E402

TIMEOUT_S = 600
# The default model (MPCViT, mu = 0.5) and the fallback when it is absent.
DEFAULT_MODELS = ("mpcvit_mu0.5", "teacher")


def die(msg):
    print(f"demo: error: {msg}", file=sys.stderr)
    sys.exit(1)


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S,
                       **kw)
    if r.returncode != 0:
        die(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr.strip()}")
    return r.stdout


ROLES = ("dealer", "server", "client")


def ensure_certs(certdir):
    """Test certificates of the three roles in `certdir` (made once with
    scripts/make-certs.sh, reused when all are there)."""
    files = ["ca.crt"] + [f"{r}.{e}" for r in ROLES for e in ("crt", "key")]
    if all(os.path.isfile(os.path.join(certdir, f)) for f in files):
        print(f"== certificates {certdir} (reused)")
        return
    r = subprocess.run(["bash", os.path.join(ROOT, "scripts", "make-certs.sh"),
                        "--force", certdir], capture_output=True, text=True,
                       timeout=TIMEOUT_S)
    if r.returncode != 0:
        die(f"scripts/make-certs.sh {certdir} failed ({r.returncode}):\n"
            f"{r.stderr.strip()}")
    print(f"== certificates {certdir} (made by scripts/make-certs.sh: a test "
          f"CA and one certificate per role)")


def security(certdir, role):
    """The TLS options of `role` (certdir None: --insecure)."""
    if certdir is None:
        return ["--insecure"]
    return ["--tls-cert", os.path.join(certdir, role + ".crt"),
            "--tls-key", os.path.join(certdir, role + ".key"),
            "--tls-ca", os.path.join(certdir, "ca.crt")]


class Service:
    """A dealer or server started as a service, its stdout and stderr in
    `log` (a file, so that the per-session reports never fill a pipe)."""

    def __init__(self, role, cmd, log):
        self.role, self.log = role, log
        self.file = open(log, "w")
        self.proc = subprocess.Popen(cmd, stdout=self.file,
                                     stderr=subprocess.STDOUT)

    def text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def listening(self, timeout=60):
        """Waits for 'listening on 127.0.0.1:PORT (...)'; returns (port,
        what the link is)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)(?: \((.*)\))?",
                          self.text())
            if m:
                return int(m.group(1)), m.group(2) or "?"
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        die(f"{self.role} did not start (see {self.log}): "
            f"{self.text().strip()[-2000:]}")

    def wait(self, timeout=60):
        """Waits for the service to exit by itself (after its --sessions);
        dies if it fails or does not."""
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            die(f"{self.role} did not exit after its last session "
                f"(see {self.log})")
        if code != 0:
            die(f"{self.role} failed ({code}), see {self.log}: "
                f"{self.text().strip()[-2000:]}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.file.close()


def start_services(prog, work, certdir, sessions):
    """The dealer, then the server (connected to it), each serving
    `sessions` client sessions. Returns (dealer, server, dealer port, server
    port, link description)."""
    common = ["--timeout-ms", "30000"]
    dealer = Service("dealer", [prog, "dealer", "--listen", "127.0.0.1:0",
                                "--sessions", str(sessions)]
                     + security(certdir, "dealer") + common,
                     os.path.join(work, "dealer.log"))
    try:
        dp, link = dealer.listening()
        server = Service("server", [prog, "server", "--listen", "127.0.0.1:0",
                                    "--dealer", f"127.0.0.1:{dp}",
                                    "--sessions", str(sessions)]
                         + security(certdir, "server") + common,
                         os.path.join(work, "server.log"))
    except BaseException:
        dealer.stop()
        raise
    try:
        sp, _ = server.listening()
    except BaseException:
        server.stop()
        dealer.stop()
        raise
    return dealer, server, dp, sp, link


def private_chunk(prog, dp, sp, certdir, images_npy, out_npy):
    """One client session against the running dealer and server; returns
    the client's JSON report."""
    cmd = [prog, "client", "--connect", f"127.0.0.1:{sp}",
           "--dealer", f"127.0.0.1:{dp}", "--input", images_npy,
           "--output", out_npy, "--json", "--timeout-ms", "30000"] \
        + security(certdir, "client")
    try:
        r = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        die(f"client did not finish within {TIMEOUT_S} s")
    if r.returncode != 0:
        die(f"client failed ({r.returncode}): {r.stderr.strip()}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def cost_prediction(mlir, bin_dir):
    """Totals of --mpcvit-cost-report=json on the final mpc IR, or None if
    this build has no cost report."""
    opt = os.path.join(bin_dir, "mpcvit-opt")
    options = "json"
    calibration = os.path.join(ROOT, "bench", "results", "cost_calibration.json")
    if os.path.isfile(calibration):
        options += " calibration=" + calibration
    r = subprocess.run([opt, f"--mpcvit-cost-report={options}", mlir, "-o",
                        os.devnull], capture_output=True, text=True,
                       timeout=TIMEOUT_S)
    if r.returncode != 0:
        return None
    text = r.stdout.strip() or r.stderr.strip()
    start = text.find("{")
    try:
        return json.loads(text[start:]) if start >= 0 else None
    except json.JSONDecodeError:
        return None


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=None,
                   help="directory under models/fmnist/ (default mpcvit_mu0.5; "
                        "the teacher if that model is not there)")
    p.add_argument("--count", type=int, default=100,
                   help="first N test images (default 100)")
    p.add_argument("--chunk", type=int, default=10,
                   help="images per client session (default 10)")
    p.add_argument("--insecure", action="store_true",
                   help="plain TCP between the roles instead of mutual TLS "
                        "(a trusted network only)")
    p.add_argument("--protocols", choices=("a2b", "fss"), default=None,
                   help="protocol suite (mpcvit-compile --protocols; default: the "
                        "compiler's)")
    p.add_argument("--build", default=os.environ.get("MPCVIT_BUILD_DIR",
                                                      os.path.join(ROOT, "build")))
    p.add_argument("--data", default=fmnist.DEFAULT_ROOT)
    args = p.parse_args()
    if args.count < 1 or args.chunk < 1:
        die("--count and --chunk must be positive")

    if args.model is None:
        args.model = next((m for m in DEFAULT_MODELS if os.path.isfile(
            os.path.join(ROOT, "models", "fmnist", m, "model.onnx"))),
            DEFAULT_MODELS[0])
        if args.model != DEFAULT_MODELS[0]:
            print(f"demo: models/fmnist/{DEFAULT_MODELS[0]} is not there; "
                  f"using {args.model}", file=sys.stderr)
    model_dir = os.path.join(ROOT, "models", "fmnist", args.model)
    onnx_path = os.path.join(model_dir, "model.onnx")
    arch = os.path.join(model_dir, "arch.json")
    if not os.path.isfile(onnx_path):
        have = sorted(os.listdir(os.path.dirname(model_dir))) \
            if os.path.isdir(os.path.dirname(model_dir)) else []
        die(f"no model {onnx_path}; models/fmnist has: {', '.join(have) or 'none'}")
    bin_dir = os.path.join(args.build, "bin")
    work = os.path.join(args.build, "demo", args.model +
                        (f".{args.protocols}" if args.protocols else ""))
    os.makedirs(work, exist_ok=True)
    prog = os.path.join(work, "prog")

    print(f"== model {args.model}: {onnx_path}")
    cmd = [os.path.join(bin_dir, "mpcvit-compile"), onnx_path, "-o", prog]
    if os.path.isfile(arch):
        cmd[2:2] = ["--arch", arch]
        print(f"   arch {arch}")
    if args.protocols:
        cmd[2:2] = [f"--protocols={args.protocols}"]
        print(f"   protocols {args.protocols}")
    run(cmd)
    print(f"== compiled {prog} (+ {os.path.basename(prog)}.weights for the "
          f"server, {os.path.basename(prog)}.mlir)")

    images, labels = fmnist.load_split("test", args.data)
    n = min(args.count, len(images))
    x = fmnist.normalize(images[:n])
    y = labels[:n]

    # Plaintext reference: the same rewritten program, evaluated in float.
    with tempfile.TemporaryDirectory() as tmp:
        xs = os.path.join(tmp, "images.npy")
        np.save(xs, x)
        try:
            plain_logits = plaintext_logits(bin_dir, onnx_path, arch, xs, tmp, TIMEOUT_S)
        except ToolError as e:
            die(str(e))

        # Private inference: dealer and server as services, one client
        # session per chunk.
        certdir = None
        if not args.insecure:
            certdir = os.path.join(args.build, "demo", "certs")
            ensure_certs(certdir)
        chunks = [(lo, min(n, lo + args.chunk)) for lo in range(0, n, args.chunk)]
        dealer, server, dp, sp, link = start_services(prog, work, certdir,
                                                      len(chunks))
        if args.insecure:
            print(f"== links: plain TCP, NOT encrypted or authenticated "
                  f"(--insecure; {link})")
        else:
            print(f"== links: mutual TLS 1.3 (client-server, client-dealer, "
                  f"server-dealer), each role with its certificate from "
                  f"{certdir}"
                  + ("" if "mutual TLS 1.3" in link
                     else f" (but the dealer says: {link})"))
        print(f"   dealer 127.0.0.1:{dp}, server 127.0.0.1:{sp}, "
              f"{len(chunks)} client session(s) of up to {args.chunk} images")
        private_logits, reports = [], []
        try:
            with tqdm(total=n, desc="private inference", unit="img") as bar:
                for lo, hi in chunks:
                    cx = os.path.join(tmp, f"chunk{lo}.npy")
                    co = os.path.join(tmp, f"chunk{lo}.out.npy")
                    np.save(cx, x[lo:hi])
                    reports.append(private_chunk(prog, dp, sp, certdir, cx, co))
                    private_logits.append(np.load(co).reshape(hi - lo, -1))
                    bar.update(hi - lo)
            server.wait()
            dealer.wait()
        finally:
            server.stop()
            dealer.stop()
        private_logits = np.concatenate(private_logits)

    priv_top1 = private_logits.argmax(1)
    plain_top1 = plain_logits.reshape(n, -1).argmax(1)
    online = [s for r in reports for s in r["online_s_each"]]
    offline = [s for r in reports for s in r["offline_s_each"]]
    bytes_pp = reports[0]["online_bytes_sent_per_party"]
    rounds = reports[0]["online_rounds"]
    dealer_bytes = reports[0]["offline_bytes"]
    consistent = all(r["online_bytes_sent_per_party"] == bytes_pp and
                     r["online_rounds"] == rounds for r in reports)

    print()
    print(f"images                      {n} (Fashion-MNIST test set, first {n})")
    print(f"private top-1 accuracy      {100.0 * (priv_top1 == y).mean():.2f}%")
    print(f"plaintext top-1 accuracy    {100.0 * (plain_top1 == y).mean():.2f}%"
          f"  (same program, float)")
    print(f"agreement private/plaintext {int((priv_top1 == plain_top1).sum())}/{n}"
          f"  max |logit diff| {np.abs(private_logits - plain_logits.reshape(n, -1)).max():.2e}")
    print(f"online latency (median)     {statistics.median(online):.4f} s per image")
    print(f"offline latency (median)    {statistics.median(offline):.4f} s per image")
    print(f"online bytes per image      server {bytes_pp[0]:,} B, client "
          f"{bytes_pp[1]:,} B{'' if consistent else ' (varied between chunks!)'}")
    print(f"online rounds per image     {rounds}")
    print(f"offline (dealer) bytes      {dealer_bytes:,} B per image")
    pred = cost_prediction(prog + ".mlir", bin_dir)
    if pred is None:
        print("cost model                  (no --mpcvit-cost-report in this build)")
    else:
        t = pred.get("total", {})
        pb = t.get("online_bytes_sent_per_party", [None, None])
        print(f"cost model prediction       server {pb[0]:,} B, client {pb[1]:,} B, "
              f"{t.get('online_rounds')} rounds, dealer {t.get('offline_bytes'):,} B"
              f"  -> {'equal to' if pb == bytes_pp and t.get('online_rounds') == rounds else 'DIFFERENT from'} the measurement")
        for est in pred.get("latency", []):
            compute = (f"{est['compute_s']:.4f} s compute (calibrated)"
                       if est.get("compute_known") else "compute not calibrated")
            print(f"  estimated online latency {est['profile']:9s} "
                  f"{est['total_s']:.4f} s ({est['network_s']:.4f} s network + "
                  f"{compute})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
