#!/usr/bin/python3
"""Runs ONNX's own backend node tests through the importer and evaluator.

For every directory DATA/test_<PATTERN> of the ONNX backend test data
(Debian package libonnx-testdata: model.onnx and test_data_set_0/ with
input_*.pb and output_0.pb TensorProtos), in two variants:

  runtime  the model as shipped: every input a graph input, so the
           importer sees runtime tensors;
  const    the inputs after the first turned into initializers holding the
           test data, as in exported models (Gemm's B and C are weights);

converts the TensorProtos to .npy, runs
``mpcvit-translate --import-onnx`` and ``mpcvit-run --plaintext`` with
``--compare output_0 --atol ATOL``, and prints one line per case and
variant: ``CASE VARIANT: <mpcvit-run's comparison line>`` or
``CASE VARIANT: error: <the tool's first error line>``. The exit status is
0; the lit test checks the lines.

    onnx_backend_node.py --data DIR --pattern 'gemm_*' --out TMP [--atol A]
"""

import argparse
import glob
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def load_tensor(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def first_error(text):
    for line in text.splitlines():
        if "error" in line:
            return line.strip()
    return text.strip().splitlines()[-1] if text.strip() else "(no output)"


def run_case(case_dir, variant, out, atol):
    name = os.path.basename(case_dir)[len("test_"):]
    work = os.path.join(out, name + "." + variant)
    os.makedirs(work, exist_ok=True)
    model = onnx.load(os.path.join(case_dir, "model.onnx"))
    data = os.path.join(case_dir, "test_data_set_0")
    inputs = [load_tensor(p) for p in
              sorted(glob.glob(os.path.join(data, "input_*.pb")))]
    expected = load_tensor(os.path.join(data, "output_0.pb"))
    graph_inputs = [i.name for i in model.graph.input]
    if variant == "const":
        for name_i, arr in list(zip(graph_inputs, inputs))[1:]:
            model.graph.initializer.append(numpy_helper.from_array(arr, name_i))
        keep = graph_inputs[:1]
        del model.graph.input[1:]
        inputs = inputs[:1]
        graph_inputs = keep
    model_path = os.path.join(work, "model.onnx")
    onnx.save(model, model_path)
    args = []
    for k, arr in enumerate(inputs):
        p = os.path.join(work, "input_%d.npy" % k)
        np.save(p, arr)
        args += ["--input", p]
    ref = os.path.join(work, "output_0.npy")
    np.save(ref, expected)
    mlir = os.path.join(work, "model.mlir")
    r = subprocess.run(["mpcvit-translate", "--import-onnx", model_path,
                        "-o", mlir], capture_output=True, text=True)
    if r.returncode != 0:
        return "%s %s: error: %s" % (name, variant,
                                     first_error(r.stderr + r.stdout))
    r = subprocess.run(["mpcvit-run", "--plaintext", mlir] + args +
                       ["--compare", ref, "--atol", repr(atol)],
                       capture_output=True, text=True)
    lines = [l for l in r.stdout.splitlines() if l.startswith("result #")]
    if r.returncode != 0 or len(lines) != 1:
        return "%s %s: error: %s" % (name, variant,
                                     first_error(r.stderr + r.stdout))
    return "%s %s: %s" % (name, variant, lines[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--pattern", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--atol", type=float, default=1e-5)
    a = ap.parse_args()
    cases = sorted(glob.glob(os.path.join(a.data, "test_" + a.pattern)))
    if not cases:
        sys.exit("no test_%s under %s" % (a.pattern, a.data))
    os.makedirs(a.out, exist_ok=True)
    for case in cases:
        for variant in ("runtime", "const"):
            print(run_case(case, variant, a.out, a.atol), flush=True)
    print("%d cases" % len(cases))


if __name__ == "__main__":
    main()
