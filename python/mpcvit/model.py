"""ViT-Lite with MPC-friendly attention and GeLU variants.

Architecture (DESIGN.md §7): ViT-Lite of Compact Transformers (Hassani et al.,
"Escaping the Big Data Paradigm with Compact Transformers", arXiv:2104.05704,
§3, ``vit_lite``) as used by MPCViT (Zeng et al., "MPCViT: Searching for
Accurate and Efficient MPC-Friendly Vision Transformer with Heterogeneous
Attention", ICCV 2023, §4.1): a convolutional patch tokenizer (kernel =
stride = patch), a class token, a learnable position embedding, ``depth``
CCT encoder layers

    x = x + Attn(LN_pre(x));  x = LN_1(x);  x = x + fc2(act(fc1(x)))

(pre-norm attention, post-attention LayerNorm), a final LayerNorm and a
linear classifier on the class token. Parameter names match
``onnx_fixtures.vit_lite`` (the importer's fixture).

Attention kinds (per head; ``a`` = (q·kᵀ)·d^-1/2, rows of length N):

- ``softmax``       exp(a)/Σ_row exp(a)
- ``relu_softmax``  RSAttn, ReLU(a)/(Σ_row ReLU(a) + ε), ε = 1e-6 (MPCViT §3.2, Eq. 3)
- ``scale``         ScaleAttn, a/N (MPCViT §3.2, Eq. 4)
- ``2quad``         (a+5)²/Σ_row (a+5)² (MPCFormer, Li et al., ICLR 2023, §3.2)
- ``2relu``         ReLU(a)/Σ_row ReLU(a) (MPCFormer §3.2; no ε, as the compiler)

GeLU kinds (per layer): ``gelu`` (exact, erf), ``quad`` (MPCFormer Quad GeLU
0.125x² + 0.25x + 0.5), ``linearize`` (MPCViT+ §3.4: a token mask β; β = 0
tokens compute ReLU(fc2(fc1(x))), β = 1 tokens fc2(GeLU(fc1(x)))).

Search (MPCViT §3.3, Eq. 5): a head in search mode computes
α·RSAttn(a) + (1−α)·ScaleAttn(a) with a learnable α ∈ [0, 1] per head
(clamped after every step). MPCViT+ β search mixes the two MLP branches per
token the same way.

The exported ONNX is always the *template* (softmax + exact GeLU with the
trained weights; see :meth:`ViTLite.template`): the compiler applies
arch.json with ``--mpcvit-replace-softmax`` / ``--mpcvit-linearize-gelu``.
"""

import copy
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

ATTN_KINDS = ("softmax", "relu_softmax", "scale", "2quad", "2relu")
GELU_KINDS = ("gelu", "quad", "linearize")
RS_EPS = 1e-6     # RSAttn ε (compiler: vit.attention_norm relu_softmax)
QUAD_SHIFT = 5.0  # 2Quad c (MPCFormer)
QUAD_GELU = (0.125, 0.25, 0.5)  # a, b, c of a·x² + b·x + c

CONFIGS = {
    # name: img, chans, patch, dim, depth, heads, mlp, classes
    "fmnist-tiny": dict(img=28, chans=1, patch=7, dim=64, depth=4, heads=4,
                        mlp=128, classes=10),
    "vit_7_4_32": dict(img=32, chans=3, patch=4, dim=256, depth=7, heads=4,
                       mlp=512, classes=10),
    "vit_9_12_64": dict(img=64, chans=3, patch=4, dim=192, depth=9, heads=12,
                        mlp=384, classes=200),
}


def tokens_of(cfg):
    """Number of tokens N = (img/patch)² + 1 (class token)."""
    return (cfg["img"] // cfg["patch"]) ** 2 + 1


def attention_norm(a, kind):
    """Normalise attention scores a [..., N, N] along the last axis by ``kind``."""
    if kind == "softmax":
        return a.softmax(dim=-1)
    if kind == "relu_softmax":
        r = F.relu(a)
        return r / (r.sum(dim=-1, keepdim=True) + RS_EPS)
    if kind == "scale":
        return a / a.shape[-1]
    if kind == "2quad":
        q = (a + QUAD_SHIFT) ** 2
        return q / q.sum(dim=-1, keepdim=True)
    if kind == "2relu":
        r = F.relu(a)
        return r / r.sum(dim=-1, keepdim=True)
    raise ValueError(f"unknown attention kind {kind!r}; expected one of {ATTN_KINDS}")


def mix_rs_scale(a, alpha):
    """α·RSAttn(a) + (1−α)·ScaleAttn(a); a [B, H, N, N], alpha [H] (MPCViT Eq. 5)."""
    w = alpha.view(1, -1, 1, 1).to(a.dtype)
    return w * attention_norm(a, "relu_softmax") + (1 - w) * attention_norm(a, "scale")


def quad_gelu(x):
    a, b, c = QUAD_GELU
    return a * x * x + b * x + c


class Attention(nn.Module):
    """Multi-head self attention with one normalisation kind per head.

    x [B, N, D] -> [B, N, D]. One fused ``qkv`` linear (no bias, as CCT) whose
    output is split by slicing the last axis into q, k, v; the scale d^-1/2
    multiplies q·kᵀ (the compiler folds it into the q rows of ``qkv``).
    """

    def __init__(self, dim, heads):
        super().__init__()
        if dim % heads:
            raise ValueError(f"dim {dim} is not divisible by heads {heads}")
        self.dim, self.heads = dim, heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=False)
        self.proj = nn.Linear(dim, dim)
        self.kinds = ["softmax"] * heads
        self.alpha = None  # nn.Parameter [H] in search mode

    def set_kinds(self, kinds):
        kinds = list(kinds)
        if len(kinds) != self.heads:
            raise ValueError(f"{len(kinds)} head kinds for {self.heads} heads")
        for k in kinds:
            if k not in ATTN_KINDS:
                raise ValueError(f"unknown attention kind {k!r}; expected one of {ATTN_KINDS}")
        self.kinds = kinds

    def enable_search(self, init=0.5):
        self.alpha = nn.Parameter(torch.full((self.heads,), float(init)))

    def disable_search(self):
        self.alpha = None

    def scores(self, x):
        """Returns (a [B, H, N, N] scaled scores, v [B, H, N, d])."""
        b, n, c = x.shape
        h, d = self.heads, c // self.heads
        qkv = self.qkv(x)
        q = qkv[..., :c].reshape(b, n, h, d).transpose(1, 2)
        k = qkv[..., c:2 * c].reshape(b, n, h, d).transpose(1, 2)
        v = qkv[..., 2 * c:].reshape(b, n, h, d).transpose(1, 2)
        return (q @ k.transpose(-2, -1)) * self.scale, v

    def normalise(self, a):
        if self.alpha is not None:
            return mix_rs_scale(a, self.alpha)
        if all(k == self.kinds[0] for k in self.kinds):
            return attention_norm(a, self.kinds[0])
        return torch.stack([attention_norm(a[:, i], k)
                            for i, k in enumerate(self.kinds)], dim=1)

    def forward(self, x):
        b, n, c = x.shape
        a, v = self.scores(x)
        out = (self.normalise(a) @ v).transpose(1, 2).reshape(b, n, c)
        return self.proj(out)


class Block(nn.Module):
    """CCT encoder layer (post-attention LayerNorm), x [B, N, D] -> [B, N, D]."""

    def __init__(self, dim, heads, mlp, tokens):
        super().__init__()
        self.pre_norm = nn.LayerNorm(dim)
        self.self_attn = Attention(dim, heads)
        self.norm1 = nn.LayerNorm(dim)
        self.linear1 = nn.Linear(dim, mlp)
        self.linear2 = nn.Linear(mlp, dim)
        self.tokens = tokens
        self.gelu_kind = "gelu"
        self.register_buffer("beta_mask", torch.ones(tokens))
        self.beta = None  # nn.Parameter [N] in MPCViT+ search mode

    def set_gelu(self, kind, tokens=None):
        if kind not in GELU_KINDS:
            raise ValueError(f"unknown GeLU kind {kind!r}; expected one of {GELU_KINDS}")
        if kind == "linearize":
            if tokens is None or len(tokens) != self.tokens:
                raise ValueError(f"linearize needs {self.tokens} token entries, got "
                                 f"{None if tokens is None else len(tokens)}")
            self.beta_mask.copy_(torch.tensor([float(t) for t in tokens]))
        elif tokens is not None:
            raise ValueError(f"token mask given for GeLU kind {kind!r}")
        else:
            self.beta_mask.fill_(1.0)
        self.gelu_kind = kind

    def enable_beta_search(self, init=0.5):
        self.beta = nn.Parameter(torch.full((self.tokens,), float(init)))

    def disable_beta_search(self):
        self.beta = None

    def mlp(self, x):
        h = self.linear1(x)
        if self.beta is not None or self.gelu_kind == "linearize":
            g = self.linear2(F.gelu(h))
            lin = F.relu(self.linear2(h))
            w = (self.beta if self.beta is not None else self.beta_mask).view(1, -1, 1)
            if self.beta is None:  # discrete mask: select, not a blend
                return torch.where(w > 0.5, g, lin)
            return w * g + (1 - w) * lin
        if self.gelu_kind == "quad":
            return self.linear2(quad_gelu(h))
        return self.linear2(F.gelu(h))

    def forward(self, x):
        x = x + self.self_attn(self.pre_norm(x))
        x = self.norm1(x)
        return x + self.mlp(x)


class ViTLite(nn.Module):
    """ViT-Lite: images [B, C, H, W] -> logits [B, classes].

    ``forward_tokens(x)`` also returns the final tokens [B, N, D] (after the
    last LayerNorm), used by token-wise distillation.
    """

    def __init__(self, config="fmnist-tiny"):
        super().__init__()
        if config not in CONFIGS:
            raise ValueError(f"unknown config {config!r}; expected one of {sorted(CONFIGS)}")
        cfg = CONFIGS[config]
        self.config, self.cfg = config, dict(cfg)
        dim, n = cfg["dim"], tokens_of(cfg)
        self.num_tokens = n
        self.tokenizer = nn.Conv2d(cfg["chans"], dim, cfg["patch"], stride=cfg["patch"])
        self.class_emb = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_emb = nn.Parameter(torch.zeros(1, n, dim))
        self.blocks = nn.ModuleList([Block(dim, cfg["heads"], cfg["mlp"], n)
                                     for _ in range(cfg["depth"])])
        self.norm = nn.LayerNorm(dim)
        self.fc = nn.Linear(dim, cfg["classes"])
        self._init()

    def _init(self):
        # CCT initialisation: truncated normal std 0.02 for linears, 0.2 for
        # the position embedding, LayerNorm (1, 0), kaiming for the conv.
        nn.init.trunc_normal_(self.pos_emb, std=0.2)
        nn.init.trunc_normal_(self.class_emb, std=0.2)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)

    # --- architecture ---------------------------------------------------
    def model_info(self):
        return {"depth": self.cfg["depth"], "heads": self.cfg["heads"],
                "tokens": self.num_tokens, "dim": self.cfg["dim"]}

    def arch(self):
        """The current architecture as an arch.json dict (mpcvit.arch.v1)."""
        from .arch import FORMAT
        layers = []
        for blk in self.blocks:
            gelu = {"kind": blk.gelu_kind}
            if blk.gelu_kind == "linearize":
                gelu["tokens"] = [int(v > 0.5) for v in blk.beta_mask.tolist()]
            layers.append({"heads": list(blk.self_attn.kinds), "gelu": gelu})
        return {"format": FORMAT, "model": self.model_info(), "layers": layers}

    def apply_arch(self, arch):
        """Set head kinds and GeLU kinds from an arch.json dict (validated)."""
        from .arch import validate
        validate(arch, self.model_info())
        for blk, layer in zip(self.blocks, arch["layers"]):
            blk.self_attn.set_kinds(layer["heads"])
            blk.set_gelu(layer["gelu"]["kind"], layer["gelu"].get("tokens"))
        return self

    def set_all(self, attn=None, gelu=None):
        for blk in self.blocks:
            if attn is not None:
                blk.self_attn.set_kinds([attn] * blk.self_attn.heads)
            if gelu is not None:
                blk.set_gelu(gelu)
        return self

    def template(self):
        """A copy with every head softmax and every GeLU exact (the ONNX graph)."""
        t = copy.deepcopy(self)
        for blk in t.blocks:
            blk.self_attn.disable_search()
            blk.disable_beta_search()
        return t.set_all("softmax", "gelu")

    # --- search parameters ----------------------------------------------
    def alphas(self):
        return [b.self_attn.alpha for b in self.blocks if b.self_attn.alpha is not None]

    def betas(self):
        return [b.beta for b in self.blocks if b.beta is not None]

    def mlps(self):
        """The modules with GeLU kinds and β (one per layer: the blocks)."""
        return list(self.blocks)

    def features(self, x):
        """Final tokens [B, N, D] (after the last LayerNorm) of images x [B, C, H, W]."""
        x = self.tokenizer(x).flatten(2).transpose(1, 2)
        cls = self.class_emb.expand(x.shape[0], -1, -1)
        x = torch.cat((cls, x), dim=1) + self.pos_emb
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x)

    def forward(self, x):
        return self.fc(self.features(x)[:, 0])

    def forward_tokens(self, x):
        """(logits [B, classes], final tokens [B, N, D]) for token-wise KD."""
        t = self.features(x)
        return self.fc(t[:, 0]), t


def build(config="fmnist-tiny", attn="softmax", gelu="gelu"):
    """A fresh model with every head ``attn`` and every layer ``gelu``."""
    return ViTLite(config).set_all(attn, gelu)


def count_params(model):
    return sum(p.numel() for n, p in model.named_parameters()
               if not n.endswith("alpha") and not n.endswith("beta"))
