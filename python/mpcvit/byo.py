"""MPCViT search, distillation and export of *your own* ViT (issue 19).

    /usr/bin/python3 -m mpcvit.byo train   MODEL DATA --out runs/tv-teacher      # optional
    /usr/bin/python3 -m mpcvit.byo search  MODEL DATA --out runs/tv-search --mus 0.5
    /usr/bin/python3 -m mpcvit.byo retrain --init runs/tv-search/checkpoint.pt \\
        --arch runs/tv-search/arch_mu0.5.json --out runs/tv-mu0.5
    /usr/bin/python3 -m mpcvit.byo export  --ckpt runs/tv-mu0.5/checkpoint.pt --out models/tv-mu0.5
    /usr/bin/python3 -m mpcvit.byo private --export models/tv-mu0.5          # compile + run 2PC

MODEL (the teacher: your trained model) is one of

  --torchvision "image_size=28,patch_size=7,num_layers=2,num_heads=2,hidden_dim=32,\\
                 mlp_dim=64,num_classes=10[,channels=1]"
        torchvision.models.VisionTransformer(**those); ``channels`` (default
        3, or what the checkpoint's conv_proj has) replaces its 3-channel
        patch projection
  --module FILE.py:NAME   NAME() builds the model (a class or a function);
        FILE may define ``ADAPTER`` (mpcvit.adapters.AttentionAdapter) for
        attention that is not nn.MultiheadAttention
  --vit-lite              mpcvit.model.ViTLite(--config)

plus ``--checkpoint FILE`` with its trained weights (a state_dict, a dict
with "model" or "state_dict", or a pickled nn.Module). retrain/export take
the model from the checkpoint they start from (recorded in it).

DATA (``--data``): ``fmnist`` (or a directory of the Fashion-MNIST IDX
files; default /usr/share/datasets/fashion-mnist), ``imagefolder:DIR``
(DIR/train/CLASS/*.png and DIR/test/CLASS/*, or val/ for test; every image
the same size), or ``npz:FILE`` (x_train, y_train, x_test, y_test; images
[N, C, H, W], [N, H, W, C] or [N, H, W]; uint8 images are normalised per
channel with the training set's mean and std, float ones are taken as
they are; labels integers 0..K−1).

Steps (each resumable from <out>/checkpoint.pt, as mpcvit.search/retrain):

- search: the attention blocks are wrapped (mpcvit.adapters: heads become
  α·RSAttn + (1 − α)·ScaleAttn, MPCViT Eq. 5); α trained with the weights
  under CE + λ·Σ_l latency(E[bytes_l], E[critical-path rounds_l]) with the
  per-head costs from the compiler's cost report of *this* model
  (search.penalty_fn); then arch_mu<μ>.json by the critical-path DP or the
  global top-k (search.save_results), as mpcvit.search.
- retrain: the head mask frozen, KD from the user's model (engine.make_loss:
  logit KD at T = 1 + MSE on the final tokens). ``--linear-gelu``
  (MPCViT+): first a β search over the tokens of every MLP Linear → GELU →
  Linear (mpcvit.adapters.GeluMask: model.Block's branch mixture), with the
  token-branch costs from the compiler's report of this model
  (retrain.beta_search, as mpcvit.retrain), then round(ν·L·N) tokens keep
  GeLU.
- export: model.onnx (the user's own architecture, softmax heads, trained
  weights; opset 17, static [1, C, H, W]) + arch.json + metrics.json +
  weights.pt (the retrained weights under the user's parameter names) +
  sample_input.npy / sample_logits.npy (a few test images, PyTorch logits
  with arch.json applied).
- private: mpcvit.compile(model.onnx, arch.json), run the 2PC program
  locally on the samples, compare with PyTorch, print the cost (wan).

"""

import argparse
import copy
import datetime
import importlib.util
import json
import os
import sys
import tempfile
import warnings

import numpy as np
import torch

from . import arch as arch_mod
from . import costs, engine, retrain, search
from . import data as data_mod
from .adapters import AdapterError, AttentionAdapter, MixModel, adapter_for, check_equal

FORMAT = "mpcvit.byo.v1"
TV_KEYS = ("image_size", "patch_size", "num_layers", "num_heads", "hidden_dim", "mlp_dim",
           "num_classes", "channels")


class ByoError(ValueError):
    """A model, checkpoint or data set that cannot be used (the message says why)."""


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------

def parse_torchvision(text):
    """"k=v,k=v" -> dict of ints (the VisionTransformer arguments + channels)."""
    out = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        k, eq, v = part.partition("=")
        k = k.strip()
        if not eq or k not in TV_KEYS:
            raise ByoError(f"--torchvision: {part!r}: expected KEY=INT with KEY one of "
                           f"{', '.join(TV_KEYS)}")
        try:
            out[k] = int(v)
        except ValueError:
            raise ByoError(f"--torchvision: {k}={v!r} is not an integer") from None
    need = [k for k in TV_KEYS[:6] if k not in out]
    if need:
        raise ByoError(f"--torchvision: missing {', '.join(need)}")
    return out


def build_torchvision(cfg):
    from torchvision.models import VisionTransformer
    kw = {k: v for k, v in cfg.items() if k != "channels"}
    try:
        m = VisionTransformer(**kw)
    except (AssertionError, ValueError, TypeError) as e:
        raise ByoError(f"--torchvision: VisionTransformer({kw}) failed: {e}") from e
    ch = cfg.get("channels", 3)
    if ch != 3:
        m.conv_proj = torch.nn.Conv2d(ch, cfg["hidden_dim"], cfg["patch_size"],
                                      stride=cfg["patch_size"])
    return m


def load_module(spec):
    """"FILE.py:NAME" -> (model, adapter or None)."""
    path, _, name = spec.rpartition(":")
    if not path or not name:
        raise ByoError(f"--module {spec!r}: expected FILE.py:NAME")
    if not os.path.isfile(path):
        raise ByoError(f"--module: {path}: no such file")
    mspec = importlib.util.spec_from_file_location("mpcvit_byo_user_module", path)
    mod = importlib.util.module_from_spec(mspec)
    try:
        mspec.loader.exec_module(mod)
    except Exception as e:  # noqa: BLE001 - the user's file
        raise ByoError(f"--module: {path}: {type(e).__name__}: {e}") from e
    ctor = getattr(mod, name, None)
    if not callable(ctor):
        raise ByoError(f"--module: {path} has no class or function {name!r}")
    model = ctor()
    if not isinstance(model, torch.nn.Module):
        raise ByoError(f"--module: {name}() returned {type(model).__name__}, not an nn.Module")
    adapter = getattr(mod, "ADAPTER", None)
    if adapter is not None and not isinstance(adapter, AttentionAdapter):
        raise ByoError(f"--module: {path}: ADAPTER is {type(adapter).__name__}, "
                       f"expected mpcvit.adapters.AttentionAdapter")
    return model, adapter


def read_state(path):
    """A checkpoint file -> (state_dict or None, nn.Module or None)."""
    if not os.path.isfile(path):
        raise ByoError(f"--checkpoint {path}: no such file")
    try:
        obj = torch.load(path, map_location="cpu")
    except Exception as e:  # noqa: BLE001
        raise ByoError(f"--checkpoint {path}: not a readable torch file: {e}") from e
    if isinstance(obj, torch.nn.Module):
        return None, obj
    if isinstance(obj, dict):
        for key in ("model", "state_dict"):
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
        if obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
            return obj, None
    raise ByoError(f"--checkpoint {path}: expected a state_dict (name -> tensor), a dict "
                   f"with 'model' or 'state_dict', or an nn.Module")


def build_model(spec, channels=None):
    """spec (dict, recorded in checkpoints) -> (nn.Module with the user's
    weights, adapter or None). ``channels``: the torchvision model's input
    channels when the spec does not say (default: the checkpoint's)."""
    kind = spec["kind"]
    adapter = None
    state, whole = read_state(spec["checkpoint"]) if spec.get("checkpoint") else (None, None)
    if kind == "torchvision":
        cfg = parse_torchvision(spec["torchvision"])
        if "channels" not in cfg and channels is not None:
            cfg["channels"] = int(channels)
        if state is not None and "conv_proj.weight" in state and "channels" not in cfg:
            cfg["channels"] = int(state["conv_proj.weight"].shape[1])
        model = build_torchvision(cfg)
    elif kind == "module":
        model, adapter = load_module(spec["module"])
    elif kind == "vit-lite":
        from .model import ViTLite
        model = ViTLite(spec["config"])
        if state is not None:  # an mpcvit checkpoint: arch + search params dropped
            state = {k: v for k, v in state.items()
                     if not k.endswith(".alpha") and not k.endswith(".beta")}
    else:
        raise ByoError(f"unknown model kind {kind!r}")
    if whole is not None:
        model = whole
    if state is not None:
        try:
            model.load_state_dict(state)
        except RuntimeError as e:
            raise ByoError(f"--checkpoint {spec['checkpoint']} does not fit the model: "
                           f"{str(e).splitlines()[0]} ...") from e
    return model, adapter


def model_spec(args):
    given = [k for k in ("torchvision", "module") if getattr(args, k, None)]
    if getattr(args, "vit_lite", False):
        given.append("vit-lite")
    if len(given) != 1:
        raise ByoError("give exactly one of --torchvision, --module, --vit-lite "
                       f"(got {given or 'none'})")
    spec = {"kind": given[0], "checkpoint": os.path.abspath(args.checkpoint)
            if args.checkpoint else None}
    if given[0] == "torchvision":
        parse_torchvision(args.torchvision)
        spec["torchvision"] = args.torchvision
    elif given[0] == "module":
        path, _, name = args.module.rpartition(":")
        spec["module"] = f"{os.path.abspath(path)}:{name}"
    else:
        spec["config"] = args.config
    return spec


def mix_from_spec(spec, input_shape):
    """(MixModel of the user's model, a copy of the unwrapped original)."""
    net, adapter = build_model(spec, channels=input_shape[0])
    original = copy.deepcopy(net)
    try:
        mix = MixModel(net, adapter or adapter_for(net), input_shape)
    except AdapterError as e:
        raise ByoError(str(e)) from e
    return mix, original


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------

def _normalise_uint8(x_tr, x_te):
    """uint8 [N, C, H, W] -> float tensors, per-channel (x/255 − mean)/std of
    the training set; returns (x_tr, x_te, preprocess spec)."""
    f = x_tr.astype(np.float32) / 255.0
    mean = f.mean(axis=(0, 2, 3))
    std = np.maximum(f.std(axis=(0, 2, 3)), 1e-3)

    def norm(u):
        v = (u.astype(np.float32) / 255.0 - mean[None, :, None, None]) / std[None, :, None, None]
        return torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32))
    pre = {"layout": "NCHW", "scale": 1.0 / 255.0, "mean": [round(float(m), 4) for m in mean],
           "std": [round(float(s), 4) for s in std]}
    # round as recorded, so the program's normalisation is exactly this one
    mean = np.array(pre["mean"], np.float32)
    std = np.array(pre["std"], np.float32)
    return norm(x_tr), norm(x_te), pre


def _nchw(x, what):
    x = np.asarray(x)
    if x.ndim == 3:
        return x[:, None]
    if x.ndim == 4:
        if x.shape[1] in (1, 3):
            return x
        if x.shape[3] in (1, 3):
            return x.transpose(0, 3, 1, 2)
        raise ByoError(f"{what}: images {list(x.shape)}: neither [N, C, H, W] nor "
                       f"[N, H, W, C] with C = 1 or 3")
    raise ByoError(f"{what}: images {list(x.shape)}: expected [N, C, H, W], [N, H, W, C] "
                   f"or [N, H, W]")


def _labels(y, n, what):
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != n:
        raise ByoError(f"{what}: labels {list(y.shape)} for {n} images; expected [{n}]")
    if y.size and not np.issubdtype(y.dtype, np.integer):
        if not np.all(np.equal(np.mod(y, 1), 0)):
            raise ByoError(f"{what}: labels of type {y.dtype} are not integers")
    if y.size and y.min() < 0:
        raise ByoError(f"{what}: negative label {int(y.min())}")
    return torch.from_numpy(y.astype(np.int64))


def _imagefolder(root):
    from PIL import Image
    if not os.path.isdir(root):
        raise ByoError(f"imagefolder:{root}: no such directory")
    test_dir = next((d for d in ("test", "val") if os.path.isdir(os.path.join(root, d))), None)
    if not os.path.isdir(os.path.join(root, "train")) or test_dir is None:
        raise ByoError(f"imagefolder:{root}: expected train/CLASS/* and test/CLASS/* "
                       f"(or val/CLASS/*)")
    classes = sorted(d for d in os.listdir(os.path.join(root, "train"))
                     if os.path.isdir(os.path.join(root, "train", d)))
    if not classes:
        raise ByoError(f"imagefolder:{root}/train has no class directories")
    files = {s: [] for s in ("train", test_dir)}
    for s in files:
        for ci, c in enumerate(classes):
            d = os.path.join(root, s, c)
            for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
                files[s].append((os.path.join(d, f), ci))
        extra = sorted(set(d for d in os.listdir(os.path.join(root, s))
                           if os.path.isdir(os.path.join(root, s, d))) - set(classes))
        if extra:
            raise ByoError(f"imagefolder:{root}/{s} has classes {extra} not in train/")
        if not files[s]:
            raise ByoError(f"imagefolder:{root}/{s} has no images")
    modes = set()
    imgs = {}
    for s, lst in files.items():
        arr = []
        for path, _ in lst:
            try:
                with Image.open(path) as im:
                    modes.add("L" if im.mode in ("L", "1", "I;16", "I") else "RGB")
                    arr.append((path, im.convert("RGB")))
            except OSError as e:
                raise ByoError(f"{path}: not an image: {e}") from e
        imgs[s] = arr
    mode = "L" if modes == {"L"} else "RGB"
    size = imgs["train"][0][1].size
    out = {}
    for s, arr in imgs.items():
        xs = []
        for path, im in arr:
            if im.size != size:
                raise ByoError(f"{path}: {im.size[0]}x{im.size[1]}, but the first training "
                               f"image is {size[0]}x{size[1]}; resize the data set first")
            a = np.asarray(im.convert(mode), dtype=np.uint8)
            xs.append(a[None] if a.ndim == 2 else a.transpose(2, 0, 1))
        out[s] = (np.stack(xs), np.array([c for _, c in files[s]], np.int64))
    return out["train"] + out[test_dir] + (classes,)


def load_data(spec, limit_train=None, limit_test=None):
    """DATA spec -> ((x_tr, y_tr, x_te, y_te) torch tensors, info dict)."""
    classes = None
    if spec in ("fmnist", "fashion-mnist") or (":" not in spec and os.path.isdir(spec)):
        root = data_mod.DEFAULT_ROOT if spec in ("fmnist", "fashion-mnist") else spec
        try:
            tr = data_mod.fashion_mnist(root, limit_train, limit_test)
        except data_mod.IdxError as e:
            raise ByoError(str(e)) from e
        pre = {"layout": "NCHW", "scale": 1.0 / 255.0, "mean": [data_mod.MEAN],
               "std": [data_mod.STD]}
        info = {"data": "fashion-mnist", "root": root, "preprocess": pre,
                "classes": list(data_mod.CLASSES)}
    elif spec.startswith("npz:") or spec.startswith("imagefolder:"):
        kind, _, path = spec.partition(":")
        if kind == "npz":
            if not os.path.isfile(path):
                raise ByoError(f"npz:{path}: no such file")
            try:
                z = np.load(path)
            except Exception as e:  # noqa: BLE001
                raise ByoError(f"npz:{path}: not a .npz file: {e}") from e
            need = ("x_train", "y_train", "x_test", "y_test")
            miss = [k for k in need if k not in z.files]
            if miss:
                raise ByoError(f"npz:{path}: missing {', '.join(miss)} (has {z.files})")
            x_tr, y_tr, x_te, y_te = (z[k] for k in need)
        else:
            x_tr, y_tr, x_te, y_te, classes = _imagefolder(path)
        x_tr, x_te = _nchw(x_tr, f"{spec} x_train"), _nchw(x_te, f"{spec} x_test")
        if x_tr.shape[1:] != x_te.shape[1:]:
            raise ByoError(f"{spec}: train images {list(x_tr.shape[1:])} but test images "
                           f"{list(x_te.shape[1:])}")
        if limit_train:
            x_tr, y_tr = x_tr[:limit_train], np.asarray(y_tr)[:limit_train]
        if limit_test:
            x_te, y_te = x_te[:limit_test], np.asarray(y_te)[:limit_test]
        y_tr = _labels(y_tr, x_tr.shape[0], f"{spec} y_train")
        y_te = _labels(y_te, x_te.shape[0], f"{spec} y_test")
        if x_tr.dtype == np.uint8:
            xt, xe, pre = _normalise_uint8(x_tr, x_te)
        elif np.issubdtype(x_tr.dtype, np.floating):
            xt, xe, pre = (torch.from_numpy(np.ascontiguousarray(x_tr, np.float32)),
                           torch.from_numpy(np.ascontiguousarray(x_te, np.float32)), None)
            if not (torch.isfinite(xt).all() and torch.isfinite(xe).all()):
                raise ByoError(f"{spec}: images contain NaN or infinities")
        else:
            raise ByoError(f"{spec}: images of type {x_tr.dtype}; expected uint8 or float")
        tr = (xt, y_tr, xe, y_te)
        info = {"data": kind, "root": os.path.abspath(path), "preprocess": pre,
                "classes": classes}
    else:
        raise ByoError(f"--data {spec!r}: expected fmnist, a Fashion-MNIST directory, "
                       f"imagefolder:DIR or npz:FILE")
    if tr[0].shape[0] == 0 or tr[2].shape[0] == 0:
        raise ByoError(f"--data {spec}: empty train or test split")
    info["shape"] = list(tr[0].shape[1:])
    info["num_labels"] = int(max(int(tr[1].max()), int(tr[3].max()))) + 1
    return tr, info


def check_fit(mix, info, spec):
    """The data fit the model: image shape, channels, labels < classes."""
    shape = list(mix.input_shape)
    if info["shape"] != shape:
        raise ByoError(f"the data's images are {info['shape']} (C, H, W) but the model takes "
                       f"{shape}" + (" (channels differ: give channels=N in --torchvision)"
                                     if info["shape"][1:] == shape[1:] else ""))
    with torch.no_grad():
        k = mix.eval()(torch.zeros([1] + shape)).shape
    if len(k) != 2:
        raise ByoError(f"the model's output is {list(k)}, expected logits [B, classes]")
    if info["num_labels"] > k[1]:
        raise ByoError(f"the data has labels up to {info['num_labels'] - 1} but the model "
                       f"has {k[1]} classes")
    return int(k[1])


def input_shape_of(spec, info):
    if spec["kind"] == "torchvision":
        cfg = parse_torchvision(spec["torchvision"])
        ch = cfg.get("channels")
        if ch is None and spec.get("checkpoint"):
            st, _ = read_state(spec["checkpoint"])
            if st is not None and "conv_proj.weight" in st:
                ch = int(st["conv_proj.weight"].shape[1])
        return (ch or 3, cfg["image_size"], cfg["image_size"])
    return tuple(info["shape"])


# ---------------------------------------------------------------------------
# Costs of this model's heads
# ---------------------------------------------------------------------------

def model_costs(mix, source="auto", tokens=False):
    """The costs of what the search chooses, for *this* model, in the form
    costs.kind_costs gives them for a ViT-Lite config (search.penalty_fn /
    layer_price / mask_summary and retrain.beta_search take it). compiler:
    costs.kind_costs_onnx of the template ONNX (the token branches with
    ``tokens``); table: costs.table_heads (heads only)."""
    if source not in ("auto", "compiler", "table"):
        raise ValueError(f"unknown cost source {source!r}")
    info, n = mix.model_info(), mix.num_tokens
    err = None
    if source != "table":
        try:
            if tokens:
                mix.mlps()  # AdapterError when the MLPs are not recognised
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "m.onnx")
                export_template(mix, path, None)
                return costs.kind_costs_onnx(path, info, n, tokens,
                                             note="compiler cost report of the user's model")
        except (costs.CostSourceError, KeyError, IndexError, TypeError, ValueError) as e:
            if source == "compiler":
                raise ByoError(f"--cost-source compiler: {e}") from e
            err = str(e)
    if tokens:
        raise ByoError("the token (GeLU) costs of a user's model come from the compiler "
                       "only; build the tools" + (f" ({err[:200]})" if err else ""))
    return {"source": costs.SOURCE, "num_tokens": n, "heads": costs.table_heads(n),
            "note": "runtime benchmark table, scaled per element"
            + (f" (compiler unavailable: {err[:200]})" if err else "")}


# ---------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------

def export_template(mix, path, preprocess, opset=17):
    """model.onnx: the user's own network (softmax heads) with the trained
    weights, static [1, C, H, W] (export.export_onnx), with ``preprocess``
    as the mpcvit.preprocess metadata (None: none recorded)."""
    import onnx
    from .export import export_onnx
    c, h, w = mix.input_shape
    if h != w:
        raise ByoError(f"export: images {h}x{w}: export.export_onnx takes square images")
    with warnings.catch_warnings():  # torchvision's torch._assert on shapes: static here
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        export_onnx(mix, path, opset)
    m = onnx.load(path)
    keep = [e for e in m.metadata_props if e.key != "mpcvit.preprocess"]
    del m.metadata_props[:]
    m.metadata_props.extend(keep)
    if preprocess is not None:
        m.metadata_props.add(key="mpcvit.preprocess", value=json.dumps(preprocess))
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return (1, c, h, w)


# ---------------------------------------------------------------------------
# Command lines
# ---------------------------------------------------------------------------

def _model_args(p):
    g = p.add_argument_group("the user's model (the teacher)")
    g.add_argument("--torchvision", metavar="K=V,...",
                   help="torchvision VisionTransformer arguments: " + ",".join(TV_KEYS))
    g.add_argument("--module", metavar="FILE.py:NAME", help="NAME() builds the model")
    g.add_argument("--vit-lite", action="store_true", help="mpcvit ViT-Lite of --config")
    g.add_argument("--checkpoint", metavar="FILE",
                   help="its trained weights (a state_dict file)")


def _common(p, epochs, lr):
    engine.add_common_args(
        p, epochs=epochs, lr=lr, data_default=None,
        data_help="fmnist, a Fashion-MNIST IDX directory, imagefolder:DIR, or npz:FILE "
                  "(default: fmnist; retrain: the data set of --init)",
        config_help="ViT-Lite configuration (with --vit-lite)")


def _setup(args, spec):
    engine.setup_torch(args.threads, args.seed)
    data, info = load_data(args.data or "fmnist", args.limit_train, args.limit_test)
    mix, original = mix_from_spec(spec, input_shape_of(spec, info))
    classes = check_fit(mix, info, spec)
    try:  # the adapter's self-check: all-softmax wrapped model == the user's model
        err = check_equal(mix, original, data[2][:4])
    except AdapterError as e:
        raise ByoError(str(e)) from e
    print(f"model: {spec['kind']} {mix.model_info()}, {classes} classes; adapter "
          f"{mix.adapter.name!r}: max |wrapped - original| = {err:.2e} on 4 test images; "
          f"data {info['data']} {info['shape']}, {data[0].shape[0]} train / "
          f"{data[2].shape[0]} test images", flush=True)
    return data, info, mix, err


def _meta(spec, info, err, upstream=0.0):
    return {"byo": {"format": FORMAT, "model": spec, "data": {k: v for k, v in info.items()},
                    "adapter_max_err": err}, "upstream_s": upstream}


def cmd_train(args):
    """Train (or fine-tune) the user's model itself, all softmax; writes
    <out>/state_dict.pt, a plain state_dict as a user would have."""
    spec = model_spec(args)
    data, info, mix, err = _setup(args, spec)
    recipe = {"script": "mpcvit.byo train", "argv": args.argv, "epochs": args.epochs,
              "lr": args.lr, "batch_size": args.batch_size}
    ck = engine.fit(mix, args, data, recipe, engine.make_loss(args),
                    meta=_meta(spec, info, err))
    path = os.path.join(args.out, "state_dict.pt")
    torch.save(mix.user_state_dict(), path)
    print(f"done: test top-1 {ck['test_top1']:.2f}% -> {path}", flush=True)


def cmd_search(args):
    mus = _mus(args.mus)
    spec = model_spec(args)
    if not spec["checkpoint"]:
        print("warning: no --checkpoint: searching from random weights", file=sys.stderr)
    data, info, mix, err = _setup(args, spec)
    mix.set_all("relu_softmax").enable_search(args.alpha_init)
    kc = model_costs(mix, args.cost_source)
    c, groups = search.prepare(mix, kc, args)
    recipe = {"script": "mpcvit.byo search", "argv": args.argv, "epochs": args.epochs,
              "lr": args.lr, "alpha_lr": args.alpha_lr, "lam_per_ms": args.lam,
              "alpha_init": args.alpha_init, "profile": args.profile,
              "batch_size": args.batch_size, "head_costs": kc["heads"],
              "cost_source": kc["source"]}
    ck = engine.fit(mix, args, data, recipe,
                    engine.make_loss(args, extra=search.penalty_fn(mix, args.lam, kc,
                                                                   args.profile)),
                    param_groups=groups, post_step=search.clamp_alpha,
                    meta=_meta(spec, info, err))
    search.save_results(mix, mus, kc, args, c, ck,
                        {"head_costs": kc, "model": mix.model_info()})


def load_byo_checkpoint(path):
    """A checkpoint of this module -> (MixModel with its weights, byo meta, ckpt)."""
    try:
        ck = engine.load_checkpoint(path)
    except engine.CheckpointError as e:
        raise ByoError(str(e)) from e
    byo = ck.get("meta", {}).get("byo")
    if not byo or byo.get("format") != FORMAT:
        raise ByoError(f"{path}: not a checkpoint of mpcvit.byo (use mpcvit.retrain/export "
                       f"for ViT-Lite checkpoints of mpcvit.train/search)")
    # the weights are this checkpoint's: the user's file is not needed again
    mix, _ = mix_from_spec(dict(byo["model"], checkpoint=None), tuple(byo["data"]["shape"]))
    if any(k.endswith(".alpha") for k in ck["model"]):
        mix.enable_search()
    if any(k.endswith(".beta") for k in ck["model"]):
        mix.enable_beta_search()
    state = dict(ck["model"])
    for k, v in mix.state_dict().items():  # GeLU masks: arch.json has them anyway
        if k.endswith(".beta_mask"):
            state.setdefault(k, v)
    mix.load_state_dict(state)
    mix.disable_search().disable_beta_search()
    mix.apply_arch(ck["arch"])
    return mix, byo, ck


def cmd_retrain(args):
    if not 0 <= args.gelu_ratio <= 1:
        raise ByoError(f"--gelu-ratio must be in [0, 1], got {args.gelu_ratio}")
    mix, byo, ck = load_byo_checkpoint(args.init)
    spec = dict(byo["model"])
    if args.teacher:
        spec["checkpoint"] = os.path.abspath(args.teacher)
    engine.setup_torch(args.threads, args.seed)
    data, info = load_data(args.data or _data_spec(byo), args.limit_train, args.limit_test)
    check_fit(mix, info, spec)
    try:
        arch = arch_mod.load(args.arch, mix.model_info())
        mix.apply_arch(arch)
    except (arch_mod.ArchError, AdapterError) as e:
        raise ByoError(str(e)) from e
    teacher = None
    if not args.no_teacher:
        if not spec.get("checkpoint"):
            raise ByoError("no teacher: the search had no --checkpoint; give --teacher FILE "
                           "or --no-teacher")
        teacher, _ = mix_from_spec(spec, mix.input_shape)
        teacher.eval()
    kd = None if teacher is None else {"T": args.kd_temp, "w_kd": args.kd_weight,
                                       "w_tok": args.tok_weight}
    os.makedirs(args.out, exist_ok=True)
    meta = _meta(spec, info, byo.get("adapter_max_err"),
                 ck["elapsed_s"] + ck.get("meta", {}).get("upstream_s", 0.0))
    meta["byo"]["model"] = byo["model"]  # the model's own recipe (weights: this checkpoint)
    if args.linear_gelu:
        meta["upstream_s"] += beta_search(mix, args, data, teacher, kd, meta)
    arch_mod.save(mix.arch(), os.path.join(args.out, "arch.json"))
    recipe = {"script": "mpcvit.byo retrain", "argv": args.argv, "arch": args.arch,
              "init": args.init, "teacher": spec.get("checkpoint"), "kd": kd,
              "epochs": args.epochs, "lr": args.lr, "batch_size": args.batch_size,
              "linear_gelu": args.linear_gelu,
              "gelu_ratio": args.gelu_ratio if args.linear_gelu else None}
    out = engine.fit(mix, args, data, recipe, engine.make_loss(args, teacher), meta=meta)
    print(f"done: test top-1 {out['test_top1']:.2f}% -> {args.out}/checkpoint.pt", flush=True)


def beta_search(mix, args, data, teacher, kd, meta):
    """MPCViT+ (retrain.beta_search, as mpcvit.retrain --linear-gelu) with the
    token-branch costs from the compiler's report of this model. Writes
    <out>/beta_search.pt and <out>/beta.json; returns the seconds it trained."""
    try:
        mix.mlps()  # AdapterError when the MLPs are not recognised
        kc = model_costs(mix, args.cost_source, tokens=True)
    except AdapterError as e:
        raise ByoError(f"--linear-gelu: {e}") from e
    return retrain.beta_search(mix, args, data, teacher, kd, kc, meta, "mpcvit.byo retrain",
                               args.argv)["elapsed_s"]


def cmd_export(args):
    torch.set_num_threads(args.threads)
    mix, byo, ck = load_byo_checkpoint(args.ckpt)
    mix.eval()
    arch = mix.arch()
    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "model.onnx")
    pre = byo["data"].get("preprocess")
    shape = export_template(mix, onnx_path, pre, args.opset)
    arch_mod.save(arch, os.path.join(args.out, "arch.json"))
    torch.save(mix.user_state_dict(), os.path.join(args.out, "weights.pt"))
    from .export import METRICS_FORMAT, summarise_arch
    metrics = {"format": METRICS_FORMAT, "name": args.name or os.path.basename(
        os.path.normpath(args.out)), "config": "byo:" + byo["model"]["kind"],
        "model": byo["model"], "dataset": byo["data"]["data"]}
    if not args.no_eval:
        data, info = load_data(args.data or _data_spec(byo), None, args.limit_test)
        x_te, y_te = data[2], data[3]
        top1, loss = engine.evaluate(mix, x_te, y_te)
        metrics.update(test_top1=round(top1, 2), test_loss=round(loss, 4),
                       test_images=int(x_te.shape[0]), evaluated_with="PyTorch, arch.json applied")
        k = min(args.samples, x_te.shape[0])
        with torch.no_grad():
            logits = mix(x_te[:k])
        np.save(os.path.join(args.out, "sample_input.npy"), x_te[:k].numpy())
        np.save(os.path.join(args.out, "sample_logits.npy"), logits.numpy())
        np.save(os.path.join(args.out, "sample_labels.npy"), y_te[:k].numpy())
    upstream = ck.get("meta", {}).get("upstream_s", 0.0)
    metrics.update(
        arch=summarise_arch(arch), model_info=mix.model_info(),
        params=sum(p.numel() for p in mix.user_state_dict().values()),
        adapter=mix.adapter.name, adapter_max_err=byo.get("adapter_max_err"),
        train_seconds=round(ck["elapsed_s"], 1), train_seconds_total=round(ck["elapsed_s"]
                                                                           + upstream, 1),
        epochs=round(ck.get("epoch", 0.0), 3), finished=bool(ck.get("done")),
        recipe=ck.get("recipe"), seed=ck.get("seed"), history=ck.get("history"),
        onnx={"file": "model.onnx", "opset": args.opset, "input": "input",
              "input_shape": list(shape), "output": "output",
              "graph": "the user's model: softmax heads; apply arch.json with the compiler",
              "preprocess": pre},
        weights={"file": "weights.pt", "what": "the retrained weights under the user's "
                 "parameter names (load_state_dict into the original model)"},
        hardware="torch " + torch.__version__,
        exported=datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"))
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)
        f.write("\n")
    top = metrics.get("test_top1")
    print(f"exported {args.out}: model.onnx ({os.path.getsize(onnx_path)} bytes), arch.json, "
          f"metrics.json, weights.pt" + (f"; test top-1 {top:.2f}%" if top is not None else ""),
          flush=True)


def _data_spec(byo):
    d = byo["data"]
    return d["root"] if d["data"] == "fashion-mnist" else f"{d['data']}:{d['root']}"


def private_check(export_dir, out_dir=None, atol=1e-2, profile="wan", build_dir=None,
                  program=None):
    """Compile <export_dir>/model.onnx with its arch.json (or take the
    executable ``program`` compiled from them) and run the 2PC program
    locally on sample_input.npy; returns a dict with the logits, PyTorch's,
    the max error, the top-1 agreement and the cost."""
    import mpcvit
    if program:
        prog = mpcvit.load(program, build_dir=build_dir)
    else:
        prog = mpcvit.compile(os.path.join(export_dir, "model.onnx"),
                              arch=os.path.join(export_dir, "arch.json"),
                              out_dir=out_dir or os.path.join(export_dir, "private"),
                              build_dir=build_dir)
    x = np.load(os.path.join(export_dir, "sample_input.npy"))
    ref = np.load(os.path.join(export_dir, "sample_logits.npy"))
    logits, rep = prog.run_local(x, report=True)
    err = float(np.abs(logits - ref).max())
    agree = int((logits.argmax(1) == ref.argmax(1)).sum())
    cost = prog.cost(profile)
    return {"program": prog.executable, "logits": logits, "pytorch": ref, "max_abs_err": err,
            "top1_agree": agree, "images": int(len(x)), "ok": err <= atol and agree == len(x),
            "report": rep, "cost": cost}


def cmd_private(args):
    r = private_check(args.export, args.out, args.atol, args.profile, program=args.program)
    c = r["cost"]
    print(f"private: {r['images']} images, max |2PC - PyTorch| = {r['max_abs_err']:.2e}, "
          f"top-1 agrees on {r['top1_agree']}/{r['images']}; measured "
          f"{r['report']['online_s']:.3f} s online per image (loopback), "
          f"{r['report']['online_rounds']} rounds; predicted under {args.profile}: "
          f"{c['latency_s']:.2f} s, {c['online_bytes_sent_per_party']} bytes per party",
          flush=True)
    if not r["ok"]:
        raise SystemExit(f"error: the private logits differ from PyTorch's by "
                         f"{r['max_abs_err']:.3g} (> {args.atol}) or the top-1 differs")


def _mus(text):
    try:
        return search.parse_mus(text)
    except ValueError as e:
        raise ByoError(str(e)) from None


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    p = argparse.ArgumentParser(prog="python3 -m mpcvit.byo", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    t = sub.add_parser("train", help="train the user's model (all softmax): the teacher")
    _common(t, 1, 1e-3)
    _model_args(t)

    s = sub.add_parser("search", help="per-head α search on the user's model")
    _common(s, 1, 5e-4)
    _model_args(s)
    search.add_search_args(s)

    r = sub.add_parser("retrain", help="frozen head mask + KD from the user's model")
    _common(r, 1, 5e-4)
    engine.add_kd_args(r)
    r.add_argument("--init", required=True, help="checkpoint.pt of byo search (or train)")
    r.add_argument("--arch", required=True, help="arch.json with the head mask")
    r.add_argument("--no-teacher", action="store_true", help="no distillation")
    retrain.add_beta_args(r, cost_sources=("auto", "compiler"))

    e = sub.add_parser("export", help="model.onnx + arch.json + metrics.json + weights.pt")
    e.add_argument("--ckpt", required=True)
    e.add_argument("--out", required=True)
    e.add_argument("--name")
    e.add_argument("--data", default=None, help="default: the data set of the checkpoint")
    e.add_argument("--opset", type=int, default=17)
    e.add_argument("--limit-test", type=int, default=None)
    e.add_argument("--samples", type=int, default=4, help="sample images saved (default 4)")
    e.add_argument("--no-eval", action="store_true")
    e.add_argument("--threads", type=int, default=2)

    v = sub.add_parser("private", help="compile the export and run it privately on its samples")
    v.add_argument("--export", required=True, help="directory written by byo export")
    v.add_argument("--out", default=None, help="program directory (default EXPORT/private)")
    v.add_argument("--program", default=None,
                   help="an executable already compiled from EXPORT (default: compile it)")
    v.add_argument("--atol", type=float, default=1e-2)
    v.add_argument("--profile", default="wan", choices=sorted(costs.PROFILES))

    args = p.parse_args(argv)
    args.argv = argv
    try:
        {"train": cmd_train, "search": cmd_search, "retrain": cmd_retrain,
         "export": cmd_export, "private": cmd_private}[args.cmd](args)
    except (ByoError, AdapterError) as e:
        raise SystemExit(f"error: {e}")


if __name__ == "__main__":
    main()
