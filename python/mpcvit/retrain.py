"""Retrain a searched architecture with its mask frozen, with distillation.

MPCViT §3.4: after the search the attention mask (arch.json) is fixed and the
network is retrained with knowledge distillation from the Softmax teacher:
CE + logit KD at T = 1 + token-wise MSE on the final tokens (engine.kd_loss).

MPCViT+ (``--linear-gelu``, §3.4 "MPCViT+"): first a β search: every token t
of every layer l mixes the two MLP branches

    β_lt · fc2(GeLU(fc1(x_t))) + (1 − β_lt) · ReLU(fc2(fc1(x_t))),  β ∈ [0, 1]

under CE + KD + λ_β · (latency penalty) for ``--beta-epochs``; then
round(ν·L·N) tokens keep GeLU (ν = ``--gelu-ratio``), the others are
linearized, and the KD retraining runs with both masks frozen.

Latency penalty (the analogue of mpcvit.search's relaxation): the compiler
runs a layer's two token groups (GeLU tokens: fc1, GeLU, fc2; linearized
tokens: the fused linear, ReLU) in lock-step, so the MLP of layer l costs
max(r_GeLU-branch, r_linear-branch) rounds over the branches present and the
bytes of all tokens. With token t of layer l keeping GeLU with probability
β_lt, independently, and r_g ≥ r_lin (costs.kind_costs()["tokens"]: from the
compiler's cost report, else the table):

    E[B_l] = Σ_t β_lt · b_g + (1 − β_lt) · b_lin
    E[R_l] = r_lin + (r_g − r_lin) · (1 − Π_t (1 − β_lt))
    penalty = λ_β · Σ_l latency_ms(E[B_l], E[R_l])

(exact; costs.expected_mlp_cost). With N = 17 tokens the rounds term's
gradient Π_{t'≠t}(1 − β) is tiny once a few tokens are likely GeLU, so the
search is driven by the bytes; the layer structure is left to the
discretisation.

Discretisation (``--discretise``, default ``critical-path``): the same DP as
the heads (arch.critical_path_mask): m_l GeLU tokens per layer (Σ m_l = k,
the largest β within a layer) maximising Σ_l [top-m_l β sum] − c_β ·
#{l : m_l > 0}, c_β = λ_β · latency_ms(0, r_g − r_lin) (``--beta-layer-cost``
overrides): a layer whose tokens are all linearized saves the GeLU branch's
extra rounds. ``topk``: the global top-k of β (MPCViT+).

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


def linearize_arch(betas, ratio, method="topk", layer_cost=0.0):
    """β per (layer, token) (lists of floats) -> per-layer
    {"kind": "linearize", "tokens": mask}."""
    mask = arch_mod.select_mask(betas, ratio, method, layer_cost)
    return [{"kind": "linearize", "tokens": row} for row in mask]


def expected_mlp_latency_ms(betas, kc, profile="wan"):
    """Σ_l latency_ms(E[B_l], E[R_l]) of the MLPs (the relaxation above)."""
    return costs.expected_latency_ms(betas, kc, profile, costs.expected_mlp_cost)


def beta_search(model, args, data, teacher, kd, kc, meta, script, argv):
    """The MPCViT+ β search (the module docstring) of ``model``: its
    ``mlps()`` (one per layer: set_gelu, enable_beta_search,
    disable_beta_search) back to GeLU with β = 0.5 per token, trained
    (``betas()``) under CE + KD from ``teacher`` + λ_β·Σ_l latency with the
    token-branch costs ``kc["tokens"]`` for ``args.beta_epochs``; then
    round(ν·L·N) tokens keep GeLU (linearize_arch by ``args.discretise``),
    set on the MLPs. Writes <out>/beta_search.pt and <out>/beta.json;
    returns what beta.json holds. ``script``/``argv``: for the recipe."""
    for m in model.mlps():
        m.set_gelu("gelu")
        m.enable_beta_search(0.5)
    tc = kc["tokens"]
    c_beta = (args.beta_lam * costs.step_cost_ms(tc["gelu"], tc["linear"], args.profile)
              if args.beta_layer_cost is None else args.beta_layer_cost)

    def beta_penalty(m):
        lat = expected_mlp_latency_ms(m.betas(), kc, args.profile)
        total = float(torch.stack([b.detach().sum() for b in m.betas()]).sum())
        return args.beta_lam * lat, {"beta_mean": total / (len(m.betas()) * m.num_tokens),
                                     "lat_ms": float(lat)}

    def clamp_beta(m):
        with torch.no_grad():
            for b in m.betas():
                b.clamp_(0.0, 1.0)

    bargs = copy.copy(args)
    bargs.epochs = args.beta_epochs
    recipe = {"script": f"{script} (beta search)", "argv": argv,
              "epochs": args.beta_epochs, "lr": args.lr, "beta_lr": args.beta_lr,
              "beta_lam_per_ms": args.beta_lam, "token_costs": tc,
              "cost_source": kc["source"], "kd": kd}
    bck = engine.fit(model, bargs, data, recipe,
                     engine.make_loss(args, teacher, extra=beta_penalty),
                     param_groups=engine.search_groups(model, model.betas(), args.beta_lr),
                     post_step=clamp_beta, meta=meta, ckpt_name="beta_search.pt")
    betas = [b.detach().tolist() for b in model.betas()]
    gelu = linearize_arch(betas, args.gelu_ratio, args.discretise, c_beta)
    for m, g in zip(model.mlps(), gelu):
        m.disable_beta_search()
        m.set_gelu("linearize", g["tokens"])
    mask = [g["tokens"] for g in gelu]
    info = {"betas": betas, "gelu_ratio": args.gelu_ratio,
            "token_costs": tc, "cost_source": kc["source"],
            "discretise": args.discretise, "layer_cost": c_beta, "mask": mask,
            "mlp_rounds_per_layer": [costs.mlp_cost(row, kc)[1] for row in mask],
            "test_top1_beta_supernet": bck["test_top1"], "elapsed_s": bck["elapsed_s"]}
    with open(os.path.join(args.out, "beta.json"), "w") as f:
        json.dump(info, f, indent=1)
    print(f"β: {sum(map(sum, mask))} of {sum(map(len, mask))} (layer, token) pairs keep GeLU "
          f"-> {args.out}/beta.json", flush=True)
    return info


def add_beta_args(p, cost_sources=("auto", "table", "compiler")):
    """The MPCViT+ options (mpcvit.retrain, mpcvit.byo retrain)."""
    p.add_argument("--linear-gelu", action="store_true",
                   help="MPCViT+: search a token-wise GeLU mask β, then linearize")
    p.add_argument("--gelu-ratio", type=float, default=0.5,
                   help="fraction of (layer, token) pairs that keep GeLU (default 0.5)")
    p.add_argument("--beta-epochs", type=float, default=1.0, help="epochs of β search")
    p.add_argument("--beta-lam", type=float, default=2e-2, help="λ_β per ms")
    p.add_argument("--beta-lr", type=float, default=1e-2, help="AdamW lr of β")
    p.add_argument("--profile", default="wan", choices=sorted(costs.PROFILES))
    p.add_argument("--cost-source", default="auto", choices=list(cost_sources))
    p.add_argument("--discretise", default="critical-path", choices=arch_mod.DISCRETISE,
                   help="β mask: critical-path DP (default) or global top-k")
    p.add_argument("--beta-layer-cost", type=float, default=None,
                   help="c_β of the DP (default: λ_β · latency of r_g − r_lin rounds)")
    return p


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m mpcvit.retrain", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    engine.add_common_args(p, epochs=4, lr=5e-4)
    engine.add_kd_args(p)
    p.add_argument("--arch", required=True, help="arch.json with the frozen head mask")
    p.add_argument("--init", help="checkpoint with the starting weights (search supernet "
                                  "or teacher); default: random initialisation")
    add_beta_args(p)
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

    if args.linear_gelu:
        try:
            kc = costs.kind_costs(args.cost_source, args.config)
        except costs.CostSourceError as e:
            raise SystemExit(f"error: {e}")
        upstream += beta_search(model, args, data, teacher, kd, kc, {"upstream_s": upstream},
                                "mpcvit.retrain", argv_rec)["elapsed_s"]

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
