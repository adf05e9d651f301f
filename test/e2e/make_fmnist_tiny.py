#!/usr/bin/python3
"""End-to-end fixtures for private inference on fmnist-tiny (issue 6).

Trains the fmnist-tiny ViT-Lite of DESIGN.md §7 (28x28x1, patch 7, dim 64,
depth 4, heads 4, MLP 128; python/mpcvit/onnx_fixtures.vit_lite) briefly on
Fashion-MNIST (/usr/share/datasets/fashion-mnist, IDX gz) for three
architectures and writes, into --out:

  softmax.onnx                       all-softmax, exact GeLU
  mpcvit.onnx + mpcvit.arch.json     MPCViT mask: half the heads RSAttn, half
                                     ScaleAttn (mu = 0.5)
  mpcvitplus.onnx + mpcvitplus.arch.json
                                     the MPCViT mask plus MPCViT+ token-wise
                                     GeLU linearization in layers 2 and 3
  images.npy [N, 1, 28, 28] f32      the first N test images (normalised)
  labels.npy [N] f32                 their labels
  ARCH.ref.npy [N, 10] f32           PyTorch float logits of each model

The ONNX files hold the plain (softmax) ViT-Lite graph with each arch's
fine-tuned weights; mpcvit-compile --arch applies the arch. The reference
logits come from forward_arch below, an independent float implementation
of the head kinds (vit.attention_norm: RSAttn ReLU(a)/(sum ReLU(a) + 1e-6),
ScaleAttn a/N) and of MPCViT+ linearization (beta = 0 tokens compute
relu(fc2(fc1(x))), beta = 1 tokens fc2(gelu(fc1(x)))). Deterministic
(fixed seeds, one thread); about a minute on 2 cores, skipped when
--out already holds fixtures of this script and these arguments
(stamp.txt).
"""
import argparse
import gzip
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python", "mpcvit"))
from onnx_fixtures import export_torch, vit_lite  # noqa: E402

DATA = "/usr/share/datasets/fashion-mnist"
TOKENS, HEADS, DEPTH = 17, 4, 4
MEAN, STD = 0.2860, 0.3530

# Per layer: head kinds (MPCViT mask, mu = 0.5) and the MPCViT+ beta masks.
MASK = [["relu_softmax", "scale", "scale", "relu_softmax"],
        ["scale", "relu_softmax", "relu_softmax", "scale"],
        ["relu_softmax", "relu_softmax", "scale", "scale"],
        ["scale", "scale", "relu_softmax", "relu_softmax"]]
BETA = [None, None,
        [1 if t % 2 == 0 else 0 for t in range(TOKENS)],
        [1 if t < 9 else 0 for t in range(TOKENS)]]


def hash_bytes(b):
    import hashlib
    return hashlib.sha256(b).hexdigest()


def load_idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big")
            for i in range(magic & 0xFF)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def images(name):
    x = load_idx(name).astype(np.float32) / 255.0
    return ((x - MEAN) / STD)[:, None, :, :]


def arch_of(kind):
    """(per-layer head kinds, per-layer beta masks or None)."""
    if kind == "softmax":
        return [["softmax"] * HEADS] * DEPTH, [None] * DEPTH
    if kind == "mpcvit":
        return MASK, [None] * DEPTH
    return MASK, BETA


def forward_arch(model, x, heads, betas):
    """ViT-Lite forward with per-head kinds and MPCViT+ token masks."""
    f = torch.nn.functional
    x = model.tokenizer(x).flatten(2).transpose(1, 2)
    cls = model.class_emb.expand(x.shape[0], -1, -1)
    x = torch.cat((cls, x), dim=1) + model.pos_emb
    for layer, blk in enumerate(model.blocks):
        att = blk.self_attn
        h = blk.pre_norm(x)
        b, n, c = h.shape
        qkv = att.qkv(h).reshape(b, n, 3, att.heads, c // att.heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        a = (q @ k.transpose(-2, -1)) * att.scale
        rows = []
        for hd, kind in enumerate(heads[layer]):
            s = a[:, hd]
            if kind == "softmax":
                rows.append(s.softmax(dim=-1))
            elif kind == "relu_softmax":
                r = f.relu(s)
                rows.append(r / (r.sum(dim=-1, keepdim=True) + 1e-6))
            elif kind == "scale":
                rows.append(s / n)
            else:
                raise ValueError(kind)
        a = torch.stack(rows, dim=1)
        x = x + att.proj((a @ v).transpose(1, 2).reshape(b, n, c))
        x = blk.norm1(x)
        m = blk.linear1(x)
        y = blk.linear2(blk.act(m))
        if betas[layer] is not None:
            keep = torch.tensor(betas[layer], dtype=torch.bool)
            lin = f.relu(blk.linear2(m))
            y = torch.where(keep[None, :, None], y, lin)
        x = x + y
    x = model.norm(x)
    return model.fc(x[:, 0])


def train(model, xs, ys, heads, betas, steps, seed, lr):
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _ in range(steps):
        idx = torch.randint(0, xs.shape[0], (128,), generator=g)
        loss = torch.nn.functional.cross_entropy(
            forward_arch(model, xs[idx], heads, betas), ys[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()


def arch_json(heads, betas):
    layers = []
    for hk, beta in zip(heads, betas):
        gelu = {"kind": "gelu"} if beta is None else {
            "kind": "linearize", "tokens": beta}
        layers.append({"heads": hk, "gelu": gelu})
    return {"format": "mpcvit.arch.v1",
            "model": {"depth": DEPTH, "heads": HEADS, "tokens": TOKENS,
                      "dim": 64},
            "layers": layers}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--steps", type=int, default=300)
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    # One writer at a time (tests running in parallel share the cache).
    import fcntl
    lock = open(os.path.join(args.out, "lock"), "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    # Reuse fixtures made by this very script with the same arguments.
    with open(__file__, "rb") as f:
        stamp = f"{hash_bytes(f.read())} {args.count} {args.steps}\n"
    stamp_path = os.path.join(args.out, "stamp.txt")
    if os.path.exists(stamp_path) and open(stamp_path).read() == stamp:
        print("fixtures up to date")
        return
    torch.manual_seed(0)
    torch.set_num_threads(1)
    xs = torch.from_numpy(images("train-images-idx3-ubyte.gz")[:20000].copy())
    ys = torch.from_numpy(load_idx("train-labels-idx1-ubyte.gz")[:20000]
                          .astype(np.int64))
    xt = images("t10k-images-idx3-ubyte.gz")[:args.count].copy()
    yt = load_idx("t10k-labels-idx1-ubyte.gz")[:args.count]
    np.save(os.path.join(args.out, "images.npy"), xt.astype(np.float32))
    np.save(os.path.join(args.out, "labels.npy"), yt.astype(np.float32))

    base = vit_lite(28, 1, 7, 64, DEPTH, HEADS, 128, 10)
    train(base, xs, ys, *arch_of("softmax"), args.steps, 1, 2e-3)
    for kind in ("softmax", "mpcvit", "mpcvitplus"):
        model = vit_lite(28, 1, 7, 64, DEPTH, HEADS, 128, 10)
        model.load_state_dict(base.state_dict())
        heads, betas = arch_of(kind)
        if kind != "softmax":
            train(model, xs, ys, heads, betas, args.steps // 2, 2, 1e-3)
        export_torch(model, torch.from_numpy(xt[:1]),
                     os.path.join(args.out, kind + ".onnx"), 13)
        with torch.no_grad():
            ref = forward_arch(model, torch.from_numpy(xt), heads, betas)
        np.save(os.path.join(args.out, kind + ".ref.npy"),
                ref.numpy().astype(np.float32))
        acc = float((ref.argmax(1).numpy() == yt).mean())
        if kind != "softmax":
            with open(os.path.join(args.out, kind + ".arch.json"), "w") as f:
                json.dump(arch_json(heads, betas), f)
        print(f"{kind}: plaintext accuracy {acc:.2f} on {args.count} images")
    with open(stamp_path, "w") as f:
        f.write(stamp)


if __name__ == "__main__":
    main()
