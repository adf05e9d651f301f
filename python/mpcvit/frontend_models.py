#!/usr/bin/python3
"""Model tests of issue 18 (item 4): the ViTs people actually export.

Builds small ViTs (2 layers, random weights, fixed seeds) in the styles
of the common code bases and exports each with torch.onnx.export at
opsets 13 and 17. Per model NAME, into --out:

  NAME.op13.onnx, NAME.op17.onnx   the exports (batch 1)
  NAME.input.npy                   2 images [2, C, H, W] f32 (random, with
                                   a top-1 margin >= MARGIN)
  NAME.ref.npy                     PyTorch's logits for them [2, 10] f32

Models (MODELS below; sizes kept tiny so a private run takes seconds):
  tv_vit         torchvision VisionTransformer style: conv patch projection,
                 class token, nn.MultiheadAttention (batch_first), pre-norm
                 encoder blocks, 3x16x16
  deit_distill   DeiT: class and distillation tokens, two heads whose
                 logits are averaged (inference mode), 3x16x16
  patch2_28      patch 2 on 28x28x1: 196 patches + class token = 197 tokens
  tel_postnorm   nn.TransformerEncoderLayer, norm_first=False (post-norm),
                 ReLU MLP, 28x28x1 patch 7
  tel_prenorm    nn.TransformerEncoderLayer, norm_first=True, GeLU MLP
  hf_attn        Hugging Face ViT style: separate query/key/value linears,
                 scores divided by sqrt(d) explicitly, LayerNorm eps 1e-12
  conv_stem_bn   conv 3x3 + BatchNorm (eval) + ReLU stem before the patch
                 projection
  gap_layerscale no class token, mean over tokens (GAP), LayerScale
                 (gamma * x per channel) on both residual branches
  norm_inside    input is raw pixel values in [0, 255]; the model starts
                 with (x / 255 - mean) / std per channel
  tanh_pooler    BERT/HF pooler: Linear + tanh on the class token before
                 the classifier
  silu_mlp       SiLU instead of GeLU in the MLP
  hardswish_mlp  Hardswish instead of GeLU in the MLP

    /usr/bin/python3 python/mpcvit/frontend_models.py --out DIR [--only NAME]

Deterministic; skipped when --out already holds this script's output
(stamp.txt). Reuses onnx_fixtures.export_torch (exports with autograd on,
so nn.MultiheadAttention does not take its unexportable fast path) and
onnx_fixtures._randomise_layernorms.
"""

import argparse
import hashlib
import math
import os
import sys

import numpy as np

try:  # as mpcvit.frontend_models
    from .onnx_fixtures import _randomise_layernorms, export_torch
except ImportError:  # as a script
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from onnx_fixtures import _randomise_layernorms, export_torch  # noqa: E402

OPSETS = (13, 17)
CLASSES = 10
MARGIN = 0.1  # 10x the private tolerance


def _nn():
    import torch
    return torch, torch.nn


# ----------------------------------------------------------------------------
# Building blocks
# ----------------------------------------------------------------------------

def _mlp(nn, dim, hidden, act):
    return nn.Sequential(nn.Linear(dim, hidden), act(), nn.Linear(hidden, dim))


def _timm_attention(nn, dim, heads):
    """Fused qkv attention (timm / DeiT)."""
    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.heads = heads
            self.scale = (dim // heads) ** -0.5
            self.qkv = nn.Linear(dim, dim * 3)
            self.proj = nn.Linear(dim, dim)

        def forward(self, x):
            b, n, c = x.shape
            qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads)
            q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
            a = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)
            return self.proj((a @ v).transpose(1, 2).reshape(b, n, c))
    return Attention()


def _hf_attention(nn, dim, heads):
    """Hugging Face ViTSelfAttention + ViTSelfOutput: separate q/k/v,
    transpose_for_scores, scores / sqrt(head size)."""
    torch, _ = _nn()

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.heads, self.head_size = heads, dim // heads
            self.query = nn.Linear(dim, dim)
            self.key = nn.Linear(dim, dim)
            self.value = nn.Linear(dim, dim)
            self.dense = nn.Linear(dim, dim)

        def split(self, x):
            b, n, _ = x.shape
            return x.view(b, n, self.heads, self.head_size).permute(0, 2, 1, 3)

        def forward(self, x):
            q = self.split(self.query(x))
            k = self.split(self.key(x))
            v = self.split(self.value(x))
            s = torch.matmul(q, k.transpose(-1, -2))
            s = s / math.sqrt(self.head_size)
            p = nn.functional.softmax(s, dim=-1)
            c = torch.matmul(p, v).permute(0, 2, 1, 3).contiguous()
            b, n = c.shape[:2]
            return self.dense(c.view(b, n, self.heads * self.head_size))
    return Attention()


class _Spec:
    def __init__(self, build, shape, seed, raw=False):
        self.build, self.shape, self.seed, self.raw = build, shape, seed, raw


# ----------------------------------------------------------------------------
# The models
# ----------------------------------------------------------------------------

def tv_vit(img=16, chans=3, patch=4, dim=32, heads=2, mlp=64):
    """torchvision.models.vision_transformer.VisionTransformer, reduced."""
    torch, nn = _nn()

    class EncoderBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(dim, eps=1e-6)
            self.self_attention = nn.MultiheadAttention(
                dim, heads, dropout=0.0, batch_first=True)
            self.ln_2 = nn.LayerNorm(dim, eps=1e-6)
            self.mlp = _mlp(nn, dim, mlp, nn.GELU)

        def forward(self, x):
            y = self.ln_1(x)
            y, _ = self.self_attention(y, y, y, need_weights=False)
            x = x + y
            return x + self.mlp(self.ln_2(x))

    class VisionTransformer(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv_proj = nn.Conv2d(chans, dim, patch, stride=patch)
            self.class_token = nn.Parameter(0.2 * torch.randn(1, 1, dim))
            tokens = (img // patch) ** 2 + 1
            self.pos_embedding = nn.Parameter(0.2 * torch.randn(1, tokens, dim))
            self.layers = nn.Sequential(EncoderBlock(), EncoderBlock())
            self.ln = nn.LayerNorm(dim, eps=1e-6)
            self.head = nn.Linear(dim, CLASSES)

        def forward(self, x):
            n = x.shape[0]
            x = self.conv_proj(x).reshape(n, dim, -1).permute(0, 2, 1)
            x = torch.cat([self.class_token.expand(n, -1, -1), x], dim=1)
            x = self.ln(self.layers(x + self.pos_embedding))
            return self.head(x[:, 0])

    return VisionTransformer()


def _vit(img, chans, patch, dim, heads, mlp, *, act=None, attention=None,
         eps=1e-6, pool="cls", layerscale=False, pooler=False, stem=False,
         normalise=None, distill=False):
    """A timm-style pre-norm ViT with the variations of the other models."""
    torch, nn = _nn()
    act = act or nn.GELU
    attention = attention or _timm_attention

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm1 = nn.LayerNorm(dim, eps=eps)
            self.attn = attention(nn, dim, heads)
            self.norm2 = nn.LayerNorm(dim, eps=eps)
            self.mlp = _mlp(nn, dim, mlp, act)
            if layerscale:
                self.gamma1 = nn.Parameter(0.5 + torch.rand(dim))
                self.gamma2 = nn.Parameter(0.5 + torch.rand(dim))

        def forward(self, x):
            if layerscale:
                x = x + self.gamma1 * self.attn(self.norm1(x))
                return x + self.gamma2 * self.mlp(self.norm2(x))
            x = x + self.attn(self.norm1(x))
            return x + self.mlp(self.norm2(x))

    class ViT(nn.Module):
        def __init__(self):
            super().__init__()
            c = chans
            if stem:
                self.stem = nn.Sequential(nn.Conv2d(chans, 8, 3, padding=1,
                                                    bias=False),
                                          nn.BatchNorm2d(8), nn.ReLU())
                c = 8
            if normalise is not None:
                self.register_buffer("mean", torch.tensor(normalise[0]).view(1, -1, 1, 1))
                self.register_buffer("std", torch.tensor(normalise[1]).view(1, -1, 1, 1))
            self.patch_embed = nn.Conv2d(c, dim, patch, stride=patch)
            extra = {"cls": 1, "gap": 0}[pool] + (1 if distill else 0)
            if pool == "cls":
                self.cls_token = nn.Parameter(0.2 * torch.randn(1, 1, dim))
            if distill:
                self.dist_token = nn.Parameter(0.2 * torch.randn(1, 1, dim))
            tokens = (img // patch) ** 2 + extra
            self.pos_embed = nn.Parameter(0.2 * torch.randn(1, tokens, dim))
            self.blocks = nn.Sequential(Block(), Block())
            self.norm = nn.LayerNorm(dim, eps=eps)
            if pooler:
                self.pooler = nn.Linear(dim, dim)
            self.head = nn.Linear(dim, CLASSES)
            if distill:
                self.head_dist = nn.Linear(dim, CLASSES)

        def forward(self, x):
            if normalise is not None:
                x = (x / 255 - self.mean) / self.std
            if stem:
                x = self.stem(x)
            x = self.patch_embed(x).flatten(2).transpose(1, 2)
            n = x.shape[0]
            toks = []
            if pool == "cls":
                toks.append(self.cls_token.expand(n, -1, -1))
            if distill:
                toks.append(self.dist_token.expand(n, -1, -1))
            if toks:
                x = torch.cat(toks + [x], dim=1)
            x = self.norm(self.blocks(x + self.pos_embed))
            if distill:
                return (self.head(x[:, 0]) + self.head_dist(x[:, 1])) / 2
            x = x.mean(1) if pool == "gap" else x[:, 0]
            if pooler:
                x = torch.tanh(self.pooler(x))
            return self.head(x)

    return ViT()


def _randomise_batchnorms(model):
    torch, nn = _nn()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(1 + 0.2 * torch.randn_like(m.weight))
                m.bias.copy_(0.2 * torch.randn_like(m.bias))
                m.running_mean.copy_(0.3 * torch.randn_like(m.running_mean))
                m.running_var.copy_(0.5 + torch.rand_like(m.running_var))


def tel(norm_first, act, img=28, chans=1, patch=7, dim=32, heads=2, mlp=64):
    """nn.TransformerEncoder of two nn.TransformerEncoderLayer."""
    torch, nn = _nn()

    class TelViT(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Conv2d(chans, dim, patch, stride=patch)
            self.cls = nn.Parameter(0.2 * torch.randn(1, 1, dim))
            self.pos = nn.Parameter(0.2 * torch.randn(1, (img // patch) ** 2 + 1, dim))
            layer = nn.TransformerEncoderLayer(
                dim, heads, dim_feedforward=mlp, dropout=0.0, activation=act,
                batch_first=True, norm_first=norm_first)
            self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
            self.norm = nn.LayerNorm(dim)
            self.fc = nn.Linear(dim, CLASSES)

        def forward(self, x):
            x = self.embed(x).flatten(2).transpose(1, 2)
            x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1)
            x = self.encoder(x + self.pos)
            return self.fc(self.norm(x)[:, 0])

    return TelViT()


def _models():
    torch, nn = _nn()
    rgb = (3, 16, 16)
    gray = (1, 28, 28)
    return {
        "tv_vit": _Spec(lambda: tv_vit(), rgb, 181),
        "deit_distill": _Spec(lambda: _vit(16, 3, 4, 32, 2, 64, distill=True), rgb, 182),
        "patch2_28": _Spec(lambda: _vit(28, 1, 2, 16, 2, 32), gray, 183),
        "tel_postnorm": _Spec(lambda: tel(False, "relu"), gray, 184),
        "tel_prenorm": _Spec(lambda: tel(True, "gelu"), gray, 185),
        "hf_attn": _Spec(lambda: _vit(16, 3, 4, 32, 2, 64, attention=_hf_attention,
                                      eps=1e-12), rgb, 186),
        "conv_stem_bn": _Spec(lambda: _vit(16, 3, 4, 32, 2, 64, stem=True), rgb, 187),
        "gap_layerscale": _Spec(lambda: _vit(16, 3, 4, 32, 2, 64, pool="gap",
                                             layerscale=True), rgb, 188),
        "norm_inside": _Spec(lambda: _vit(16, 3, 4, 32, 2, 64, normalise=(
            [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])), rgb, 189, raw=True),
        "tanh_pooler": _Spec(lambda: _vit(16, 3, 4, 32, 2, 64, pooler=True), rgb, 190),
        "silu_mlp": _Spec(lambda: _vit(16, 3, 4, 32, 2, 64, act=nn.SiLU), rgb, 191),
        "hardswish_mlp": _Spec(lambda: _vit(16, 3, 4, 32, 2, 64, act=nn.Hardswish),
                               rgb, 192),
    }


MODELS = ["tv_vit", "deit_distill", "patch2_28", "tel_postnorm", "tel_prenorm",
          "hf_attn", "conv_stem_bn", "gap_layerscale", "norm_inside",
          "tanh_pooler", "silu_mlp", "hardswish_mlp"]


def make(out, name):
    """Writes NAME.op{13,17}.onnx, NAME.input.npy, NAME.ref.npy."""
    torch, nn = _nn()
    spec = _models()[name]
    torch.manual_seed(spec.seed)
    model = spec.build()
    _randomise_layernorms(model)
    _randomise_batchnorms(model)
    with torch.no_grad():  # logits of a few units, not ~0.1
        for m in model.modules():
            if isinstance(m, nn.Linear) and m.out_features == CLASSES:
                nn.init.normal_(m.weight, std=0.3)
    model.eval()
    if spec.raw:
        x = torch.randint(0, 256, (16,) + spec.shape).float()
    else:
        x = torch.randn((16,) + spec.shape)
    # Two of 16 random images whose top-1 is clear (the two largest logits
    # MARGIN apart), so the private run's top-1 is not a coin toss.
    with torch.no_grad():
        top2 = model(x).topk(2, dim=1).values
    keep = [i for i in range(len(x)) if top2[i, 0] - top2[i, 1] >= MARGIN][:2]
    if len(keep) < 2:
        raise SystemExit("%s: fewer than 2 of %d images have a top-1 margin "
                         ">= %g" % (name, len(x), MARGIN))
    x = x[keep]
    for opset in OPSETS:
        export_torch(model, x[:1], os.path.join(out, "%s.op%d.onnx" % (name, opset)), opset)
    with torch.no_grad():
        y = model(x)
    np.save(os.path.join(out, name + ".input.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(out, name + ".ref.npy"), y.numpy().astype(np.float32))
    print("%s: logits max |y| %.3f, top-1 %s" % (
        name, float(y.abs().max()), y.argmax(1).tolist()))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--only", action="append", choices=MODELS)
    a = p.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    import fcntl
    lock = open(os.path.join(a.out, "lock"), "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    with open(__file__, "rb") as f:
        stamp = "%s %s\n" % (hashlib.sha256(f.read()).hexdigest(),
                             ",".join(a.only or MODELS))
    stamp_path = os.path.join(a.out, "stamp.txt")
    if os.path.exists(stamp_path) and open(stamp_path).read() == stamp:
        print("fixtures up to date")
        return 0
    import torch
    torch.set_num_threads(1)
    for name in a.only or MODELS:
        make(a.out, name)
    with open(stamp_path, "w") as f:
        f.write(stamp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
