"""Retrain a searched architecture with its mask frozen, with distillation.

MPCViT §3.4: after the search the attention mask (arch.json) is fixed and the
network is retrained with knowledge distillation from the Softmax teacher:
CE + logit KD at T = 1 + token-wise MSE on the final tokens (engine.kd_loss).

MPCViT+ (``--linear-gelu``, §3.4 "MPCViT+"): first a β search: every token t
of every layer l mixes the two MLP branches

    β_lt · fc2(GeLU(fc1(x_t))) + (1 − β_lt) · ReLU(fc2(fc1(x_t))),  β ∈ [0, 1]

under CE + KD + λ_β · Σ β · (cost(GeLU token) − cost(linear token)) for
``--beta-epochs``; then the global top-k keeps GeLU on the round(ν·L·N)
tokens with the largest β (ν = ``--gelu-ratio``), the others are linearized,
and the KD retraining runs with both masks frozen.

    /usr/bin/python3 -m mpcvit.retrain --arch runs/search/arch_mu0.5.json \\
        --init runs/search/checkpoint.pt --teacher runs/teacher/checkpoint.pt \\
        --out runs/mpcvit_mu0.5 --epochs 4

Writes <out>/checkpoint.pt (resumable), <out>/arch.json (the final arch), and
with --linear-gelu also <out>/beta_search.pt and <out>/beta.json.
"""

import argparse
import copy
import json
import os
import sys

import torch

from . import arch as arch_mod
from . import costs, engine
from .model import ViTLite


def linearize_arch(model, ratio):
    """β per (layer, token) -> per-layer {"kind": "linearize", "tokens": mask}."""
    betas = [b.beta.detach().tolist() for b in model.blocks]
    mask = arch_mod.topk_mask(betas, ratio)
    return [{"kind": "linearize", "tokens": row} for row in mask]


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m mpcvit.retrain", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    engine.add_common_args(p, epochs=4, lr=5e-4)
    engine.add_kd_args(p)
    p.add_argument("--arch", required=True, help="arch.json with the frozen head mask")
    p.add_argument("--init", help="checkpoint with the starting weights (search supernet "
                                  "or teacher); default: random initialisation")
    p.add_argument("--linear-gelu", action="store_true",
                   help="MPCViT+: search a token-wise GeLU mask β, then linearize")
    p.add_argument("--gelu-ratio", type=float, default=0.5,
                   help="fraction of (layer, token) pairs that keep GeLU (default 0.5)")
    p.add_argument("--beta-epochs", type=float, default=1.0, help="epochs of β search")
    p.add_argument("--beta-lam", type=float, default=2e-2, help="λ_β per ms")
    p.add_argument("--beta-lr", type=float, default=1e-2, help="AdamW lr of β")
    p.add_argument("--profile", default="wan", choices=sorted(costs.PROFILES))
    p.add_argument("--cost-source", default="auto", choices=["auto", "table", "compiler"])
    args = p.parse_args(argv)
    if not 0 <= args.gelu_ratio <= 1:
        raise SystemExit(f"error: --gelu-ratio must be in [0, 1], got {args.gelu_ratio}")

    engine.setup_torch(args.threads, args.seed)
    model = ViTLite(args.config)
    try:
        arch = arch_mod.load(args.arch, model.model_info())
    except arch_mod.ArchError as e:
        raise SystemExit(f"error: {e}")
    data = engine.load_data(args)
    upstream = engine.init_weights(model, args.init) if args.init else 0.0
    model.apply_arch(arch)
    teacher = engine.load_model(args.teacher).eval() if args.teacher else None
    kd = None if teacher is None else {"T": args.kd_temp, "w_kd": args.kd_weight,
                                       "w_tok": args.tok_weight}
    argv_rec = sys.argv[1:] if argv is None else list(argv)
    os.makedirs(args.out, exist_ok=True)

    beta_info = None
    if args.linear_gelu:
        for blk in model.blocks:
            blk.set_gelu("gelu")
            blk.enable_beta_search(0.5)
        tc = costs.token_costs(args.config, args.profile, args.cost_source)
        delta = tc["gelu"] - tc["linear"]

        def beta_penalty(m):
            total = torch.stack([b.sum() for b in m.betas()]).sum()
            return args.beta_lam * delta * total, {"beta_mean": float(total) / (
                len(m.betas()) * m.num_tokens)}

        def clamp_beta(m):
            with torch.no_grad():
                for b in m.betas():
                    b.clamp_(0.0, 1.0)

        beta_ids = {id(b) for b in model.betas()}
        groups = [{"params": [q for q in model.parameters() if id(q) not in beta_ids]},
                  {"params": model.betas(), "lr": args.beta_lr, "weight_decay": 0.0}]
        bargs = copy.copy(args)
        bargs.epochs = args.beta_epochs
        recipe = {"script": "mpcvit.retrain (beta search)", "argv": argv_rec,
                  "epochs": args.beta_epochs, "lr": args.lr, "beta_lr": args.beta_lr,
                  "beta_lam_per_ms": args.beta_lam, "token_cost_ms": tc, "kd": kd}
        bck = engine.fit(model, bargs, data, recipe,
                         engine.make_loss(args, teacher, extra=beta_penalty),
                         param_groups=groups, post_step=clamp_beta,
                         meta={"upstream_s": upstream}, ckpt_name="beta_search.pt")
        upstream += bck["elapsed_s"]
        gelu = linearize_arch(model, args.gelu_ratio)
        betas = [b.beta.detach().tolist() for b in model.blocks]
        for blk, g in zip(model.blocks, gelu):
            blk.disable_beta_search()
            blk.set_gelu("linearize", g["tokens"])
        beta_info = {"betas": betas, "gelu_ratio": args.gelu_ratio,
                     "token_cost_ms": tc, "test_top1_beta_supernet": bck["test_top1"],
                     "elapsed_s": bck["elapsed_s"]}
        with open(os.path.join(args.out, "beta.json"), "w") as f:
            json.dump(beta_info, f, indent=1)

    arch_mod.save(model.arch(), os.path.join(args.out, "arch.json"))
    recipe = {"script": "mpcvit.retrain", "argv": argv_rec, "arch": args.arch,
              "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
              "wd": args.wd, "label_smoothing": args.label_smoothing, "init": args.init,
              "teacher": args.teacher, "kd": kd, "linear_gelu": args.linear_gelu,
              "gelu_ratio": args.gelu_ratio if args.linear_gelu else None,
              "beta_epochs": args.beta_epochs if args.linear_gelu else None}
    ck = engine.fit(model, args, data, recipe, engine.make_loss(args, teacher),
                    meta={"upstream_s": upstream})
    print(f"done: test top-1 {ck['test_top1']:.2f}% after {ck['elapsed_s']:.0f} s "
          f"-> {args.out}/checkpoint.pt", flush=True)


if __name__ == "__main__":
    main()
