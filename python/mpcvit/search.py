"""MPCViT heterogeneous attention search (Zeng et al., ICCV 2023, §3.3).

Every head h of every layer l computes

    A_lh = α_lh · RSAttn(a) + (1 − α_lh) · ScaleAttn(a),   α_lh ∈ [0, 1]   (Eq. 5)

and the α are trained jointly with the weights (α clamped to [0, 1] after
each step) under CE + λ · (latency penalty), the latency being the critical
path of each layer, as the compiler schedules it (PROTOCOLS.md "Rounds of
independent ops"): the heads of one layer run in lock-step, so a layer pays
the rounds of its most expensive head kind once, and the bytes of all heads.

Relaxation (differentiable, exact in expectation). Read α_lh as the
probability that head h of layer l is RSAttn, independently of the others.
Then the expected bytes and the expected critical-path rounds of layer l are

    E[B_l] = Σ_h α_lh · b_RS + (1 − α_lh) · b_Scale
    E[R_l] = E[max_h r(kind_lh)] = r_Scale + (r_RS − r_Scale) · (1 − Π_h (1 − α_lh))

(more kinds, sorted by rounds r_(0) ≤ … ≤ r_(K−1): E[max] = r_(0) +
Σ_j (r_(j) − r_(j−1)) · P(some head has a kind of rank ≥ j), with
P(...) = 1 − Π_h P(rank_h < j); costs.expected_max_rounds), and the loss is

    L = CE(f(x), y) + λ · Σ_l latency_ms(E[B_l], E[R_l])

with latency_ms = rounds · RTT/2 + bytes · 8 / bandwidth under ``--profile``
(costs.latency_ms; b and r per head from the compiler's cost report of the
model being searched, ``--cost-source``). It is linear in bytes and rounds,
so the penalty is the latency of the expected cost; it replaces Eq. 6's
λ · Σ α · Δcost (which charged every head 1/H of the layer's rounds).
∂E[R_l]/∂α_lh = (r_RS − r_Scale) · Π_{h'≠h} (1 − α_lh'): the rounds push
hardest while a layer has no likely RSAttn head and vanish once one head
is surely RSAttn (its rounds are then paid anyway).

Discretisation (``--discretise``, default ``critical-path``): for a
ReLU-Softmax ratio μ, k = round(μ · L · H) heads keep RSAttn. critical-path:
choose m_l RSAttn heads per layer (Σ m_l = k; within a layer the m_l largest
α) maximising

    Σ_l [sum of the top-m_l α of layer l] − c · #{l : m_l > 0},
    c = λ · latency_ms(0, r_RS − r_Scale)      (``--layer-cost`` overrides)

exactly by a DP over layers (arch.critical_path_mask; the bytes do not
depend on where the k heads are, only the rounds do). topk: the global
top-k of the α (MPCViT §3.3), ignoring which layer a head is in.

    /usr/bin/python3 -m mpcvit.search --init runs/teacher/checkpoint.pt \\
        --out runs/search --epochs 3 --mus 0.1,0.3,0.5,0.7

Writes <out>/checkpoint.pt (supernet weights + α, resumable),
<out>/alpha.json (α, costs, λ, c, and per μ both masks with their rounds),
<out>/arch_mu<μ>.json for every μ (by ``--discretise``), and
<out>/arch_mu<μ>.topk.json, <out>/arch_mu<μ>.critical-path.json (both
methods, to compare). Run again with the same --out, a finished search only
discretises again.
"""

import argparse
import json
import os
import sys

import torch

from . import arch as arch_mod
from . import costs, engine
from .model import ViTLite


def parse_mus(text):
    """"0.1,0.5" -> [0.1, 0.5]; ValueError unless numbers in [0, 1]."""
    try:
        mus = [float(m) for m in text.split(",")]
    except ValueError:
        raise ValueError(f"--mus {text!r} is not a comma-separated list of numbers") from None
    if any(not 0 <= m <= 1 for m in mus):
        raise ValueError(f"every μ must be in [0, 1], got {mus}")
    return mus


def discretise(model, mu, method="critical-path", layer_cost=0.0):
    """The supernet's α (``model.alphas()``) -> arch.json dict with
    ReLU-Softmax ratio μ (the GeLU kinds as ``model.arch()`` has them)."""
    alphas = [a.detach().tolist() for a in model.alphas()]
    heads = arch_mod.discretise_heads(alphas, mu, method, layer_cost)
    gelu = [layer["gelu"] for layer in model.arch()["layers"]]
    return arch_mod.make(model.model_info(), heads, gelu)


def expected_latency_ms(alphas, kc, profile="wan"):
    """Σ_l latency_ms(E[B_l], E[R_l]) of the attention normalisations (the
    relaxation above); alphas: per layer a tensor [H] (differentiable) or
    a list of floats."""
    return costs.expected_latency_ms(alphas, kc, profile, costs.expected_attention_cost)


def penalty_fn(model, lam, kc, profile="wan"):
    """λ · Σ_l latency_ms(E[B_l], E[R_l]) as (term, logs) for engine.make_loss."""
    def extra(m):
        alphas = m.alphas()
        lat = expected_latency_ms(alphas, kc, profile)
        total = float(torch.stack([a.detach().sum() for a in alphas]).sum())
        return lam * lat, {"alpha_mean": total / (len(alphas) * m.cfg["heads"]),
                           "lat_ms": float(lat)}
    return extra


def layer_price(lam, kc, profile="wan"):
    """c = λ · latency_ms(0, r_RS − r_Scale): the DP's price of a layer with
    at least one RSAttn head."""
    return lam * costs.step_cost_ms(kc["heads"]["relu_softmax"], kc["heads"]["scale"], profile)


def mask_summary(heads, alphas, kc, profile, layer_cost):
    """Rounds, bytes and latency of a discretised mask's attention part."""
    per_layer = [costs.attention_cost(h, kc) for h in heads]
    mask = [[int(k == "relu_softmax") for k in h] for h in heads]
    return {"heads": heads, "rounds_per_layer": [r for _, r in per_layer],
            "rounds": sum(r for _, r in per_layer),
            "bytes": sum(b for b, _ in per_layer),
            "latency_ms": sum(costs.latency_ms(b, r, profile) for b, r in per_layer),
            "alpha_kept": sum(a for ra, rm in zip(alphas, mask) for a, m in zip(ra, rm) if m),
            "objective": arch_mod.mask_objective(alphas, mask, layer_cost)}


def clamp_alpha(model):
    with torch.no_grad():
        for a in model.alphas():
            a.clamp_(0.0, 1.0)


def prepare(model, kc, args):
    """(c, param_groups) for the search of ``model`` (α enabled) with costs
    ``kc``: the DP's layer price (``args.layer_cost``, else layer_price of
    ``args.lam`` under ``args.profile``) and the optimizer groups (α with
    ``args.alpha_lr``, no weight decay); prints the per-head costs."""
    c = layer_price(args.lam, kc, args.profile) if args.layer_cost is None else args.layer_cost
    print(f"costs from {kc['source']}: per head " + ", ".join(
        f"{k} {v['rounds']} rounds {v['bytes']:.0f} B" for k, v in kc["heads"].items())
        + f"; DP layer price c = {c:.4g}", flush=True)
    return c, engine.search_groups(model, model.alphas(), args.alpha_lr)


def save_results(model, mus, kc, args, c, ck, extra=None):
    """After the search: for every μ, <out>/arch_mu<μ>.<method>.json by both
    methods and <out>/arch_mu<μ>.json by ``args.discretise``; then
    <out>/alpha.json (α, λ, the expected latency, c, the supernet's
    accuracy, ``extra``, and per μ both masks' mask_summary). Returns it."""
    alphas = [a.detach().tolist() for a in model.alphas()]
    summary = {"alphas": alphas, "lam_per_ms": args.lam, "profile": args.profile,
               "expected_latency_ms": float(expected_latency_ms(alphas, kc, args.profile)),
               "discretise": args.discretise, "layer_cost": c,
               "test_top1_supernet": ck["test_top1"], "elapsed_s": ck["elapsed_s"],
               **(extra or {}), "mus": {}}
    for mu in mus:
        both = {}
        for method in arch_mod.DISCRETISE:
            arch = discretise(model, mu, method, c)
            arch_mod.save(arch, os.path.join(args.out, f"arch_mu{mu:g}.{method}.json"))
            both[method] = mask_summary([layer["heads"] for layer in arch["layers"]], alphas,
                                        kc, args.profile, c)
            if method == args.discretise:
                path = os.path.join(args.out, f"arch_mu{mu:g}.json")
                arch_mod.save(arch, path)
        summary["mus"][f"{mu:g}"] = both
        print(f"μ = {mu:g}: {path} ({args.discretise}); attention rounds " + ", ".join(
            f"{m} {v['rounds']} {v['rounds_per_layer']}" for m, v in both.items()), flush=True)
    with open(os.path.join(args.out, "alpha.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print("α per layer:", json.dumps([[round(a, 3) for a in row] for row in alphas]), flush=True)
    return summary


def add_search_args(p):
    """The α-search options (mpcvit.search, mpcvit.byo search)."""
    p.add_argument("--lam", type=float, default=2e-3,
                   help="λ of the latency penalty, per ms (default: %(default)s)")
    p.add_argument("--alpha-lr", type=float, default=5e-3, help="AdamW lr of α (no decay)")
    p.add_argument("--alpha-init", type=float, default=0.5, help="initial α of every head")
    p.add_argument("--mus", default="0.1,0.3,0.5,0.7",
                   help="comma-separated ReLU-Softmax ratios to discretise to")
    p.add_argument("--profile", default="wan", choices=sorted(costs.PROFILES))
    p.add_argument("--cost-source", default="auto", choices=["auto", "table", "compiler"],
                   help="per-head costs: compiler cost report, measured table, or auto "
                        "(compiler when the tools are built; default)")
    p.add_argument("--discretise", default="critical-path", choices=arch_mod.DISCRETISE,
                   help="critical-path: DP over layers pricing each layer's RSAttn rounds "
                        "(default); topk: global top-k of α (MPCViT §3.3)")
    p.add_argument("--layer-cost", type=float, default=None,
                   help="c of the critical-path DP (default: λ · latency of r_RS − r_Scale "
                        "rounds under --profile)")
    return p


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m mpcvit.search", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    engine.add_common_args(p, epochs=3, lr=5e-4)
    p.add_argument("--init", help="checkpoint to start the weights from (the Softmax teacher)")
    add_search_args(p)
    p.add_argument("--gelu", default="gelu", choices=["gelu", "quad"],
                   help="GeLU kind during the search (default: gelu)")
    args = p.parse_args(argv)
    try:
        mus = parse_mus(args.mus)
    except ValueError as e:
        raise SystemExit(f"error: {e}")

    engine.setup_torch(args.threads, args.seed)
    data = engine.load_data(args)
    model = ViTLite(args.config).set_all("relu_softmax", args.gelu)
    upstream = engine.init_weights(model, args.init) if args.init else 0.0
    for blk in model.blocks:
        blk.self_attn.enable_search(args.alpha_init)

    try:
        kc = costs.kind_costs(args.cost_source, args.config)
    except costs.CostSourceError as e:
        raise SystemExit(f"error: {e}")
    c, groups = prepare(model, kc, args)
    recipe = {"script": "mpcvit.search", "argv": sys.argv[1:] if argv is None else list(argv),
              "epochs": args.epochs, "lr": args.lr, "alpha_lr": args.alpha_lr,
              "lam_per_ms": args.lam, "alpha_init": args.alpha_init, "init": args.init,
              "profile": args.profile, "batch_size": args.batch_size,
              "penalty": "lam * sum_l latency_ms(E[bytes_l], E[critical-path rounds_l])",
              "head_costs": kc["heads"], "cost_source": kc["source"]}
    ck = engine.fit(model, args, data, recipe,
                    engine.make_loss(args, extra=penalty_fn(model, args.lam, kc, args.profile)),
                    param_groups=groups, post_step=clamp_alpha,
                    meta={"upstream_s": upstream})
    save_results(model, mus, kc, args, c, ck,
                 {"costs": costs.describe(args.config, args.profile, args.cost_source)})

if __name__ == "__main__":
    main()
