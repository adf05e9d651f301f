#!/usr/bin/python3
"""Tiny ONNX models for weight_range.test (issue 14): a linear layer
y = x · W + b (MatMul + Add, x [1, 8], W [8, 4] "encoder.fc.weight",
b [4] "encoder.fc.bias", opset 13) with one weight value replaced.

    make_range_models.py OUT_DIR

writes OUT_DIR/<case>.onnx for the cases below (and huge_scale.onnx: the
same layer followed by a product with the scalar "head.scale" = 1e30) and
OUT_DIR/x.npy.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def linear(w, b, scale=None):
    nodes = [helper.make_node("MatMul", ["x", "encoder.fc.weight"], ["h"],
                              name="/encoder/fc/MatMul"),
             helper.make_node("Add", ["h", "encoder.fc.bias"],
                              ["y" if scale is None else "z"],
                              name="/encoder/fc/Add")]
    inits = [numpy_helper.from_array(w, "encoder.fc.weight"),
             numpy_helper.from_array(b, "encoder.fc.bias")]
    if scale is not None:
        nodes.append(helper.make_node("Mul", ["z", "head.scale"], ["y"],
                                      name="/head/Mul"))
        inits.append(numpy_helper.from_array(
            np.array(scale, np.float32), "head.scale"))
    g = helper.make_graph(
        nodes, "linear",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    return m


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(3)
    w = rng.standard_normal((8, 4)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    cases = {
        "ok": (w, b),
        # 1e20 · 2^16 is far beyond 2^62.
        "huge_weight": (w, b),
        # Infinity and NaN are never encodable.
        "inf_weight": (w, b),
        "nan_bias": (w, b),
        # 2^40 fits 16 fractional bits (< 2^46) but not the bias's 32
        # (the bias is added at 2f bits before the truncation: < 2^30).
        "big_bias": (w, b),
        # 2^45 is just inside the range of a 16-bit weight.
        "edge_weight": (w, b),
    }
    for name, (wc, bc) in cases.items():
        wc, bc = wc.copy(), bc.copy()
        if name == "huge_weight":
            wc[5, 2] = 1e20
        elif name == "inf_weight":
            wc[0, 0] = np.inf
        elif name == "nan_bias":
            bc[1] = np.nan
        elif name == "big_bias":
            bc[3] = 2.0 ** 40
        elif name == "edge_weight":
            wc[7, 3] = 2.0 ** 45
        onnx.save(linear(wc, bc), os.path.join(out, name + ".onnx"))
    # A scalar factor is a public constant of the program: 1e30 does not
    # fit either.
    onnx.save(linear(w, b, 1e30), os.path.join(out, "huge_scale.onnx"))
    np.save(os.path.join(out, "x.npy"),
            rng.standard_normal((1, 8)).astype(np.float32))


if __name__ == "__main__":
    main()
