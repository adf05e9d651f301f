#!/usr/bin/python3
"""Private inference of the frontend model zoo (issue 18, item 4).

  frontend_models.py FIXTURES WORK [--only NAME]... [--opset K]... [--jobs J]

For every model NAME of python/mpcvit/frontend_models.py and opset K in
FIXTURES (NAME.opK.onnx, NAME.input.npy, NAME.ref.npy):
  1. plaintext: mpcvit-translate --import-onnx, mpcvit-opt
     --mpcvit-raise-patterns, mpcvit-run --plaintext --batch on the 2 images
     (the importer and raising alone, within 1e-4 of PyTorch);
  2. private: mpcvit-compile --emit=exe, then `prog local` on the 2 images
     (dealer, server and client in one process), logits within --atol
     (1e-2) of PyTorch's and the same top-1 on every image.
Prints, in a fixed order, one line per model and opset:
  "NAME opK: plaintext max_abs_err E ok|FAILED"  (or the tool's error)
  "NAME opK: private max_abs_err E top1 A/N ok|FAILED"
  "NAME opK: private FAILED at STEP: <the tool's first error line>"
and exits 1 if any failed. Tools are taken from PATH (lit puts build/bin
first). J (default 2) model/opset pairs run at a time.
"""
import argparse
import concurrent.futures
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "python", "mpcvit"))
from frontend_models import MODELS, OPSETS  # noqa: E402  (no torch needed)


def run(cmd, log):
    """Runs cmd; returns None or the tool's first error line."""
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    with open(log, "a") as f:
        f.write("$ " + " ".join(cmd) + "\n" + r.stdout + "\n")
    if r.returncode == 0:
        return None
    lines = [ln for ln in r.stdout.splitlines() if ln.strip()]
    err = [ln for ln in lines if "error" in ln.lower()]
    return ((err or lines or ["exit status %d" % r.returncode])[0]).strip()


def check(fix, work, name, opset, atol):
    tag = "%s op%d" % (name, opset)
    onnx = os.path.join(fix, "%s.op%d.onnx" % (name, opset))
    x = os.path.join(fix, name + ".input.npy")
    ref = np.load(os.path.join(fix, name + ".ref.npy"))
    d = os.path.join(work, "%s.op%d" % (name, opset))
    os.makedirs(d, exist_ok=True)
    log = os.path.join(d, "log.txt")
    open(log, "w").close()
    lines, ok = [], True

    # Plaintext: import, raise, evaluate.
    err = (run(["mpcvit-translate", "--import-onnx", onnx, "-o", d + "/vit.mlir"], log)
           or run(["mpcvit-opt", "--mpcvit-raise-patterns", d + "/vit.mlir",
                   "-o", d + "/raised.mlir"], log)
           or run(["mpcvit-run", "--plaintext", d + "/raised.mlir", "--batch",
                   "--input", x, "--output", d + "/plain.npy"], log))
    if err:
        lines.append("%s: plaintext FAILED: %s" % (tag, err))
        ok = False
    else:
        e = float(np.abs(np.load(d + "/plain.npy").reshape(ref.shape) - ref).max())
        good = e <= 1e-4
        ok &= good
        lines.append("%s: plaintext max_abs_err %.2e %s" % (
            tag, e, "ok" if good else "FAILED"))

    # Private: compile, run dealer + server + client locally.
    prog = os.path.join(d, "prog")
    err = run(["mpcvit-compile", onnx, "--emit=exe", "-o", prog], log)
    step = "mpcvit-compile"
    if not err:
        step = "prog local"
        err = run([prog, "local", "--input", x, "--output", d + "/out.npy"], log)
    if err:
        lines.append("%s: private FAILED at %s: %s" % (tag, step, err))
        return False, lines
    out = np.load(d + "/out.npy").reshape(ref.shape)
    e = float(np.abs(out - ref).max())
    agree = int((out.argmax(1) == ref.argmax(1)).sum())
    good = e <= atol and agree == len(ref)
    lines.append("%s: private max_abs_err %.5f top1 %d/%d %s" % (
        tag, e, agree, len(ref), "ok" if good else "FAILED"))
    return ok and good, lines


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("fixtures")
    p.add_argument("work")
    p.add_argument("--only", action="append", choices=MODELS)
    p.add_argument("--opset", action="append", type=int)
    p.add_argument("--atol", type=float, default=1e-2)
    p.add_argument("--jobs", type=int, default=2)
    a = p.parse_args()
    pairs = [(m, k) for m in (a.only or MODELS) for k in (a.opset or OPSETS)]
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        results = list(pool.map(
            lambda mk: check(a.fixtures, a.work, mk[0], mk[1], a.atol), pairs))
    failed = 0
    for good, lines in results:
        failed += not good
        for ln in lines:
            print(ln)
    print("frontend models: %d of %d passed" % (len(pairs) - failed, len(pairs)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
