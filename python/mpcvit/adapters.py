"""Attention adapters: MPCViT search on *your* ViT (issue 19, "bring your own").

The search (``mpcvit.search``), the distillation (``mpcvit.retrain``) and the
compiler only need to know, for every attention block of a model, where its
q, k, v and output projection are and how many heads it has. An adapter says
that; :func:`wrap` then replaces each attention block by a module that
computes

    a_h = (q_h · k_hᵀ) · scale,   out = proj(concat_h  norm_h(a_h) · v_h)

with one normalisation per head, exactly as ViT-Lite's heads
(:class:`mpcvit.model.Attention`; the kinds, α and the normalisation are
*its* methods, :func:`mpcvit.model.attention_norm` and
:func:`mpcvit.model.mix_rs_scale`, not a copy):

- a kind per head: ``softmax`` (the original block), ``relu_softmax``
  (RSAttn), ``scale`` (ScaleAttn), ``2quad``, ``2relu``;
- in search mode a learnable α per head: α·RSAttn + (1 − α)·ScaleAttn
  (MPCViT Eq. 5).

The wrapped block keeps the original parameters (the same tensors, under the
same state_dict names), so a checkpoint of the original model loads into the
wrapped one and back, and :meth:`MixModel.template` puts the original blocks
back for the ONNX export (the compiler applies arch.json to that template).

Built-in adapters (:data:`ADAPTERS`, :func:`adapter_for`):

``torchvision``  torchvision.models.VisionTransformer (any model whose
                 attention is ``nn.MultiheadAttention``: in_proj_weight /
                 in_proj_bias hold q, k, v stacked, ``out_proj`` the output
                 projection, ``num_heads`` heads; no masks, no bias_k/v, no
                 add_zero_attn, kdim = vdim = embed_dim). Final tokens (for
                 token-wise KD): the output of ``encoder``.
``vit-lite``     mpcvit.model.ViTLite (its heads already have kinds).

Your own module: describe its attention class with an :class:`AttentionSpec`
and pass ``AttentionAdapter("mine", specs=[spec], tokens="norm")``::

    # a timm-style block: self.qkv = Linear(d, 3d) (q, k, v stacked in that
    # order on the output axis), self.proj = Linear(d, d), self.num_heads
    spec = AttentionSpec(match="Attention", heads="num_heads", qkv="qkv", proj="proj")
    # a Hugging Face-style block: separate query/key/value Linears
    spec = AttentionSpec(match=MyAttention, heads=12, q="query", k="key", v="value",
                         proj="dense")

The wrapped block's forward takes ``x`` [B, N, D] (and ignores nothing: extra
arguments are refused) and returns [B, N, D]; heads are the contiguous
D/H slices of q, k and v, as in every common code base. A model in which no
block is recognised raises :class:`AdapterError` naming the modules that
look like attention.
"""

import copy
import dataclasses
from typing import Callable, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import arch as arch_mod
from .model import ATTN_KINDS, Attention as _LiteAttention, Block as _LiteBlock, ViTLite


class AdapterError(ValueError):
    """A model the adapter cannot describe (no attention found, unsupported
    options of an attention block, heads that differ between layers, ...)."""


# ---------------------------------------------------------------------------
# Per-head kinds: ViT-Lite's own methods
# ---------------------------------------------------------------------------

class HeadKinds(nn.Module):
    """Per-head kind / α state and the normalisation of ViT-Lite's heads.

    ``set_kinds``, ``enable_search``, ``disable_search`` and ``normalise`` are
    :class:`mpcvit.model.Attention`'s methods (shared, not copied), so a
    wrapped head computes exactly what a ViT-Lite head computes.
    Subclasses set ``heads``, ``scale`` and call :meth:`_init_kinds`.
    """

    set_kinds = _LiteAttention.set_kinds
    enable_search = _LiteAttention.enable_search
    disable_search = _LiteAttention.disable_search
    normalise = _LiteAttention.normalise

    def _init_kinds(self, heads, dim):
        if dim % heads:
            raise AdapterError(f"dim {dim} is not divisible by heads {heads}")
        self.heads, self.dim = heads, dim
        self.scale = (dim // heads) ** -0.5
        self.kinds = ["softmax"] * heads
        self.alpha = None

    def attend(self, q, k, v):
        """q, k, v [B, N, D] -> (concat_h norm_h(q_h k_hᵀ · scale) v_h [B, N, D],
        the normalised scores [B, H, N, N])."""
        b, n, c = q.shape
        h, d = self.heads, c // self.heads
        q, k, v = (t.reshape(b, -1, h, d).transpose(1, 2) for t in (q, k, v))
        p = self.normalise((q @ k.transpose(-2, -1)) * self.scale)
        return (p @ v).transpose(1, 2).reshape(b, n, c), p

    def original(self):
        """The module this one replaced (for the template export)."""
        return self._original[0]


class MultiheadAttentionMix(HeadKinds):
    """Drop-in replacement of ``nn.MultiheadAttention`` (self-attention, no
    masks) with per-head kinds. Shares ``in_proj_weight``, ``in_proj_bias``
    and ``out_proj`` with the original module (same state_dict names)."""

    def __init__(self, mha, name="?"):
        super().__init__()
        why = []
        if not getattr(mha, "_qkv_same_embed_dim", True):
            why.append("kdim/vdim differ from embed_dim")
        if mha.bias_k is not None or mha.bias_v is not None:
            why.append("add_bias_kv=True")
        if mha.add_zero_attn:
            why.append("add_zero_attn=True")
        if why:
            raise AdapterError(f"{name}: nn.MultiheadAttention with {', '.join(why)} "
                               f"is not supported")
        self._init_kinds(mha.num_heads, mha.embed_dim)
        self.num_heads, self.embed_dim = mha.num_heads, mha.embed_dim
        self.batch_first = mha.batch_first
        # False, so that nn.TransformerEncoderLayer never takes its fused fast
        # path (eval, no grad), which would read in_proj_weight and bypass
        # this module's head kinds.
        self._qkv_same_embed_dim = False
        self.in_proj_weight = mha.in_proj_weight
        if mha.in_proj_bias is None:
            self.register_parameter("in_proj_bias", None)
        else:
            self.in_proj_bias = mha.in_proj_bias
        self.out_proj = mha.out_proj
        self.dropout = mha.dropout
        self._original = (mha,)  # a tuple: not registered as a submodule
        self._name = name

    def forward(self, query, key=None, value=None, key_padding_mask=None,
                need_weights=True, attn_mask=None, average_attn_weights=True):
        if key_padding_mask is not None or attn_mask is not None:
            raise AdapterError(f"{self._name}: attention masks are not supported by the "
                               f"MPCViT adapter (a ViT needs none)")
        key = query if key is None else key
        value = query if value is None else value
        if not self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        w = self.in_proj_weight.chunk(3)
        b = (None,) * 3 if self.in_proj_bias is None else self.in_proj_bias.chunk(3)
        if self.training and self.dropout > 0:
            raise AdapterError(f"{self._name}: attention dropout {self.dropout} is not "
                               f"supported while training (set it to 0)")
        out, probs = self.attend(F.linear(query, w[0], b[0]), F.linear(key, w[1], b[1]),
                                 F.linear(value, w[2], b[2]))
        out = self.out_proj(out)
        if not self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        return out, probs.mean(1) if average_attn_weights else probs


@dataclasses.dataclass
class AttentionSpec:
    """Where q, k, v and the output projection of one kind of attention block are.

    match: the block's class, its class name, or ``predicate(name, module)``.
    heads: the number of heads, or the name of the block's attribute holding it.
    proj:  attribute of the output projection (an ``nn.Linear``).
    qkv:   attribute of a fused ``nn.Linear(d, 3d)``, q, k, v stacked in that
           order on the output axis (timm); or
    q, k, v: attributes of three ``nn.Linear(d, d)`` (Hugging Face).
    scale: the factor of q·kᵀ (default (d/heads)^-1/2).
    """

    match: Union[type, str, Callable]
    heads: Union[int, str]
    proj: str
    qkv: Optional[str] = None
    q: Optional[str] = None
    k: Optional[str] = None
    v: Optional[str] = None
    scale: Optional[float] = None

    def matches(self, name, module):
        if isinstance(self.match, type):
            return isinstance(module, self.match)
        if isinstance(self.match, str):
            return type(module).__name__ == self.match
        return bool(self.match(name, module))


class LinearsAttentionMix(HeadKinds):
    """Replacement of an attention block described by an :class:`AttentionSpec`.
    Keeps the block's projection Linears under their own attribute names."""

    def __init__(self, module, spec, name="?"):
        super().__init__()
        heads = getattr(module, spec.heads, None) if isinstance(spec.heads, str) else spec.heads
        if not isinstance(heads, int) or heads <= 0:
            raise AdapterError(f"{name}: heads {spec.heads!r} is not a positive integer "
                               f"on {type(module).__name__} (got {heads!r})")
        names = [spec.qkv] if spec.qkv else [spec.q, spec.k, spec.v]
        if (spec.qkv is None) == (spec.q is None) or (spec.qkv is None and None in names):
            raise AdapterError(f"{name}: AttentionSpec needs either qkv= or all of q=, k=, v=")
        for attr in names + [spec.proj]:
            lin = getattr(module, attr, None)
            if not isinstance(lin, nn.Linear):
                raise AdapterError(f"{name}: {type(module).__name__}.{attr} is "
                                   f"{type(lin).__name__}, expected nn.Linear")
            setattr(self, attr, lin)
        dim = getattr(module, spec.proj).out_features
        self._init_kinds(heads, dim)
        if spec.scale is not None:
            self.scale = float(spec.scale)
        self.spec = spec
        self._original = (module,)
        self._name = name

    def forward(self, x, *extra, **kw):
        if extra or kw:
            raise AdapterError(f"{self._name}: the wrapped attention takes x only, got "
                               f"{len(extra)} more arguments and {sorted(kw)}")
        s = self.spec
        if s.qkv:
            q, k, v = getattr(self, s.qkv)(x).chunk(3, dim=-1)
        else:
            q, k, v = (getattr(self, a)(x) for a in (s.q, s.k, s.v))
        return getattr(self, s.proj)(self.attend(q, k, v)[0])


class GeluMask(nn.Module):
    """Replacement of an MLP ``Sequential(Linear, GELU, [Dropout], Linear,
    [Dropout])`` (torchvision's MLPBlock, timm's Mlp as a Sequential) with
    ViT-Lite's GeLU kinds: ``set_gelu``, ``enable_beta_search``,
    ``disable_beta_search`` and the branch mixture ``mlp`` are
    :class:`mpcvit.model.Block`'s methods (MPCViT+: token t computes
    fc2(GeLU(fc1(x))) if its β/mask is 1, ReLU(fc2(fc1(x))) if 0). The two
    Linears keep their names in the Sequential; the mask is the buffer
    ``beta_mask`` (dropped by :meth:`MixModel.user_state_dict`)."""

    set_gelu = _LiteBlock.set_gelu
    enable_beta_search = _LiteBlock.enable_beta_search
    disable_beta_search = _LiteBlock.disable_beta_search
    mlp = _LiteBlock.mlp

    def __init__(self, seq, tokens, name="?"):
        super().__init__()
        core = [(n, m) for n, m in seq.named_children() if not isinstance(m, nn.Dropout)]
        kinds = [type(m).__name__ for _, m in core]
        if kinds != ["Linear", "GELU", "Linear"] or core[1][1].approximate != "none":
            raise AdapterError(f"{name}: MLP {kinds} is not Linear, GELU (exact), Linear")
        self._drop = [m.p for _, m in seq.named_children() if isinstance(m, nn.Dropout)]
        self._fc = (core[0][0], core[2][0])
        for n, m in (core[0], core[2]):
            self.add_module(n, m)
        self.tokens = tokens
        self.gelu_kind = "gelu"
        self.register_buffer("beta_mask", torch.ones(tokens))
        self.beta = None
        self._original = (seq,)
        self._name = name

    @property
    def linear1(self):
        return self._modules[self._fc[0]]

    @property
    def linear2(self):
        return self._modules[self._fc[1]]

    def original(self):
        return self._original[0]

    def forward(self, x):
        if self.training and any(p > 0 for p in self._drop):
            raise AdapterError(f"{self._name}: MLP dropout {self._drop} is not supported "
                               f"while training (set it to 0)")
        return self.mlp(x)


def mlp_sites(model):
    """[(dotted name, Sequential)] of the MLPs Linear → GELU → Linear (dropouts
    aside), in module order."""
    out = []
    for name, mod in model.named_modules():
        if isinstance(mod, GeluMask):
            out.append((name, mod))
        elif isinstance(mod, nn.Sequential):
            kinds = [type(m).__name__ for m in mod.children() if not isinstance(m, nn.Dropout)]
            if kinds == ["Linear", "GELU", "Linear"]:
                out.append((name, mod))
    return out


# ---------------------------------------------------------------------------
# Adapters
# ---------------------------------------------------------------------------

@dataclasses.dataclass
class AttentionAdapter:
    """Finds a model's attention blocks and wraps them.

    name:   shown in errors and recorded in checkpoints.
    specs:  the attention blocks (:class:`AttentionSpec`); an
            ``nn.MultiheadAttention`` is recognised without one.
    tokens: dotted path of the module whose output is the final tokens
            [B, N, D] (for the token-wise KD term); None: no token term
            (the MSE is then taken on zeros and is 0).
    """

    name: str
    specs: Sequence[AttentionSpec] = ()
    tokens: Optional[str] = None
    multihead: bool = True

    def sites(self, model):
        """[(dotted name, module, spec or None)] of the attention blocks, in
        module order. Raises AdapterError when there is none."""
        found, inside = [], []
        for name, mod in model.named_modules():
            if any(name.startswith(p + ".") for p in inside):
                continue
            if isinstance(mod, HeadKinds):
                found.append((name, mod, None))
                inside.append(name)
                continue
            for spec in self.specs:
                if spec.matches(name, mod):
                    found.append((name, mod, spec))
                    inside.append(name)
                    break
            else:
                if self.multihead and isinstance(mod, nn.MultiheadAttention):
                    found.append((name, mod, None))
                    inside.append(name)
        if not found:
            look = [f"{n or '<root>'} ({type(m).__name__})" for n, m in model.named_modules()
                    if "attn" in type(m).__name__.lower() or "attention" in n.lower()
                    or "attn" in n.lower()]
            hint = ("; modules that look like attention: " + ", ".join(look[:8])
                    + ": describe them with an AttentionSpec") if look else \
                "; it has no nn.MultiheadAttention and no module an AttentionSpec matches"
            raise AdapterError(f"adapter {self.name!r}: no attention block found in "
                               f"{type(model).__name__}{hint}")
        return found

    def wrap(self, model):
        """Replace every attention block of ``model`` (in place) by a
        HeadKinds module; returns the list of them, in layer order."""
        out = []
        for name, mod, spec in self.sites(model):
            if isinstance(mod, HeadKinds):
                out.append(mod)
                continue
            new = (MultiheadAttentionMix(mod, name) if spec is None
                   else LinearsAttentionMix(mod, spec, name))
            _set_submodule(model, name, new)
            out.append(new)
        return out


class _LiteAdapter(AttentionAdapter):
    def sites(self, model):
        if not isinstance(model, ViTLite):
            raise AdapterError(f"adapter 'vit-lite': {type(model).__name__} is not a ViTLite")
        return [(f"blocks.{i}.self_attn", b.self_attn, None) for i, b in enumerate(model.blocks)]

    def wrap(self, model):
        return [m for _, m, _ in self.sites(model)]


TORCHVISION = AttentionAdapter("torchvision", tokens="encoder")
VIT_LITE = _LiteAdapter("vit-lite", multihead=False)
ADAPTERS = {"torchvision": TORCHVISION, "vit-lite": VIT_LITE}


def adapter_for(model):
    """The built-in adapter of ``model`` (ViTLite, torchvision
    VisionTransformer, or any model with nn.MultiheadAttention blocks)."""
    if isinstance(model, ViTLite):
        return VIT_LITE
    if any(isinstance(m, nn.MultiheadAttention) for m in model.modules()):
        tokens = "encoder" if _has_module(model, "encoder") else None
        return dataclasses.replace(TORCHVISION, tokens=tokens)
    return AttentionAdapter("generic").sites(model)  # raises with a hint


def _has_module(model, path):
    try:
        model.get_submodule(path)
        return True
    except AttributeError:
        return False


def _set_submodule(root, path, new):
    parent, _, leaf = path.rpartition(".")
    setattr(root.get_submodule(parent) if parent else root, leaf, new)


# ---------------------------------------------------------------------------
# The model the search and the distillation train
# ---------------------------------------------------------------------------

class MixModel(nn.Module):
    """A user's model with its attention blocks wrapped, with the interface
    mpcvit.engine / mpcvit.search expect of a ViT-Lite: ``config``, ``cfg``,
    ``model_info()``, ``arch()``, ``apply_arch()``, ``set_all()``,
    ``alphas()``, ``betas()``, ``forward_tokens()``, ``template()``.
    The MLPs ``Linear → GELU → Linear`` (one per attention block) are
    wrapped too (:class:`GeluMask`), for the MPCViT+ GeLU mask; a model
    whose MLPs are not recognised has every GeLU exact (``mlps()`` says why).

    ``input_shape``: (C, H, W) of one image (a probe forward finds N and D).
    """

    def __init__(self, net, adapter=None, input_shape=(3, 224, 224), config="byo"):
        super().__init__()
        self.net = net
        self.adapter = adapter or adapter_for(net)
        self._attn = self.adapter.wrap(net)  # a plain list: registered inside net
        heads = {a.heads for a in self._attn}
        if len(heads) != 1:
            raise AdapterError(f"adapter {self.adapter.name!r}: the attention blocks have "
                               f"different head counts {sorted(heads)}; arch.json needs one")
        self.input_shape = tuple(int(d) for d in input_shape)
        self.config = config
        n, d = self._probe()
        self.cfg = {"heads": heads.pop(), "depth": len(self._attn), "tokens": n, "dim": d}
        if len(self.input_shape) == 3:
            c, h, w = self.input_shape
            self.cfg.update(chans=c, img=h, img_w=w)
        self.num_tokens = n
        # MPCViT+: the MLPs (one per attention block) get ViT-Lite's GeLU kinds
        self._mlps, self._mlp_why = None, None
        if isinstance(net, ViTLite):
            self._mlps = list(net.blocks)
        else:
            sites = mlp_sites(net)
            if len(sites) == len(self._attn):
                self._mlps = []
                for name, seq in sites:
                    m = seq if isinstance(seq, GeluMask) else GeluMask(seq, n, name)
                    _set_submodule(net, name, m)
                    self._mlps.append(m)
            else:
                self._mlp_why = (f"found {len(sites)} MLPs Linear → GELU → Linear for "
                                 f"{len(self._attn)} attention blocks")

    def _probe(self):
        seen = []

        def hook(mod, args, out):
            t = out[0] if isinstance(out, tuple) else out
            if isinstance(mod, MultiheadAttentionMix) and not mod.batch_first:
                t = t.transpose(0, 1)
            seen.append(tuple(t.shape))
        h = self._attn[0].register_forward_hook(hook)
        was = self.training
        try:
            self.eval()
            with torch.no_grad():
                self.net(torch.zeros((1,) + self.input_shape))
        except AdapterError:
            raise
        except Exception as e:  # noqa: BLE001 - the user's model may raise anything
            raise AdapterError(f"{type(self.net).__name__} does not take an input of shape "
                               f"{[1, *self.input_shape]}: {e}") from e
        finally:
            h.remove()
            self.train(was)
        if not seen or len(seen[0]) != 3:
            raise AdapterError(f"the first attention block of {type(self.net).__name__} "
                               f"did not produce [B, N, D] tokens (saw {seen[:1]})")
        return seen[0][1], seen[0][2]

    # --- the ViT-Lite interface --------------------------------------------
    def model_info(self):
        return {k: self.cfg[k] for k in ("depth", "heads", "tokens", "dim")}

    @property
    def heads_modules(self):
        return list(self._attn)

    def mlps(self):
        """The MLP modules with GeLU kinds (one per layer); AdapterError when
        the model's MLPs were not recognised."""
        if self._mlps is None:
            raise AdapterError(f"adapter {self.adapter.name!r}: no GeLU kinds for "
                               f"{type(self.net).__name__}: {self._mlp_why}")
        return list(self._mlps)

    def arch(self):
        """arch.json dict of the current head kinds and GeLU kinds."""
        gelu = []
        for m in self._mlps or [None] * len(self._attn):
            g = {"kind": "gelu" if m is None else m.gelu_kind}
            if g["kind"] == "linearize":
                g["tokens"] = [int(v > 0.5) for v in m.beta_mask.tolist()]
            gelu.append(g)
        return arch_mod.make(self.model_info(), [a.kinds for a in self._attn], gelu)

    def apply_arch(self, arch):
        arch_mod.validate(arch, self.model_info())
        for i, (a, layer) in enumerate(zip(self._attn, arch["layers"])):
            a.set_kinds(layer["heads"])
            g = layer["gelu"]
            if g["kind"] != "gelu" or self._mlps is not None:
                self.mlps()[i].set_gelu(g["kind"], g.get("tokens"))
        return self

    def set_all(self, attn=None, gelu=None):
        for a in self._attn:
            if attn is not None:
                a.set_kinds([attn] * a.heads)
        if gelu is not None and (gelu != "gelu" or self._mlps is not None):
            for m in self.mlps():
                m.set_gelu(gelu)
        return self

    def enable_beta_search(self, init=0.5):
        """MPCViT+: every MLP back to GeLU, with a learnable β per token."""
        for m in self.mlps():
            m.set_gelu("gelu")
            m.enable_beta_search(init)
        return self

    def disable_beta_search(self):
        for m in self._mlps or []:
            m.disable_beta_search()
        return self

    def enable_search(self, init=0.5):
        for a in self._attn:
            a.enable_search(init)
        return self

    def disable_search(self):
        for a in self._attn:
            a.disable_search()
        return self

    def alphas(self):
        return [a.alpha for a in self._attn if a.alpha is not None]

    def betas(self):
        return [m.beta for m in self._mlps or [] if m.beta is not None]

    def forward(self, x):
        return self.net(x)

    def forward_tokens(self, x):
        """(logits, final tokens [B, N, D]) for token-wise KD (zeros [B, 1, 1]
        when the adapter names no token module)."""
        if isinstance(self.net, ViTLite):
            return self.net.forward_tokens(x)
        if not self.adapter.tokens:
            logits = self.net(x)
            return logits, logits.new_zeros(logits.shape[0], 1, 1)
        seen = []
        h = self.net.get_submodule(self.adapter.tokens).register_forward_hook(
            lambda m, a, out: seen.append(out[0] if isinstance(out, tuple) else out))
        try:
            logits = self.net(x)
        finally:
            h.remove()
        return logits, seen[-1]

    def template(self):
        """A copy of the user's own network with the trained weights: every
        attention block the original module (softmax), no α; the ONNX
        export of this is what the compiler applies arch.json to (as
        ViTLite.template)."""
        if isinstance(self.net, ViTLite):
            return self.net.template()
        net = copy.deepcopy(self.net)
        wrapped = [(n, m) for n, m in net.named_modules() if isinstance(m, (HeadKinds, GeluMask))]
        for name, mod in wrapped:
            _set_submodule(net, name, mod.original())
        return net

    def user_state_dict(self):
        """The weights under the user's own names (no α, β, GeLU mask)."""
        return {k: v for k, v in self.net.state_dict().items()
                if k.rpartition(".")[2] not in ("alpha", "beta", "beta_mask")}


def check_equal(model, original, x, atol=1e-5):
    """max |model(x) − original(x)| (both eval, no grad); raises AdapterError
    when it exceeds ``atol``. For the adapter's self-check."""
    with torch.no_grad():
        a, b = model.eval()(x), original.eval()(x)
    err = float((a - b).abs().max())
    if not err <= atol:
        raise AdapterError(f"the wrapped model differs from the original by {err:.3g} "
                           f"(> {atol}): the adapter does not describe its attention")
    return err


__all__ = ["ADAPTERS", "ATTN_KINDS", "AdapterError", "AttentionAdapter", "AttentionSpec",
           "GeluMask", "HeadKinds", "LinearsAttentionMix", "MixModel", "MultiheadAttentionMix",
           "TORCHVISION", "VIT_LITE", "adapter_for", "check_equal"]
