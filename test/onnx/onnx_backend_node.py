#!/usr/bin/python3
"""Runs ONNX's own backend node tests through the importer and evaluator.

The ONNX backend test data (Debian package libonnx-testdata) has one
directory DATA/test_<CASE> per case: model.onnx and test_data_set_0/ with
input_*.pb and output_*.pb TensorProtos. Each case is converted (below),
its TensorProtos written as .npy, and run through
``mpcvit-translate --import-onnx`` [``mpcvit-opt --mpcvit-raise-patterns``]
and ``mpcvit-run --plaintext`` with one ``--compare output_K.npy`` per
graph output.

Conversions (variants):

  runtime  the model as shipped: every input a graph input, so the
           importer sees runtime tensors;
  const    the inputs after the first turned into initializers holding the
           test data, as in exported models (Gemm's B and C are weights);
  export   every non-float input (shapes, axes, indices, split sizes,
           steps, integer exponents, conditions) turned into an initializer,
           as an exporter emits them; float inputs stay runtime inputs.

Two modes:

  onnx_backend_node.py --data DIR --pattern 'gemm_*' --out TMP [--atol A]

prints one line per case and variant (runtime and const): ``CASE VARIANT:
<mpcvit-run's comparison line>`` or ``CASE VARIANT: error: <the tool's
first error line>``; exit status 0, the lit test checks the lines.

  onnx_backend_node.py --data DIR --conformance EXPECT --out TMP

the conformance test (issue 18): every case whose nodes all belong to the
ViT op set (VIT_OPS), in the export variant, raised, compared with
``--rtol`` (default 1e-5: max|got − ref| ≤ rtol · max|ref| per output).
Each case ends as

  pass    every output within the tolerance;
  reject  a tool exited non-zero with an error naming the node (its name or
          index and op_type), or the graph input or output, at fault;
  wrong   the evaluator ran but an output is beyond the tolerance, has the
          wrong shape or is missing; or a tool failed without such a
          message (a crash, an unclear error).

EXPECT lists ``CASE pass|reject`` per line (# comments). The script prints
one line per case, then the counts, and exits 1 if any case is wrong or
differs from EXPECT (or is missing from it); ``--update`` rewrites EXPECT
from this run instead (never with a wrong case).
"""

import argparse
import concurrent.futures
import glob
import os
import re
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

# The ViT op set (issue 18): a case is part of the conformance test when
# every node of its graph has one of these op_types and its inputs and
# outputs are tensors.
VIT_OPS = {
    "MatMul", "Gemm", "Add", "Sub", "Mul", "Div", "Pow", "Sqrt",
    "Reciprocal", "Neg", "Exp", "Erf", "Tanh", "Sigmoid", "Relu",
    "HardSigmoid", "HardSwish", "Gelu", "Softmax", "LayerNormalization",
    "Transpose", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Concat",
    "Split", "Slice", "Gather", "Expand", "Where", "Identity", "Constant",
    "Dropout", "Cast", "Shape", "ConstantOfShape", "Equal", "Range",
    "ReduceMean", "ReduceSum", "ReduceSumSquare", "ReduceMax", "Conv",
}

FLOAT_TYPES = (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE)


def first_error(text):
    for line in text.splitlines():
        if "error" in line:
            return line.strip()
    return text.strip().splitlines()[-1] if text.strip() else "(no output)"


def load_proto(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return t


def case_data(case_dir):
    data = os.path.join(case_dir, "test_data_set_0")
    inputs = [load_proto(p) for p in
              sorted(glob.glob(os.path.join(data, "input_*.pb")))]
    outputs = [numpy_helper.to_array(load_proto(p)) for p in
               sorted(glob.glob(os.path.join(data, "output_*.pb")))]
    return inputs, outputs


def convert(model, inputs, variant):
    """Turns inputs (TensorProtos) into initializers per variant, keeping
    their data type; returns the runtime inputs left (in graph order) as
    arrays."""
    graph_inputs = list(model.graph.input)
    keep, left = [], []
    for k, (vi, arr) in enumerate(zip(graph_inputs, inputs)):
        et = vi.type.tensor_type.elem_type
        if variant == "const":
            as_init = k > 0
        elif variant == "export":
            as_init = et not in FLOAT_TYPES
        else:
            as_init = False
        if as_init:
            init = onnx.TensorProto()
            init.CopyFrom(arr)
            init.name = vi.name
            model.graph.initializer.append(init)
        else:
            keep.append(vi)
            left.append(numpy_helper.to_array(arr))
    del model.graph.input[:]
    model.graph.input.extend(keep)
    return left


def run_tools(case_dir, variant, work, compare_args, do_raise):
    """Converts and runs one case; returns (status, text) with status
    'ran' (text: mpcvit-run's stdout, rc in 'rc') or 'error'."""
    os.makedirs(work, exist_ok=True)
    model = onnx.load(os.path.join(case_dir, "model.onnx"))
    inputs, expected = case_data(case_dir)
    inputs = convert(model, inputs, variant)
    model_path = os.path.join(work, "model.onnx")
    onnx.save(model, model_path)
    args = []
    for k, arr in enumerate(inputs):
        p = os.path.join(work, "input_%d.npy" % k)
        np.save(p, arr)
        args += ["--input", p]
    for k, arr in enumerate(expected):
        p = os.path.join(work, "output_%d.npy" % k)
        # Integer and bool references are compared as floats.
        np.save(p, arr if arr.dtype in (np.float32, np.float64)
                else arr.astype(np.float64))
        args += ["--compare", p]
    mlir = os.path.join(work, "model.mlir")
    r = subprocess.run(["mpcvit-translate", "--import-onnx", model_path,
                        "-o", mlir], capture_output=True, text=True)
    if r.returncode != 0:
        return "error", r.returncode, r.stderr + r.stdout, len(expected)
    if do_raise:
        raised = os.path.join(work, "raised.mlir")
        r = subprocess.run(["mpcvit-opt", "--mpcvit-raise-patterns", mlir,
                            "-o", raised], capture_output=True, text=True)
        if r.returncode != 0:
            return "error", r.returncode, r.stderr + r.stdout, len(expected)
        mlir = raised
    r = subprocess.run(["mpcvit-run", "--plaintext", mlir] + args +
                       compare_args, capture_output=True, text=True)
    if r.returncode != 0 and not r.stdout.strip():
        return "error", r.returncode, r.stderr + r.stdout, len(expected)
    return "ran", r.returncode, r.stdout + r.stderr, len(expected)


def run_case(case_dir, variant, out, atol):
    name = os.path.basename(case_dir)[len("test_"):]
    work = os.path.join(out, name + "." + variant)
    status, rc, text, _ = run_tools(case_dir, variant, work,
                                    ["--atol", repr(atol)], False)
    if status == "error":
        return "%s %s: error: %s" % (name, variant, first_error(text))
    lines = [l for l in text.splitlines() if l.startswith("result #0")]
    if rc != 0 or len(lines) != 1:
        return "%s %s: error: %s" % (name, variant, first_error(text))
    return "%s %s: %s" % (name, variant, lines[0])


# A clear rejection names the node (its name or index, and its op_type) or
# the graph input/output at fault.
CLEAR = re.compile(r"node ('[^']*'|#\d+)[^:]* \([A-Za-z]+, opset \d+\)|"
                   r"(input|graph output|initializer|tensor) '[^']+'|"
                   r"input #\d+ has shape \[[0-9, ]*\] but the argument|"
                   r"the graph has no runtime input")


def classify(case_dir, out, rtol, do_raise=True):
    name = os.path.basename(case_dir)[len("test_"):]
    work = os.path.join(out, name)
    try:
        status, rc, text, n_out = run_tools(
            case_dir, "export", work, ["--rtol", repr(rtol)], do_raise)
    except Exception as e:  # a test-data problem, not the tools'
        return name, "wrong", "converter: %s" % e
    if status == "error":
        msg = first_error(text)
        if rc == 1 and "error" in text and CLEAR.search(text):
            return name, "reject", msg
        return name, "wrong", "unclear failure (exit %d): %s" % (rc, msg)
    lines = [l for l in text.splitlines() if l.startswith("result #")]
    if rc not in (0, 1) or len(lines) != n_out:
        return name, "wrong", "exit %d: %s" % (rc, first_error(text))
    if any(not l.split("(")[0].rstrip().endswith(" ok") for l in lines):
        return name, "wrong", "; ".join(lines)
    worst = max(float(l.split()[3]) for l in lines)
    return name, "pass", "%d output%s, max_rel_err %.1e" % (
        n_out, "" if n_out == 1 else "s", worst)


def conformance_cases(data):
    cases = []
    for case in sorted(glob.glob(os.path.join(data, "test_*"))):
        path = os.path.join(case, "model.onnx")
        if not os.path.isfile(path) or not os.path.isdir(
                os.path.join(case, "test_data_set_0")):
            continue
        try:
            m = onnx.load(path)
        except Exception:
            continue
        ops = {n.op_type for n in m.graph.node}
        # Tensors only (no sequence or optional types).
        tensors = all(v.type.HasField("tensor_type")
                      for v in list(m.graph.input) + list(m.graph.output))
        if ops and ops <= VIT_OPS and tensors and all(
                n.domain in ("", "ai.onnx") for n in m.graph.node):
            cases.append(case)
    return cases


def read_expect(path):
    expect = {}
    with open(path) as f:
        for line in f:
            line = line.split("#")[0].strip()
            if not line:
                continue
            name, status = line.split()
            if status not in ("pass", "reject"):
                sys.exit("%s: bad status '%s' for %s" % (path, status, name))
            expect[name] = status
    return expect


def conformance(a):
    cases = conformance_cases(a.data)
    if not cases:
        sys.exit("no ViT-op-set cases under %s" % a.data)
    os.makedirs(a.out, exist_ok=True)
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        results = list(pool.map(
            lambda c: classify(c, a.out, a.rtol, not a.no_raise), cases))
    counts = {"pass": 0, "reject": 0, "wrong": 0}
    for name, status, detail in results:
        counts[status] += 1
        print("%s: %s: %s" % (name, status, detail))
    expect = {} if a.update else read_expect(a.conformance)
    bad = []
    for name, status, _ in results:
        if status == "wrong":
            bad.append("WRONG %s (never allowed)" % name)
        elif a.update:
            continue
        elif name not in expect:
            bad.append("UNLISTED %s: %s (add it to %s)" % (
                name, status, os.path.basename(a.conformance)))
        elif expect[name] != status:
            bad.append("MISMATCH %s: expected %s, got %s" % (
                name, expect[name], status))
    seen = {name for name, _, _ in results}
    for name in sorted(set(expect) - seen):
        bad.append("MISSING %s: listed but not in the test data's ViT op set"
                   % name)
    print("conformance: %d cases: %d pass, %d rejected with an error naming "
          "the node, %d wrong (rtol %.0e)" % (len(results), counts["pass"],
                                              counts["reject"],
                                              counts["wrong"], a.rtol))
    for line in bad:
        print(line)
        print(line, file=sys.stderr)
    if a.update and not counts["wrong"]:
        with open(a.conformance, "w") as f:
            f.write("# ONNX backend node tests (libonnx-testdata) of the ViT "
                    "op set: expected outcome\n# per case (pass or reject), "
                    "checked by onnx_conformance.test; regenerate with\n"
                    "# onnx_backend_node.py --conformance THIS --update.\n")
            for name, status, detail in results:
                if status == "reject":
                    # The reason, without the tool name and file path.
                    why = re.sub(r"^.*?error: ('[^']*': )?", "", detail)
                    why = re.sub(r"[^\s\"']*/", "", why)  # paths
                    f.write("%s %s  # %s\n" % (name, status, why[:110]))
                else:
                    f.write("%s %s\n" % (name, status))
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--pattern")
    ap.add_argument("--conformance", metavar="EXPECT")
    ap.add_argument("--update", action="store_true")
    ap.add_argument("--out", required=True)
    ap.add_argument("--atol", type=float, default=1e-5)
    ap.add_argument("--rtol", type=float, default=1e-5)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-raise", action="store_true",
                    help="skip mpcvit-opt --mpcvit-raise-patterns")
    a = ap.parse_args()
    if a.conformance:
        sys.exit(conformance(a))
    if not a.pattern:
        sys.exit("give --pattern or --conformance")
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
