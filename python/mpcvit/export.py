"""Export a trained checkpoint: model.onnx + arch.json + metrics.json (DESIGN.md §7).

    /usr/bin/python3 -m mpcvit.export --ckpt runs/teacher/checkpoint.pt \\
        --out models/fmnist/teacher

The ONNX graph (opset 17, static shapes, input ``input`` [1, C, H, W] float32,
output ``output`` [1, classes]) is the *template* network: every head
Softmax, every MLP exact (erf) GeLU, with the trained weights. The NAS result
is arch.json, which the compiler applies (``--mpcvit-replace-softmax``,
``--mpcvit-linearize-gelu``; DESIGN.md §1); ONNX itself would not carry a
per-head kind. The plaintext top-1 in metrics.json is that of the model with
arch.json applied (what the compiled program computes), measured with PyTorch
on the full test set. ``sample_input.npy`` / ``sample_logits.npy`` are the
first test image and the arch-applied PyTorch logits for it.
"""

import argparse
import datetime
import json
import os
import sys

import numpy as np
import torch

from . import arch as arch_mod
from . import engine
from . import data as data_mod
from .model import count_params

MAX_BYTES = 5 * 1024 * 1024
METRICS_FORMAT = "mpcvit.metrics.v1"


def export_onnx(model, path, opset=17):
    """Write the template graph of ``model`` to ``path``; returns the input shape."""
    import onnx
    cfg = model.cfg
    shape = (1, cfg["chans"], cfg["img"], cfg["img"])
    tmpl = model.template().eval()
    x = torch.zeros(shape)
    torch.onnx.export(tmpl, (x,), path, opset_version=opset, input_names=["input"],
                      output_names=["output"], do_constant_folding=True)
    m = onnx.load(path)
    # The raw-image normalisation, for the compiler (mpcvit-compile records
    # it in the program, whose client then accepts uint8 images).
    keep = [e for e in m.metadata_props if e.key != "mpcvit.preprocess"]
    del m.metadata_props[:]
    m.metadata_props.extend(keep)
    m.metadata_props.add(key="mpcvit.preprocess", value=json.dumps(preprocess_spec(cfg)))
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return shape


def preprocess_spec(cfg):
    """The normalisation the models are trained with (data.normalize): NCHW,
    x = (u / 255 - MEAN) / STD, the same mean and std for every channel."""
    c = cfg["chans"]
    return {"layout": "NCHW", "scale": 1.0 / 255.0,
            "mean": [data_mod.MEAN] * c, "std": [data_mod.STD] * c}


def summarise_arch(arch):
    heads = [k for layer in arch["layers"] for k in layer["heads"]]
    counts = {k: heads.count(k) for k in sorted(set(heads))}
    gelu = [layer["gelu"]["kind"] for layer in arch["layers"]]
    kept = [t for layer in arch["layers"] if layer["gelu"]["kind"] == "linearize"
            for t in layer["gelu"]["tokens"]]
    out = {"head_kinds": counts, "relu_softmax_ratio": counts.get("relu_softmax", 0) / len(heads),
           "gelu_kinds": {k: gelu.count(k) for k in sorted(set(gelu))}}
    if kept:
        out["gelu_tokens_kept"] = sum(kept) / len(kept)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m mpcvit.export", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ckpt", required=True, help="checkpoint.pt from train/search/retrain")
    p.add_argument("--out", required=True, help="output directory (created)")
    p.add_argument("--name", help="model name in metrics.json (default: basename of --out)")
    p.add_argument("--data", default=data_mod.DEFAULT_ROOT, help="Fashion-MNIST IDX directory")
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--limit-test", type=int, default=None,
                   help="evaluate on the first N test images only (tests; not for committed models)")
    p.add_argument("--no-eval", action="store_true", help="skip the test-set evaluation")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--note", default="", help="free text stored in metrics.json")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)

    try:
        ck = engine.load_checkpoint(args.ckpt)
    except engine.CheckpointError as e:
        raise SystemExit(f"error: {e}")
    model = engine.model_from_checkpoint(ck, search_params=False).eval()
    arch = model.arch()
    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "model.onnx")
    shape = export_onnx(model, onnx_path, args.opset)
    arch_mod.save(arch, os.path.join(args.out, "arch.json"))

    metrics = {"format": METRICS_FORMAT, "name": args.name or os.path.basename(
        os.path.normpath(args.out)), "config": ck["config"], "dataset": "fashion-mnist"}
    if ck["config"] == "fmnist-tiny" and not args.no_eval:
        try:
            x_te, y_te = data_mod.load_split("test", args.data)
        except data_mod.IdxError as e:
            raise SystemExit(f"error: {e}")
        if args.limit_test:
            x_te, y_te = x_te[:args.limit_test], y_te[:args.limit_test]
        x_te, y_te = data_mod.to_tensor(x_te), torch.from_numpy(y_te)
        top1, loss = engine.evaluate(model, x_te, y_te)
        metrics.update(test_top1=round(top1, 2), test_loss=round(loss, 4),
                       test_images=int(x_te.shape[0]), evaluated_with="PyTorch, arch.json applied")
        with torch.no_grad():
            logits = model(x_te[:1])
        np.save(os.path.join(args.out, "sample_input.npy"), x_te[:1].numpy())
        np.save(os.path.join(args.out, "sample_logits.npy"), logits.numpy())
    upstream = ck.get("meta", {}).get("upstream_s", 0.0)
    metrics.update(
        arch=summarise_arch(arch), params=count_params(model),
        train_seconds=round(ck["elapsed_s"], 1),
        train_seconds_total=round(ck["elapsed_s"] + upstream, 1),
        epochs=round(ck.get("epoch", 0.0), 3), finished=bool(ck.get("done")),
        recipe=ck.get("recipe"), seed=ck.get("seed"), history=ck.get("history"),
        onnx={"file": "model.onnx", "opset": args.opset, "input": "input",
              "input_shape": list(shape), "output": "output",
              "graph": "template: softmax heads + erf GeLU; apply arch.json with the compiler",
              "normalisation": {"mean": data_mod.MEAN, "std": data_mod.STD}},
        hardware="2 CPU cores shared with other jobs (nice 19), torch " + torch.__version__,
        exported=datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
        note=args.note)
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)
        f.write("\n")
    size = os.path.getsize(onnx_path)
    if size > MAX_BYTES:
        raise SystemExit(f"error: {onnx_path} is {size} bytes, over the 5 MB limit")
    top = metrics.get("test_top1")
    print(f"exported {args.out}: model.onnx ({size} bytes), arch.json, metrics.json"
          + (f"; test top-1 {top:.2f}%" if top is not None else ""), flush=True)


if __name__ == "__main__":
    main()
