"""MPCViT heterogeneous attention search (Zeng et al., ICCV 2023, §3.3).

Every head h of every layer l computes

    A_lh = α_lh · RSAttn(a) + (1 − α_lh) · ScaleAttn(a),   α_lh ∈ [0, 1]   (Eq. 5)

and the α are trained jointly with the weights (α clamped to [0, 1] after
each step) under

    L = CE(f(x), y) + λ · Σ_lh α_lh · (cost(RS) − cost(Scale))             (Eq. 6)

with the per-head costs (ms under a network profile) from
``mpcvit.costs.head_costs`` (the compiler's cost report once it exists,
else the table measured by the runtime benchmark). Afterwards the α are
discretised by a global top-k over all heads: the round(μ·L·H) heads with
the largest α keep RSAttn, the others become ScaleAttn.

    /usr/bin/python3 -m mpcvit.search --init runs/teacher/checkpoint.pt \\
        --out runs/search --epochs 3 --mus 0.1,0.3,0.5,0.7

Writes <out>/checkpoint.pt (supernet weights + α, resumable),
<out>/alpha.json (α, costs, λ) and <out>/arch_mu<μ>.json for every μ.
"""

import argparse
import json
import os
import sys

import torch

from . import arch as arch_mod
from . import costs, engine
from .model import ViTLite


def discretise(model, mu):
    """The supernet's α -> arch.json dict with ReLU-Softmax ratio μ."""
    alphas = [b.self_attn.alpha.detach().tolist() for b in model.blocks]
    heads = arch_mod.discretise_heads(alphas, mu)
    gelu = [{"kind": b.gelu_kind} for b in model.blocks]
    return arch_mod.make(model.model_info(), heads, gelu)


def penalty_fn(model, lam, delta_ms):
    """λ · Σ α · Δcost as (term, logs) for engine.make_loss."""
    def extra(m):
        total = torch.stack([a.sum() for a in m.alphas()]).sum()
        return lam * delta_ms * total, {"alpha_mean": float(total) / (
            len(m.alphas()) * m.cfg["heads"])}
    return extra


def clamp_alpha(model):
    with torch.no_grad():
        for a in model.alphas():
            a.clamp_(0.0, 1.0)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m mpcvit.search", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    engine.add_common_args(p, epochs=3, lr=5e-4)
    p.add_argument("--init", help="checkpoint to start the weights from (the Softmax teacher)")
    p.add_argument("--lam", type=float, default=2e-3,
                   help="λ of the latency penalty, per ms (default: %(default)s)")
    p.add_argument("--alpha-lr", type=float, default=5e-3, help="AdamW lr of α (no decay)")
    p.add_argument("--alpha-init", type=float, default=0.5, help="initial α of every head")
    p.add_argument("--mus", default="0.1,0.3,0.5,0.7",
                   help="comma-separated ReLU-Softmax ratios to discretise to")
    p.add_argument("--profile", default="wan", choices=sorted(costs.PROFILES))
    p.add_argument("--cost-source", default="auto", choices=["auto", "table", "compiler"],
                   help="per-head costs: compiler cost report, measured table, or auto")
    p.add_argument("--gelu", default="gelu", choices=["gelu", "quad"],
                   help="GeLU kind during the search (default: gelu)")
    args = p.parse_args(argv)
    try:
        mus = [float(m) for m in args.mus.split(",")]
    except ValueError:
        raise SystemExit(f"error: --mus {args.mus!r} is not a comma-separated list of numbers")
    if any(not 0 <= m <= 1 for m in mus):
        raise SystemExit(f"error: every μ must be in [0, 1], got {mus}")

    engine.setup_torch(args.threads, args.seed)
    data = engine.load_data(args)
    model = ViTLite(args.config).set_all("relu_softmax", args.gelu)
    upstream = engine.init_weights(model, args.init) if args.init else 0.0
    for blk in model.blocks:
        blk.self_attn.enable_search(args.alpha_init)

    try:
        hc = costs.head_costs(args.config, args.profile, args.cost_source)
    except costs.CostSourceError as e:
        raise SystemExit(f"error: {e}")
    delta = hc["relu_softmax"] - hc["scale"]
    alpha_ids = {id(a) for a in model.alphas()}
    groups = [{"params": [q for q in model.parameters() if id(q) not in alpha_ids]},
              {"params": model.alphas(), "lr": args.alpha_lr, "weight_decay": 0.0}]
    # LambdaLR scales every group's lr; α keeps its own base lr.
    recipe = {"script": "mpcvit.search", "argv": sys.argv[1:] if argv is None else list(argv),
              "epochs": args.epochs, "lr": args.lr, "alpha_lr": args.alpha_lr,
              "lam_per_ms": args.lam, "alpha_init": args.alpha_init, "init": args.init,
              "profile": args.profile, "head_cost_ms": hc, "batch_size": args.batch_size}
    ck = engine.fit(model, args, data, recipe,
                    engine.make_loss(args, extra=penalty_fn(model, args.lam, delta)),
                    param_groups=groups, post_step=clamp_alpha,
                    meta={"upstream_s": upstream})
    alphas = [b.self_attn.alpha.detach().tolist() for b in model.blocks]
    summary = {"alphas": alphas, "lam_per_ms": args.lam, "profile": args.profile,
               "costs": costs.describe(args.config, args.profile, args.cost_source),
               "test_top1_supernet": ck["test_top1"], "elapsed_s": ck["elapsed_s"]}
    with open(os.path.join(args.out, "alpha.json"), "w") as f:
        json.dump(summary, f, indent=1)
    for mu in mus:
        path = os.path.join(args.out, f"arch_mu{mu:g}.json")
        arch_mod.save(discretise(model, mu), path)
        print(f"μ = {mu:g}: {path}", flush=True)
    print("α per layer:", json.dumps([[round(a, 3) for a in row] for row in alphas]), flush=True)


if __name__ == "__main__":
    main()
