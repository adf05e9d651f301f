#!/usr/bin/python3
"""PyTorch references for the numerical tests of the MPC-friendly passes.

Issue 4 (test/passes/numeric/): one fmnist-tiny ViT-Lite (DESIGN.md §7) with
fixed random weights is exported once as the template ONNX graph (softmax,
exact GeLU); for each architecture below the same weights are run in
PyTorch with that architecture applied (``ViTLite.apply_arch``: per-head
kinds, Quad GeLU, MPCViT+ token mask β) and the logits are written next to
the arch.json. The compiler must reproduce them from the template with
``--mpcvit-pipeline=arch=<name>.arch.json`` (import → raise → replace →
linearize → fuse) within 1e-4.

    /usr/bin/python3 python/mpcvit/pass_fixtures.py --out DIR

Writes DIR/model.onnx, DIR/input.npy [1, 1, 28, 28], and per architecture
DIR/<name>.arch.json and DIR/<name>.expected.npy [1, 10]. Deterministic
(seeded). Runs in a few seconds with torch from apt.
"""

import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from mpcvit.export import export_onnx  # noqa: E402
from mpcvit.model import ViTLite  # noqa: E402

SEED = 1234


def randomise(model, gen):
    """Weights large enough that the head kinds change the logits: std 0.3
    for linears (CCT's 0.02 leaves attention scores near 0), non-trivial
    biases, and LayerNorm affines away from (1, 0) so the folds matter."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("weight") and p.dim() == 1:  # LayerNorm γ
                p.copy_(1.0 + 0.3 * torch.randn(p.shape, generator=gen))
            elif p.dim() >= 2:
                p.copy_(0.3 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))


def architectures(model, gen):
    info = model.model_info()
    depth, heads, tokens = info["depth"], info["heads"], info["tokens"]

    def mask(p):
        return [int(v) for v in (torch.rand(tokens, generator=gen) < p).tolist()]

    def layers(head_fn, gelu_fn):
        return [{"heads": head_fn(i), "gelu": gelu_fn(i)} for i in range(depth)]

    def mixed(i):
        return [["relu_softmax", "scale"][int(torch.randint(0, 2, (1,),
                generator=gen))] for _ in range(heads)]

    archs = {
        # MPCViT: a per-head mix of RSAttn and ScaleAttn, exact GeLU.
        "mpcvit_mask": layers(mixed, lambda i: {"kind": "gelu"}),
        # MPCViT+: the mask plus Quad GeLU in one layer and token-wise
        # linearization (β) in two, one of them with every token linearized.
        "mpcvit_plus": layers(
            mixed, lambda i: [{"kind": "linearize", "tokens": mask(0.5)},
                              {"kind": "quad"},
                              {"kind": "linearize", "tokens": [0] * tokens},
                              {"kind": "gelu"}][i % 4]),
        # MPCFormer: 2Quad attention and Quad GeLU everywhere.
        "mpcformer": layers(lambda i: ["2quad"] * heads,
                            lambda i: {"kind": "quad"}),
        # All ScaleAttn: the 1/N fold and the Q·(Kᵀ·V) reassociation.
        "all_scale": layers(lambda i: ["scale"] * heads,
                            lambda i: {"kind": "gelu"}),
        # Every kind in one model.
        "every_kind": layers(
            lambda i: [["softmax", "relu_softmax", "scale", "2quad",
                        "2relu"][(i + h) % 5] for h in range(heads)],
            lambda i: {"kind": "gelu"}),
    }
    return {name: {"format": "mpcvit.arch.v1", "model": info, "layers": ls}
            for name, ls in archs.items()}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="output directory (created)")
    args = p.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(SEED)

    model = ViTLite("fmnist-tiny")
    randomise(model, gen)
    model.eval()
    export_onnx(model, os.path.join(args.out, "model.onnx"))
    x = torch.randn((1, 1, 28, 28), generator=gen)
    np.save(os.path.join(args.out, "input.npy"), x.numpy().astype(np.float32))

    for name, arch in architectures(model, gen).items():
        with open(os.path.join(args.out, name + ".arch.json"), "w") as f:
            json.dump(arch, f, indent=1)
        with torch.no_grad():
            y = model.apply_arch(arch)(x)
        np.save(os.path.join(args.out, name + ".expected.npy"),
                y.numpy().astype(np.float32))
    return 0


if __name__ == "__main__":
    sys.exit(main())
