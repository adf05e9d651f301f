#!/usr/bin/env python3
"""Record the inputs of a trained model's nonlinear layers on test images.

    /usr/bin/python3 scripts/record_activations.py --ckpt CKPT --onnx MODEL.onnx \
        --out test/runtime/data/activations [--images 8]

The runtime's accuracy tests of the nonlinear protocols (issue 16: "tests use
activations recorded from the committed trained models") read these files:

  gelu_in.npy       float32 [N]       inputs of every GeLU (all layers, tokens,
                                      channels; every value of the first
                                      --images test images, at most 16384,
                                      evenly subsampled, the minimum and the
                                      maximum always kept)
  softmax_in.npy    float32 [R, T]    Softmax input rows (scaled scores q·kᵀ/√d)
                                      of every layer and head, T = tokens
  layernorm_in.npy  float32 [R, D]    LayerNorm input rows of every LayerNorm

The checkpoint must be the one the committed ONNX file was exported from (or a
bit-for-bit retraining of it): every weight of the checkpoint that is an
initializer of the ONNX graph under the same name must agree within 1e-5
(else the script stops with an error naming it), and
the logits of the first test image must equal the ONNX file's sample_logits.npy
beside it (when present) within 1e-4.
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from mpcvit import data as data_mod  # noqa: E402
from mpcvit import engine  # noqa: E402
from mpcvit import model as model_mod  # noqa: E402

MAX_GELU = 16384


def check_same_weights(model, onnx_path):
    import onnx
    from onnx import numpy_helper
    inits = {i.name: numpy_helper.to_array(i) for i in onnx.load(onnx_path).graph.initializer}
    checked, worst = 0, 0.0
    for name, p in model.state_dict().items():
        if name in inits:
            if inits[name].shape != tuple(p.shape):
                raise SystemExit(f"error: {onnx_path}: initializer {name} has shape "
                                 f"{inits[name].shape}, the checkpoint {tuple(p.shape)}")
            diff = float(np.abs(inits[name] - p.numpy()).max())
            if diff > 1e-5:
                raise SystemExit(f"error: {onnx_path}: initializer {name} differs from the "
                                 f"checkpoint by {diff:.3g}")
            checked, worst = checked + 1, max(worst, diff)
    if checked == 0:
        raise SystemExit(f"error: {onnx_path}: no initializer named like a checkpoint weight")
    return checked, worst


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ckpt", required=True)
    p.add_argument("--onnx", required=True, help="the committed model.onnx of that checkpoint")
    p.add_argument("--out", required=True)
    p.add_argument("--images", type=int, default=8)
    p.add_argument("--data", default=data_mod.DEFAULT_ROOT)
    args = p.parse_args(argv)
    torch.set_num_threads(2)
    model = engine.model_from_checkpoint(engine.load_checkpoint(args.ckpt),
                                         search_params=False).eval()
    n_checked, worst = check_same_weights(model, args.onnx)

    rec = {"gelu": [], "softmax": [], "layernorm": []}
    hooks = []
    for m in model.modules():
        if isinstance(m, torch.nn.LayerNorm):
            hooks.append(m.register_forward_pre_hook(
                lambda mod, inp: rec["layernorm"].append(inp[0].reshape(-1, inp[0].shape[-1]))))
        if isinstance(m, model_mod.Block) and m.gelu_kind == "gelu":  # GeLU(linear1(x))
            hooks.append(m.linear1.register_forward_hook(
                lambda mod, inp, out: rec["gelu"].append(out.reshape(-1))))
        if isinstance(m, model_mod.Attention):
            orig = m.normalise

            def normalise(a, orig=orig):
                rec["softmax"].append(a.reshape(-1, a.shape[-1]))
                return orig(a)
            m.normalise = normalise
    x, _ = data_mod.load_split("test", args.data)
    x = data_mod.to_tensor(x[:args.images])
    with torch.no_grad():
        logits = model(x)
    sample = os.path.join(os.path.dirname(args.onnx), "sample_logits.npy")
    if os.path.isfile(sample):
        err = float(np.abs(np.load(sample) - logits[:1].numpy()).max())
        if err > 1e-4:
            raise SystemExit(f"error: logits differ from {sample} by {err:.3g}")
    for k in rec:
        if not rec[k]:
            raise SystemExit(f"error: the model has no {k} layer to record")
    os.makedirs(args.out, exist_ok=True)
    g = torch.cat(rec["gelu"]).numpy().astype(np.float32)
    if g.size > MAX_GELU:
        idx = np.unique(np.concatenate([np.linspace(0, g.size - 1, MAX_GELU - 2).astype(int),
                                        [g.argmin(), g.argmax()]]))
        g = g[idx]
    out = {"gelu_in": g,
           "softmax_in": torch.cat(rec["softmax"]).numpy().astype(np.float32),
           "layernorm_in": torch.cat(rec["layernorm"]).numpy().astype(np.float32)}
    for k, v in out.items():
        np.save(os.path.join(args.out, k + ".npy"), v)
        print(f"{k}: shape {list(v.shape)}, range [{v.min():.4g}, {v.max():.4g}], "
              f"std {v.std():.4g}")
    print(f"{n_checked} weights within {worst:.2g} of {args.onnx}'s; {args.images} test images")


if __name__ == "__main__":
    main()
