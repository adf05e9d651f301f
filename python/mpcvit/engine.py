"""Shared training machinery: threads, data, checkpoints, the loop, KD, CLI args.

Checkpoints (``<out>/checkpoint.pt``, written atomically at every epoch end)
hold the config, the arch, the model state (α/β included in search mode), the
optimizer and schedule state, the epoch, the accumulated training seconds, the
recipe and the per-epoch history. A run started again with the same ``--out``
resumes at the last finished epoch (the batch order of epoch e depends only on
(seed, e), so a resumed run sees the same batches).

Distillation (MPCFormer §3.3; MPCViT §3.4 "KD"): the student learns from the
Softmax teacher with the loss

    CE(s, y) + w_kd · T² · KL(softmax(t/T) ‖ softmax(s/T)) + w_tok · MSE(h_s, h_t)

with T = 1 and h the final tokens [B, N, D] after the last LayerNorm.
"""

import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

from . import data as data_mod
from .model import ViTLite


class CheckpointError(RuntimeError):
    """A missing or unusable checkpoint."""


def setup_torch(threads=2, seed=0):
    torch.set_num_threads(threads)
    torch.manual_seed(seed)


def add_common_args(p, epochs, lr, out_default=None, data_default=data_mod.DEFAULT_ROOT,
                    data_help=None, config_help=None):
    """The options every training command takes; ``data_default`` /
    ``data_help`` / ``config_help`` replace those of --data and --config."""
    p.add_argument("--config", default="fmnist-tiny",
                   choices=["fmnist-tiny", "vit_7_4_32", "vit_9_12_64"],
                   help=config_help or "model configuration (only fmnist-tiny has a data set "
                                       "here)")
    p.add_argument("--data", default=data_default,
                   help=data_help or "directory with the Fashion-MNIST IDX .gz files "
                                     "(default: %(default)s)")
    p.add_argument("--out", required=out_default is None, default=out_default,
                   help="run directory: checkpoint.pt, log.jsonl (resumed if present)")
    p.add_argument("--epochs", type=float, default=epochs,
                   help="training epochs (default: %(default)s)")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=lr, help="peak AdamW learning rate")
    p.add_argument("--wd", type=float, default=0.05, help="AdamW weight decay")
    p.add_argument("--warmup", type=float, default=0.5, help="linear warm-up epochs")
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--no-augment", action="store_true", help="no random shift/flip")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    p.add_argument("--no-resume", action="store_true",
                   help="start over even if <out>/checkpoint.pt exists")
    p.add_argument("--max-steps", type=int, default=None,
                   help="stop after this many optimizer steps (smoke tests)")
    p.add_argument("--limit-train", type=int, default=None,
                   help="use only the first N training images (smoke tests)")
    p.add_argument("--limit-test", type=int, default=None,
                   help="evaluate on the first N test images only (smoke tests)")
    return p


def add_kd_args(p):
    p.add_argument("--teacher", help="Softmax teacher checkpoint for distillation")
    p.add_argument("--kd-temp", type=float, default=1.0, help="KD temperature T")
    p.add_argument("--kd-weight", type=float, default=1.0, help="weight of the logit KD term")
    p.add_argument("--tok-weight", type=float, default=1.0,
                   help="weight of the token-wise MSE on the final tokens")
    return p


def search_groups(model, params, lr):
    """AdamW parameter groups: ``model``'s other parameters, and ``params``
    (the α or β of a search) with their own ``lr`` and no weight decay (the
    LambdaLR schedule scales every group's lr; each keeps its own base)."""
    ids = {id(q) for q in params}
    return [{"params": [q for q in model.parameters() if id(q) not in ids]},
            {"params": list(params), "lr": lr, "weight_decay": 0.0}]


def load_data(args):
    if args.config != "fmnist-tiny":
        raise SystemExit(f"error: config {args.config} has no data set on this machine; "
                         f"only fmnist-tiny trains here (the others are for export/shape tests)")
    try:
        return data_mod.fashion_mnist(args.data, args.limit_train, args.limit_test)
    except data_mod.IdxError as e:
        raise SystemExit(f"error: {e}")


def load_checkpoint(path):
    if not path or not os.path.isfile(path):
        raise CheckpointError(f"checkpoint {path!r} not found (train it first, "
                              f"e.g. python3 -m mpcvit.train --out DIR)")
    try:
        ckpt = torch.load(path, map_location="cpu")
    except Exception as e:  # noqa: BLE001 - torch raises many kinds
        raise CheckpointError(f"{path}: not a readable checkpoint: {e}") from e
    for key in ("config", "arch", "model"):
        if key not in ckpt:
            raise CheckpointError(f"{path}: not an mpcvit checkpoint (no {key!r})")
    return ckpt


def model_from_checkpoint(ckpt, search_params=True):
    """Rebuild the model (arch applied, α/β restored when present)."""
    model = ViTLite(ckpt["config"]).apply_arch(ckpt["arch"])
    state = ckpt["model"]
    for i, blk in enumerate(model.blocks):
        if f"blocks.{i}.self_attn.alpha" in state:
            blk.self_attn.enable_search()
        if f"blocks.{i}.beta" in state:
            blk.enable_beta_search()
    model.load_state_dict(state)
    if not search_params:
        for blk in model.blocks:
            blk.self_attn.disable_search()
            blk.disable_beta_search()
    return model


def load_model(path, search_params=False):
    try:
        return model_from_checkpoint(load_checkpoint(path), search_params)
    except CheckpointError as e:
        raise SystemExit(f"error: {e}")


@torch.no_grad()
def evaluate(model, x, y, batch_size=1000):
    """Top-1 accuracy (percent) and mean CE of ``model`` on (x, y)."""
    was = model.training
    model.eval()
    correct, loss = 0, 0.0
    for i in range(0, x.shape[0], batch_size):
        logits = model(x[i:i + batch_size])
        yb = y[i:i + batch_size]
        correct += int((logits.argmax(-1) == yb).sum())
        loss += float(F.cross_entropy(logits, yb, reduction="sum"))
    model.train(was)
    return 100.0 * correct / x.shape[0], loss / x.shape[0]


def kd_loss(s_logits, s_tokens, t_logits, t_tokens, temp=1.0):
    """(logit KD, token MSE); s/t logits [B, K], tokens [B, N, D]."""
    kl = F.kl_div(F.log_softmax(s_logits / temp, -1), F.softmax(t_logits / temp, -1),
                  reduction="batchmean") * temp * temp
    return kl, F.mse_loss(s_tokens, t_tokens)


def make_loss(args, teacher=None, extra=None):
    """loss_fn(model, x, y) -> (loss, logs). ``extra(model)`` -> (term, logs)."""
    def loss_fn(model, xb, yb):
        logits, tokens = model.forward_tokens(xb)
        loss = F.cross_entropy(logits, yb, label_smoothing=args.label_smoothing)
        logs = {"ce": float(loss)}
        if teacher is not None:
            with torch.no_grad():
                t_logits, t_tokens = teacher.forward_tokens(xb)
            kl, mse = kd_loss(logits, tokens, t_logits, t_tokens, args.kd_temp)
            loss = loss + args.kd_weight * kl + args.tok_weight * mse
            logs.update(kd=float(kl), tok=float(mse))
        if extra is not None:
            term, more = extra(model)
            loss = loss + term
            logs.update(more)
        return loss, logs
    return loss_fn


def _save_atomic(obj, path):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def fit(model, args, data, recipe, loss_fn, param_groups=None, post_step=None,
        meta=None, ckpt_name="checkpoint.pt"):
    """Train ``model`` for ``args.epochs`` epochs with AdamW + warm-up/cosine.

    Resumes from ``<args.out>/<ckpt_name>`` unless ``--no-resume``. Returns
    the final checkpoint dict (also on disk) with ``test_top1``.
    """
    from tqdm import tqdm
    x_tr, y_tr, x_te, y_te = data
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, ckpt_name)
    log_path = os.path.join(args.out, "log.jsonl")
    batches = data_mod.Batches(x_tr, y_tr, args.batch_size, shuffle=True,
                               augment=not args.no_augment, seed=args.seed, drop_last=True)
    steps_per_epoch = len(batches)
    epochs = args.epochs
    total_steps = max(1, int(math.ceil(epochs * steps_per_epoch)))
    if args.max_steps:
        total_steps = min(total_steps, args.max_steps)
    warm = max(1, int(args.warmup * steps_per_epoch))

    def lr_at(step):
        if step < warm:
            return (step + 1) / warm
        t = (step - warm) / max(1, total_steps - warm)
        return 0.5 * (1 + math.cos(math.pi * min(1.0, t)))

    groups = param_groups or [{"params": [p for p in model.parameters() if p.requires_grad]}]
    opt = torch.optim.AdamW(groups, lr=args.lr, weight_decay=args.wd)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    state = {"step": 0, "elapsed_s": 0.0, "history": []}
    if not args.no_resume and os.path.isfile(path):
        ck = load_checkpoint(path)
        if ck.get("config") != model.config:
            raise SystemExit(f"error: {path} is a {ck.get('config')} checkpoint, not {model.config}")
        model.load_state_dict(ck["model"])
        if ck.get("optimizer") is not None:
            opt.load_state_dict(ck["optimizer"])
            sched.load_state_dict(ck["scheduler"])
        state = {"step": ck["step"], "elapsed_s": ck["elapsed_s"], "history": ck["history"]}
        print(f"resumed {path} at step {state['step']} ({ck['elapsed_s']:.0f} s trained)",
              flush=True)

    def checkpoint(done):
        test_top1 = state["history"][-1]["test_top1"] if state["history"] else None
        ck = {"config": model.config, "arch": model.arch(), "model": model.state_dict(),
              "optimizer": None if done else opt.state_dict(),
              "scheduler": None if done else sched.state_dict(),
              "step": state["step"], "epoch": state["step"] / steps_per_epoch,
              "elapsed_s": state["elapsed_s"], "history": state["history"],
              "recipe": recipe, "done": done, "test_top1": test_top1,
              "seed": args.seed, "meta": meta or {}}
        _save_atomic(ck, path)
        return ck

    model.train()
    tty = sys.stderr.isatty()
    ck = None
    while state["step"] < total_steps:
        epoch = state["step"] // steps_per_epoch
        skip = state["step"] - epoch * steps_per_epoch
        stop_at = min(steps_per_epoch, total_steps - epoch * steps_per_epoch)
        t0 = time.time()
        bar = tqdm(total=stop_at, initial=skip, desc=f"epoch {epoch + 1}/{math.ceil(epochs)}",
                   mininterval=0.5 if tty else 60, disable=None if tty else False,
                   file=sys.stderr)
        run = {}
        for i, (xb, yb) in enumerate(batches.epoch(epoch)):
            if i < skip:
                continue
            if i >= stop_at:
                break
            loss, logs = loss_fn(model, xb, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            if post_step is not None:
                post_step(model)
            state["step"] += 1
            for k, v in logs.items():
                run[k] = 0.9 * run.get(k, v) + 0.1 * v
            bar.update(1)
            bar.set_postfix({k: f"{v:.3f}" for k, v in run.items()}, refresh=False)
        bar.close()
        state["elapsed_s"] += time.time() - t0
        top1, test_loss = evaluate(model, x_te, y_te)
        rec = {"epoch": state["step"] / steps_per_epoch, "step": state["step"],
               "elapsed_s": round(state["elapsed_s"], 1), "test_top1": top1,
               "test_loss": round(test_loss, 4), **{k: round(v, 4) for k, v in run.items()}}
        state["history"].append(rec)
        with open(log_path, "a") as f:
            f.write(json.dumps(rec) + "\n")
        print(json.dumps(rec), flush=True)
        ck = checkpoint(done=state["step"] >= total_steps)
    if ck is None:  # already finished before this call
        ck = load_checkpoint(path)
    return ck


def init_weights(model, path):
    """Load the weights of checkpoint ``path`` into ``model`` (search
    parameters excluded) and return the training seconds behind them
    (the checkpoint's own plus its upstream), for metrics.json.
    Exits with "error: ..." on a missing or malformed checkpoint."""
    try:
        ck = load_checkpoint(path)
    except CheckpointError as e:
        raise SystemExit(f"error: {e}")
    model.load_state_dict(model_from_checkpoint(ck, False).state_dict())
    return ck["elapsed_s"] + ck.get("meta", {}).get("upstream_s", 0.0)
