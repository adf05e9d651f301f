#!/usr/bin/python3
"""Small ONNX models for opsets.test (issue 18, item 2): the ViT op set of
ONNX opsets 11-20 beyond what ONNX 1.12's backend test data covers
(reductions with axes as an input and Split with num_outputs at opset 18),
plus the new importer paths (LayerNormalization on a non-last axis with a
broadcast Scale and its Mean/InvStdDev outputs, Pow with integer
exponents, negative Slice steps, Conv auto_pad SAME_UPPER, Sigmoid,
HardSigmoid, HardSwish) and the errors for what stays unsupported.

    make_opset_models.py OUT_DIR

writes OUT_DIR/NAME.onnx, NAME.input.npy and NAME.expected<K>.npy (NumPy
reference for output K) for each accepted model, NAME.onnx for the error
cases.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_attr_models import const, vi  # noqa: E402  (one copy of the helpers)
from make_attr_models import model as _model  # noqa: E402


def model(nodes, inputs, outputs, inits, opset):
    return _model(nodes, inputs, outputs, inits, opset, "g")


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(18)

    def save(name, m, x=None, expected=()):
        onnx.save(m, os.path.join(out, name + ".onnx"))
        if x is not None:
            np.save(os.path.join(out, name + ".input.npy"), x)
        for k, e in enumerate(expected):
            np.save(os.path.join(out, "%s.expected%d.npy" % (name, k)),
                    np.asarray(e, dtype=np.float32))

    # Opset 18: axes of ReduceMean / ReduceSumSquare / ReduceMax as an input.
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    save("reduce18", model(
        [helper.make_node("ReduceMean", ["x", "a1"], ["m"], name="rm"),
         helper.make_node("ReduceSumSquare", ["x", "am1"], ["s"], name="rss",
                          keepdims=0),
         helper.make_node("ReduceMax", ["x", "a02"], ["mx"], name="rmax")],
        [vi("x", [2, 3, 4])],
        [vi("m", [2, 1, 4]), vi("s", [2, 3]), vi("mx", [1, 3, 1])],
        [const("a1", np.array([1], np.int64)),
         const("am1", np.array([-1], np.int64)),
         const("a02", np.array([0, 2], np.int64))], 18),
        x, [x.mean(1, keepdims=True), (x * x).sum(-1),
            x.max((0, 2), keepdims=True)])

    # Opset 18: Split with num_outputs (7 = 3 + 3 + 1).
    x = rng.standard_normal((2, 7)).astype(np.float32)
    save("split18", model(
        [helper.make_node("Split", ["x"], ["a", "b", "c"], name="sp", axis=1,
                          num_outputs=3)],
        [vi("x", [2, 7])], [vi("a", [2, 3]), vi("b", [2, 3]), vi("c", [2, 1])],
        [], 18), x, [x[:, 0:3], x[:, 3:6], x[:, 6:7]])

    # LayerNormalization over axes [1, 2] with Scale [4] (broadcast to the
    # normalised shape [3, 4]) and B [3, 4]; Mean and InvStdDev used.
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    sc = rng.standard_normal(4).astype(np.float32)
    bi = rng.standard_normal((3, 4)).astype(np.float32)
    mean = x.mean((1, 2), keepdims=True)
    var = ((x - mean) ** 2).mean((1, 2), keepdims=True)
    inv = 1 / np.sqrt(var + 1e-3)
    save("ln_axis1", model(
        [helper.make_node("LayerNormalization", ["x", "sc", "bi"],
                          ["y", "mean", "inv"], name="ln", axis=1,
                          epsilon=1e-3)],
        [vi("x", [2, 3, 4])],
        [vi("y", [2, 3, 4]), vi("mean", [2, 1, 1]), vi("inv", [2, 1, 1])],
        [const("sc", sc), const("bi", bi)], 17),
        x, [(x - mean) * inv * sc + bi, mean, inv])

    # Mean/InvStdDev named but read by nobody: not computed.
    save("ln_unused", model(
        [helper.make_node("LayerNormalization", ["x", "sc"],
                          ["y", "mean", "inv"], name="ln", axis=-1)],
        [vi("x", [2, 3, 4])], [vi("y", [2, 3, 4])],
        [const("sc", sc)], 17))

    # Pow with integer exponents: an int64 3 (Pow-15 allows integer Y) and
    # a float -2: repeated products and a reciprocal, no vit.pow.
    x = (rng.standard_normal((3, 4)) + 3).astype(np.float32)
    save("pow_int", model(
        [helper.make_node("Pow", ["x", "three"], ["p3"], name="p3"),
         helper.make_node("Pow", ["x", "mtwo"], ["pm2"], name="pm2")],
        [vi("x", [3, 4])], [vi("p3", [3, 4]), vi("pm2", [3, 4])],
        [const("three", np.array(3, np.int64)),
         const("mtwo", np.array([-2.0], np.float32))], 15),
        x, [x ** 3, x ** -2.0])

    # Slice with negative steps: x[::-1, 5:0:-2] (ends INT64_MIN and 0).
    x = rng.standard_normal((4, 6)).astype(np.float32)
    save("slice_neg", model(
        [helper.make_node("Slice", ["x", "st", "en", "ax", "sp"], ["y"],
                          name="sl")],
        [vi("x", [4, 6])], [vi("y", [4, 3])],
        [const("st", np.array([-1, 5], np.int64)),
         const("en", np.array([np.iinfo(np.int64).min, 0], np.int64)),
         const("ax", np.array([0, 1], np.int64)),
         const("sp", np.array([-1, -2], np.int64))], 13),
        x, [x[::-1, 5:0:-2]])

    # Conv auto_pad SAME_UPPER with an even kernel (padding 0 before, 1
    # after) and stride 1.
    x = rng.standard_normal((1, 2, 5, 5)).astype(np.float32)
    w = rng.standard_normal((3, 2, 2, 2)).astype(np.float32)
    xp = np.pad(x, ((0, 0), (0, 0), (0, 1), (0, 1)))
    ref = np.zeros((1, 3, 5, 5), np.float32)
    for i in range(5):
        for j in range(5):
            ref[0, :, i, j] = np.tensordot(w, xp[0, :, i:i + 2, j:j + 2],
                                           axes=([1, 2, 3], [0, 1, 2]))
    save("conv_same_upper", model(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="c",
                          auto_pad="SAME_UPPER", kernel_shape=[2, 2])],
        [vi("x", [1, 2, 5, 5])], [vi("y", [1, 3, 5, 5])], [const("w", w)], 13),
        x, [ref])

    # Sigmoid, HardSigmoid (alpha 0.3, beta 0.4), HardSwish.
    x = (rng.standard_normal((3, 5)) * 4).astype(np.float32)
    save("sigmoids", model(
        [helper.make_node("Sigmoid", ["x"], ["s"], name="sg"),
         helper.make_node("HardSigmoid", ["x"], ["hs"], name="hsg", alpha=0.3,
                          beta=0.4),
         helper.make_node("HardSwish", ["x"], ["hw"], name="hsw")],
        [vi("x", [3, 5])], [vi("s", [3, 5]), vi("hs", [3, 5]),
                            vi("hw", [3, 5])], [], 14),
        x, [1 / (1 + np.exp(-x)), np.clip(0.3 * x + 0.4, 0, 1),
            x * np.clip(x / 6 + 0.5, 0, 1)])

    # Errors: num_outputs before opset 18 or together with the split
    # input; Conv with group 2.
    save("split_num_outputs_13", model(
        [helper.make_node("Split", ["x"], ["a", "b"], name="sp", axis=1,
                          num_outputs=2)],
        [vi("x", [2, 4])], [vi("a", [2, 2]), vi("b", [2, 2])], [], 13))
    save("split_both_18", model(
        [helper.make_node("Split", ["x", "sizes"], ["a", "b"], name="sp",
                          axis=1, num_outputs=2)],
        [vi("x", [2, 4])], [vi("a", [2, 1]), vi("b", [2, 3])],
        [const("sizes", np.array([1, 3], np.int64))], 18))
    save("conv_group2", model(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="c", group=2)],
        [vi("x", [1, 2, 4, 4])], [vi("y", [1, 2, 4, 4])],
        [const("w", rng.standard_normal((2, 1, 1, 1)).astype(np.float32))],
        13))


if __name__ == "__main__":
    main()
