#!/usr/bin/python3
"""Small ONNX models for attributes.test (issue 14): every attribute the
importer does not implement is an error naming the node, its op_type and
the attribute; attributes it implements are honoured.

    make_attr_models.py OUT_DIR

writes OUT_DIR/<name>.onnx for the error cases and ok.onnx with
ok.input.npy / ok.expected.npy (NumPy reference) for the accepted one.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "python"))
from mpcvit.onnx_fixtures import graph_model as model  # noqa: E402


def vi(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def const(name, a):
    return numpy_helper.from_array(np.asarray(a), name)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(14)
    w = rng.standard_normal((4, 3)).astype(np.float32)
    x23 = [vi("x", [2, 3])]
    y24 = [vi("y", [2, 4])]

    def save(name, m):
        onnx.save(m, os.path.join(out, name + ".onnx"))

    # Gemm with an attribute no ONNX version has (the checker knows Gemm-13;
    # at opset 20 the checker of ONNX 1.12 is skipped).
    for opset in (13, 20):
        save("gemm_foo_%d" % opset, model(
            [helper.make_node("Gemm", ["x", "w"], ["y"], name="g", transB=1,
                              foo=3)],
            x23, y24, [const("w", w)], opset, "gemm_foo"))
    # Conv attributes with values the importer does not implement.
    xc = [vi("x", [1, 2, 6, 6])]
    wc = const("w", rng.standard_normal((3, 2, 2, 2)).astype(np.float32))
    save("conv_dilations", model(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="c",
                          dilations=[2, 2])],
        xc, [vi("y", [1, 3, 4, 4])], [wc], 13, "conv_dilations"))
    save("conv_valid_pads", model(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="c",
                          auto_pad="VALID", pads=[1, 1, 1, 1])],
        xc, [vi("y", [1, 3, 5, 5])], [wc], 13, "conv_valid_pads"))
    # Parameters that became inputs: the attribute form would be ignored.
    save("slice_starts_attr", model(
        [helper.make_node("Slice", ["x", "s", "e"], ["y"], name="s",
                          starts=[1])],
        x23, [vi("y", [1, 3])],
        [const("s", np.array([0], np.int64)),
         const("e", np.array([1], np.int64))], 13, "slice_starts_attr"))
    save("reducesum_axes_attr", model(
        [helper.make_node("ReduceSum", ["x"], ["y"], name="r", axes=[1])],
        x23, [vi("y", [2, 1])], [], 13, "reducesum_axes_attr"))
    save("reducemean_axes_attr", model(
        [helper.make_node("ReduceMean", ["x"], ["y"], name="r", axes=[1])],
        x23, [vi("y", [2, 1])], [], 18, "reducemean_axes_attr"))
    save("layernorm_stash", model(
        [helper.make_node("LayerNormalization", ["x", "g"], ["y"], name="ln",
                          stash_type=11)],
        x23, [vi("y", [2, 3])], [const("g", np.ones(3, np.float32))], 17,
        "layernorm_stash"))
    sparse = helper.make_sparse_tensor(
        helper.make_tensor("v", TensorProto.FLOAT, [1], [2.0]),
        helper.make_tensor("i", TensorProto.INT64, [1], [0]), [3])
    save("constant_sparse", model(
        [helper.make_node("Constant", [], ["k"], name="k",
                          sparse_value=sparse),
         helper.make_node("Add", ["x", "k"], ["y"], name="a")],
        x23, [vi("y", [2, 3])], [], 13, "constant_sparse"))
    save("dropout_training", model(
        [helper.make_node("Dropout", ["x", "", "t"], ["y"], name="d")],
        x23, [vi("y", [2, 3])], [const("t", np.array(True))], 13,
        "dropout_training"))
    save("softmax_axis_twice", model(
        [helper.make_node("Softmax", ["x"], ["y"], name="sm", axis=1)],
        x23, [vi("y", [2, 3])], [], 13, "softmax_axis_twice"))
    m = onnx.load(os.path.join(out, "softmax_axis_twice.onnx"))
    m.graph.node[0].attribute.append(helper.make_attribute("axis", 0))
    onnx.save(m, os.path.join(out, "softmax_axis_twice.onnx"))
    save("gelu_foo", model(
        [helper.make_node("Gelu", ["x"], ["y"], name="ge", approximate="tanh",
                          foo=1.0)],
        x23, [vi("y", [2, 3])], [], 20, "gelu_foo"))

    # Accepted: attributes at implemented values, checked against NumPy.
    #   Conv (kernel_shape, pads, strides, dilations [1, 1], group 1,
    #   auto_pad NOTSET) -> Flatten(axis 1) -> Gemm(transB, alpha, beta)
    #   -> LayerNormalization(axis -1, epsilon, stash_type 1) -> Dropout
    #   (seed, training_mode false) -> Softmax(axis 1).
    x = rng.standard_normal((2, 2, 5, 5)).astype(np.float32)
    cw = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    cb = rng.standard_normal(3).astype(np.float32)
    gw = rng.standard_normal((4, 12)).astype(np.float32)
    gc = rng.standard_normal(4).astype(np.float32)
    ln_g = rng.standard_normal(4).astype(np.float32)
    ln_b = rng.standard_normal(4).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["x", "cw", "cb"], ["c"], name="conv",
                         kernel_shape=[3, 3], pads=[1, 1, 0, 0],
                         strides=[2, 2], dilations=[1, 1], group=1,
                         auto_pad="NOTSET"),
        helper.make_node("Flatten", ["c"], ["f"], name="flat", axis=1),
        helper.make_node("Gemm", ["f", "gw", "gc"], ["g"], name="gemm",
                         transA=0, transB=1, alpha=0.5, beta=-1.5),
        helper.make_node("LayerNormalization", ["g", "lg", "lb"], ["l"],
                         name="ln", axis=-1, epsilon=1e-3, stash_type=1),
        helper.make_node("Dropout", ["l", "", "tm"], ["d"], name="drop",
                         seed=7),
        helper.make_node("Softmax", ["d"], ["y"], name="sm", axis=1),
    ]
    inits = [const("cw", cw), const("cb", cb), const("gw", gw),
             const("gc", gc), const("lg", ln_g), const("lb", ln_b),
             const("tm", np.array(False))]
    onnx.save(model(nodes, [vi("x", [2, 2, 5, 5])], [vi("y", [2, 4])],
                    inits, 17, "ok"), os.path.join(out, "ok.onnx"))
    # NumPy reference (float64).
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (1, 0), (1, 0)))
    oh = (xp.shape[2] - 3) // 2 + 1
    ow = (xp.shape[3] - 3) // 2 + 1
    c = np.zeros((2, 3, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3]
            c[:, :, i, j] = np.einsum("nchw,ochw->no", patch, cw) + cb
    f = c.reshape(2, -1)
    assert f.shape[1] == 12, f.shape
    g = 0.5 * f @ gw.T.astype(np.float64) - 1.5 * gc
    mu = g.mean(-1, keepdims=True)
    var = ((g - mu) ** 2).mean(-1, keepdims=True)
    lnv = (g - mu) / np.sqrt(var + 1e-3) * ln_g + ln_b
    e = np.exp(lnv - lnv.max(1, keepdims=True))
    y = (e / e.sum(1, keepdims=True)).astype(np.float32)
    np.save(os.path.join(out, "ok.input.npy"), x)
    np.save(os.path.join(out, "ok.expected.npy"), y)


if __name__ == "__main__":
    main()
