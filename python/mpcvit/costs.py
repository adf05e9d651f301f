"""2PC costs of head kinds and MLP token groups for the search (DESIGN.md §6, §7).

What the search needs (MPCViT §3.3 Eq. 6, §3.4) is the latency of a layer as
a function of its head kinds (and, for MPCViT+, of its token mask). Since the
compiler runs independent protocol sequences in lock-step
(``--mpcvit-schedule-rounds``, PROTOCOLS.md "Rounds of independent ops"), a
layer's cost is its *critical path*:

- attention normalisation: rounds = max over the head kinds present, bytes =
  Σ over heads (one group per kind, the groups run in one ``mpc.parallel``);
- MLP (MPCViT+ token groups): rounds = max(rounds of the GeLU branch, rounds
  of the linear branch) over the branches present, bytes = Σ over tokens;
- the rest of the layer (LayerNorms, Q/K/V, QKᵀ, A·V, projections) does not
  depend on the kinds; it is sequential with the two parts above, so a
  layer's rounds = rest + attention + MLP.

Latency under a network profile = rounds·RTT/2 + bytes·8/bandwidth
(:func:`latency_ms`; DESIGN.md §6 with a round = one message hop = RTT/2, as
lib/cost/NetworkProfile.h; bytes = the larger party's, summed per op; no
compute term).

Sources (:func:`kind_costs`, the one switch point, ``source="table" |
"compiler" | "auto"``):

- ``compiler``: the compiler's cost report of the model being searched (a
  template of ``config``; costs depend on shapes only;
  :func:`kind_costs_onnx` does it for any template ONNX, as mpcvit.byo
  for a user's model): ``mpcvit-compile
  --emit=mlir`` of two archs (A: one RSAttn head and H−1 Scale heads per
  layer, every layer GeLU; B: the same heads, every token linearized), then
  ``mpcvit-opt
  --mpcvit-schedule-rounds --mpcvit-cost-report=json``. Heads: A's
  ``attention[0].per_head`` (one head under every kind). Token branches: the
  ops of layer 0 after its last LayerNorm (fc1, GeLU, fc2 in A; the fused
  linear and ReLU in B): rounds = their sum (a chain), bytes per token =
  their bytes / N. Rest of a layer: A's layer-0 rounds minus the RSAttn
  head's and the GeLU branch's (checked against B). Per-element GeLU/ReLU rows: A's ``mpc.gelu``
  and B's ``mpc.relu`` op rows.
- ``table``: the table below, measured by the runtime benchmark
  ``bench/results/runtime_vit_7_4_32.json`` (default A2B protocols; ring
  2^64, 16 fractional bits, local truncation), scaled per element; the token
  branches add one round and 8 bytes per input element for each linear with
  server weights (DESIGN.md §5: only the client's activation is opened);
  the rest of a layer is unknown (``layer_rest`` None).
- ``auto`` (default): compiler when the tools are built, else table.
"""

import json
import os
import subprocess
import tempfile

from .model import CONFIGS, tokens_of

SOURCE = "bench/results/runtime_vit_7_4_32.json"
COMPILER_SOURCE = "mpcvit-compile + mpcvit-opt --mpcvit-cost-report=json"
# name: bytes per party, elements, rounds, what/where it was measured.
TABLE = {
    "softmax": {"bytes": 2496274, "elements": 260 * 65, "rounds": 91,
                "note": "measured: softmax, 260 rows x 65"},
    "relu_softmax": {"bytes": 1428577, "elements": 260 * 65, "rounds": 29,
                     "note": "measured: relu_softmax, 260 rows x 65"},
    "scale": {"bytes": 0, "elements": 1, "rounds": 0,
              "note": "derived: a/N is a public product + local truncation (no communication)"},
    "gelu": {"bytes": 5873920, "elements": 65 * 512, "rounds": 13,
             "note": "measured: gelu, [65x512]"},
    "quad": {"bytes": 266240, "elements": 65 * 512, "rounds": 1,
             "note": "measured: quad_gelu, [65x512]"},
    "relu": {"bytes": 904157, "elements": 4 * 65 * 65, "rounds": 9,
             "note": "measured: relu, [4x65x65]"},
}
HEAD_KINDS = ("softmax", "relu_softmax", "scale", "2quad", "2relu")
# A linear with server weights (table fallback): one round, the client's
# activation opened in one direction, 8 bytes (ring 2^64) per element.
MMUL_ROUNDS, RING_BYTES = 1, 8
PROFILES = {  # DESIGN.md §6: bandwidth bit/s, RTT s
    "lan": (1e9, 0.5e-3), "wan": (400e6, 4e-3), "wan-slow": (100e6, 80e-3),
}


class CostSourceError(RuntimeError):
    """The requested cost source is not available."""


def repo_root():
    return os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _tools(root):
    bindir = os.path.join(root, os.environ.get("MPCVIT_BUILD_DIR", "build"), "bin")
    comp, opt = os.path.join(bindir, "mpcvit-compile"), os.path.join(bindir, "mpcvit-opt")
    if not (os.path.exists(comp) and os.path.exists(opt)):
        raise CostSourceError(f"mpcvit-compile / mpcvit-opt not built in {bindir}")
    help_text = subprocess.run([opt, "--help"], capture_output=True, text=True).stdout
    for flag in ("mpcvit-cost-report", "mpcvit-schedule-rounds"):
        if flag not in help_text:
            raise CostSourceError(f"{opt} has no --{flag} yet")
    return comp, opt


def compile_report(onnx_path, arch=None, root=None):
    """The compiler's cost report (parsed JSON) of ``onnx_path`` with ``arch``
    (a dict, a path, or None for the template): ``mpcvit-compile --emit=mlir``
    then ``mpcvit-opt --mpcvit-schedule-rounds --mpcvit-cost-report=json``."""
    comp, opt = _tools(root or repo_root())
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [comp, onnx_path, "--emit=mlir", "-o", os.path.join(tmp, "m")]
        if isinstance(arch, dict):
            path = os.path.join(tmp, "arch.json")
            with open(path, "w") as f:
                json.dump(arch, f)
            arch = path
        if arch:
            cmd += ["--arch", os.fspath(arch)]
        for c in (cmd, [opt, os.path.join(tmp, "m.mlir"), "--mpcvit-schedule-rounds",
                        "--mpcvit-cost-report=json", "-o", os.devnull]):
            r = subprocess.run(c, capture_output=True, text=True, timeout=300)
            if r.returncode != 0:
                raise CostSourceError(f"{' '.join(c)} failed: {r.stderr.strip()[:500]}")
    try:
        return json.loads(r.stdout)
    except ValueError as e:
        raise CostSourceError(f"unexpected cost report JSON: {e}") from e


def _elements(shape):
    n = 1
    for d in str(shape).split("x"):
        n *= int(d)
    return n


def _branch(report, n, layer=0):
    """The MLP branch of ``layer`` (its ops after its last LayerNorm, index
    order) -> {"bytes" per token, "rounds" (a chain: their sum), "ops"}."""
    ops = [o for o in report["ops"] if o["layer"] == layer]
    last_ln = max(o["index"] for o in ops if o["op"] == "mpc.layer_norm")
    ops = [o for o in ops if o["index"] > last_ln]
    return {"bytes": sum(o["online_bytes_sent_per_party_max"] for o in ops) / n,
            "rounds": sum(o["online_rounds"] for o in ops),
            "ops": [o["op"] for o in ops if o["online_rounds"]]}


def _op_row(report, op):
    for o in report["ops"]:
        if o["op"] == op:
            return {"bytes_per_elem": o["online_bytes_sent_per_party_max"] / _elements(o["shape"]),
                    "rounds": o["online_rounds"]}
    raise CostSourceError(f"cost report has no {op} row")


def kind_costs_onnx(onnx_path, model_info, num_tokens, tokens=True, note=None, root=None):
    """kind_costs from the compiler's cost report of the template ONNX
    ``onnx_path`` of a model with ``model_info`` ({"depth", "heads", ...})
    and ``num_tokens`` tokens (see the module docstring): A = one RSAttn head
    and H−1 Scale heads per layer, every layer GeLU; with ``tokens`` also
    B = A with every token linearized, for "tokens", "ops" and
    "layer_rest". CostSourceError when the tools or the report fail."""
    from .arch import make
    info, n = model_info, num_tokens
    # one RSAttn head per layer: the report lists attention normalisations
    # (with every kind's per-head cost) only for layers that have one
    heads0 = [["relu_softmax"] + ["scale"] * (info["heads"] - 1)] * info["depth"]
    rep_a = compile_report(onnx_path, make(info, heads0), root)
    try:
        att = rep_a["attention"][0]
        heads = {k: {"bytes": v["online_bytes_sent_per_party_max"], "rounds": v["online_rounds"],
                     "offline_bytes": v["offline_bytes"]} for k, v in att["per_head"].items()}
        out = {"source": COMPILER_SOURCE, "note": note or "compiler cost report",
               "heads": heads}
        if tokens:
            rep_b = compile_report(onnx_path, make(info, heads0, [
                {"kind": "linearize", "tokens": [0] * n}] * info["depth"]), root)
            branches = {"gelu": _branch(rep_a, n), "linear": _branch(rep_b, n)}
            la, lb = rep_a["layers"][0], rep_b["layers"][0]
            rs = heads["relu_softmax"]
            rest_rounds = la["online_rounds"] - rs["rounds"] - branches["gelu"]["rounds"]
            if lb["online_rounds"] - rs["rounds"] - branches["linear"]["rounds"] != rest_rounds:
                raise CostSourceError(
                    f"layer 0: {la['online_rounds']} rounds all-GeLU, {lb['online_rounds']} "
                    f"all-linear do not differ by the branches' {branches['gelu']['rounds']} - "
                    f"{branches['linear']['rounds']} rounds")
            ops_a = [o for o in rep_a["ops"] if o["layer"] == 0]
            rest_bytes = (sum(o["online_bytes_sent_per_party_max"] for o in ops_a)
                          - branches["gelu"]["bytes"] * n - rs["bytes"])
            out.update(tokens=branches,
                       ops={"gelu": _op_row(rep_a, "mpc.gelu"), "relu": _op_row(rep_b, "mpc.relu")},
                       layer_rest={"bytes": rest_bytes, "rounds": rest_rounds})
        out.update(num_tokens=n, session=rep_a.get("session"))
    except (KeyError, IndexError, TypeError, ValueError) as e:
        raise CostSourceError(f"unexpected cost report JSON: {e!r}") from e
    return out


_REPORT_CACHE = {}


def _compiler_costs(root, config):
    """kind_costs from the compiler: kind_costs_onnx of ``config``'s template."""
    if config in _REPORT_CACHE:
        return _REPORT_CACHE[config]
    _tools(root)
    from .export import export_onnx
    from .model import ViTLite
    model = ViTLite(config).eval()
    # A fresh LayerNorm has γ = 1, which the lowering runs without the
    # product with γ (mpc.layer_norm {unit_gamma}); a trained one has γ ≠ 1
    # unless --mpcvit-fuse-linear folds it into the next linear. Give the
    # template a trained-like γ so it costs what a trained model costs.
    import torch
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.LayerNorm) and m.weight is not None:
                m.weight.fill_(1.5)
    with tempfile.TemporaryDirectory() as tmp:
        onnx_path = os.path.join(tmp, "m.onnx")
        export_onnx(model, onnx_path)
        out = kind_costs_onnx(onnx_path, model.model_info(), model.num_tokens,
                              note=f"compiler cost report, {config}", root=root)
    _REPORT_CACHE[config] = out
    return out


def table_heads(num_tokens):
    """Per-head costs from the table (TABLE per element, N×N scores)."""
    n = num_tokens
    return {k: {"bytes": TABLE[k]["bytes"] / TABLE[k]["elements"] * n * n,
                "rounds": TABLE[k]["rounds"]} for k in ("softmax", "relu_softmax", "scale")}


def _table_costs(config):
    cfg = CONFIGS[config]
    n = tokens_of(cfg)
    bpe = {k: v["bytes"] / v["elements"] for k, v in TABLE.items()}
    heads = table_heads(n)
    d, m = cfg["dim"], cfg["mlp"]
    tokens = {"gelu": {"bytes": RING_BYTES * d + bpe["gelu"] * m + RING_BYTES * m,
                       "rounds": 2 * MMUL_ROUNDS + TABLE["gelu"]["rounds"]},
              "linear": {"bytes": RING_BYTES * d + bpe["relu"] * d,
                         "rounds": MMUL_ROUNDS + TABLE["relu"]["rounds"]}}
    return {"source": SOURCE, "note": "runtime benchmark table, scaled per element",
            "heads": heads, "tokens": tokens,
            "ops": {k: {"bytes_per_elem": bpe[k], "rounds": TABLE[k]["rounds"]}
                    for k in ("gelu", "relu", "quad")},
            "layer_rest": None, "num_tokens": n}


def kind_costs(source="auto", config="fmnist-tiny", root=None):
    """Costs of everything the search chooses, for ``config``'s shapes:

    {"source", "note", "num_tokens",
     "heads":  {kind: {"bytes": one head's online bytes (max party), "rounds"}},
     "tokens": {"gelu"|"linear": {"bytes": per token, "rounds": of the branch}},
     "ops":    {"gelu"|"relu"|...: {"bytes_per_elem", "rounds"}},
     "layer_rest": {"bytes", "rounds"} of the kind-independent ops, or None}

    source: "table", "compiler" (CostSourceError if unavailable) or "auto".
    """
    if source not in ("table", "compiler", "auto"):
        raise ValueError(f"unknown cost source {source!r}; expected table, compiler or auto")
    if config not in CONFIGS:
        raise ValueError(f"unknown config {config!r}")
    if source == "table":
        return _table_costs(config)
    try:
        return _compiler_costs(root or repo_root(), config)
    except Exception as e:  # noqa: BLE001 - auto falls back on any failure
        if source == "compiler":
            raise e if isinstance(e, CostSourceError) else CostSourceError(str(e))
    return _table_costs(config)


def op_costs(source="auto", root=None, config="fmnist-tiny"):
    """Per-element costs: {kind: {"bytes_per_elem", "rounds", "note", "source"}}
    (head kinds per attention score; gelu/relu per element; quad from the table)."""
    kc = kind_costs(source, config, root)
    n = tokens_of(CONFIGS[config])
    out = {k: {"bytes_per_elem": v["bytes"] / v["elements"], "rounds": v["rounds"],
               "note": v["note"], "source": SOURCE} for k, v in TABLE.items()}
    for k, v in kc["heads"].items():
        out[k] = {"bytes_per_elem": v["bytes"] / (n * n), "rounds": v["rounds"],
                  "note": kc["note"], "source": kc["source"]}
    for k, v in kc["ops"].items():
        out[k] = dict(v, note=kc["note"], source=kc["source"])
    return out


def latency_ms(bytes_per_party, rounds, profile="wan"):
    """rounds·RTT/2 + bytes·8/bandwidth in ms (floats or torch tensors)."""
    bw, rtt = PROFILES[profile]
    return 1e3 * (rounds * rtt / 2 + bytes_per_party * 8.0 / bw)


# --- one layer, discrete --------------------------------------------------

def attention_cost(heads, kc):
    """(bytes, rounds) of a layer's attention normalisations with head kinds
    ``heads``: bytes summed over heads, rounds of the most expensive kind."""
    return (sum(kc["heads"][k]["bytes"] for k in heads),
            max(kc["heads"][k]["rounds"] for k in heads))


def mlp_cost(tokens, kc):
    """(bytes, rounds) of a layer's MLP with token mask ``tokens`` (1 = GeLU,
    0 = linearized): bytes summed over tokens, rounds the max over the
    branches present (the two token groups run in lock-step)."""
    t = kc["tokens"]
    kinds = {"gelu" if v else "linear" for v in tokens}
    return (sum(t["gelu" if v else "linear"]["bytes"] for v in tokens),
            max(t[k]["rounds"] for k in kinds))


def layer_cost(heads, kc, tokens=None, whole=False):
    """(bytes, rounds) of one layer: attention normalisation + MLP
    (``tokens`` None: every token GeLU); ``whole`` adds the kind-independent
    rest (compiler source only), making the rounds the compiler's per-layer
    critical path."""
    b, r = attention_cost(heads, kc)
    b2, r2 = mlp_cost([1] * kc["num_tokens"] if tokens is None else tokens, kc)
    b, r = b + b2, r + r2
    if whole:
        if kc.get("layer_rest") is None:
            raise CostSourceError(f"{kc['source']}: no per-layer rest (use the compiler source)")
        b, r = b + kc["layer_rest"]["bytes"], r + kc["layer_rest"]["rounds"]
    return b, r


def layer_latency_ms(heads, kc, profile="wan", tokens=None, whole=False):
    """Latency (ms) of one layer from its head kinds (and token mask)."""
    return latency_ms(*layer_cost(heads, kc, tokens, whole), profile)


# --- one layer, relaxed (the search) --------------------------------------

def expected_max_rounds(probs, rounds):
    """E[max over units of the rounds of their kind], units independent.

    probs: per unit (head or token) a sequence over kinds of probabilities
    (floats or torch scalars, each row summing to 1); rounds: per kind.
    With the kinds sorted by rounds r_(0) ≤ … ≤ r_(K−1):

        E[max] = r_(0) + Σ_{j≥1} (r_(j) − r_(j−1)) · (1 − Π_u P(rank_u < j))

    (max = r_(0) + Σ_j (r_(j) − r_(j−1))·[some unit has rank ≥ j], and by
    independence P(no unit has rank ≥ j) = Π_u P(rank_u < j)). Exact, and
    differentiable in the probabilities.
    """
    order = sorted(range(len(rounds)), key=lambda i: rounds[i])
    total = rounds[order[0]]
    for j in range(1, len(order)):
        step = rounds[order[j]] - rounds[order[j - 1]]
        if step == 0:
            continue
        none = 1.0
        for p in probs:
            below = 0.0
            for i in order[:j]:
                below = below + p[i]
            none = none * below
        total = total + step * (1.0 - none)
    return total


def expected_cost(p, hi, lo):
    """(E bytes, E rounds) of a group of independent units, unit u of cost
    ``hi`` with probability p[u], else ``lo`` ({"bytes", "rounds"} each):
    E bytes = Σ_u p·b_hi + (1−p)·b_lo; E rounds = E[max] (expected_max_rounds),
    for two kinds with r_hi ≥ r_lo: r_lo + (r_hi − r_lo)·(1 − Π_u (1 − p_u)).
    ``p`` is a 1-D torch tensor (differentiable) or a sequence of floats."""
    try:
        import torch
        if isinstance(p, torch.Tensor):
            eb = (p * hi["bytes"] + (1 - p) * lo["bytes"]).sum()
            if hi["rounds"] >= lo["rounds"]:
                er = lo["rounds"] + (hi["rounds"] - lo["rounds"]) * (1 - torch.prod(1 - p))
            else:
                er = hi["rounds"] + (lo["rounds"] - hi["rounds"]) * (1 - torch.prod(p))
            return eb, er
    except ImportError:  # pragma: no cover - torch is a dependency of the package
        pass
    p = [float(v) for v in p]
    eb = sum(v * hi["bytes"] + (1 - v) * lo["bytes"] for v in p)
    return eb, expected_max_rounds([(1 - v, v) for v in p], (lo["rounds"], hi["rounds"]))


def expected_attention_cost(alpha, kc, hi="relu_softmax", lo="scale"):
    """(E bytes, E rounds) of a layer's attention normalisation when head h is
    ``hi`` with probability α_h (else ``lo``), independently."""
    return expected_cost(alpha, kc["heads"][hi], kc["heads"][lo])


def expected_mlp_cost(beta, kc):
    """(E bytes, E rounds) of a layer's MLP when token t keeps GeLU with
    probability β_t (else linearized), independently."""
    return expected_cost(beta, kc["tokens"]["gelu"], kc["tokens"]["linear"])


def expected_latency_ms(probs, kc, profile, layer_cost):
    """Σ_l latency_ms(E[B_l], E[R_l]) over layers, (E[B_l], E[R_l]) =
    ``layer_cost(probs[l], kc)`` (expected_attention_cost of α,
    expected_mlp_cost of β)."""
    total = 0.0
    for p in probs:
        eb, er = layer_cost(p, kc)
        total = total + latency_ms(eb, er, profile)
    return total


def step_cost_ms(hi, lo, profile="wan"):
    """Latency (ms) of the rounds a layer pays once as soon as one unit is
    ``hi`` instead of ``lo``: (r_hi − r_lo)·RTT/2 (≥ 0); the DP's per-layer
    price (arch.critical_path_mask) is λ times this."""
    return latency_ms(0.0, max(0, hi["rounds"] - lo["rounds"]), profile)


def describe(config="fmnist-tiny", profile="wan", source="auto"):
    """A JSON-able summary recorded next to search results."""
    kc = kind_costs(source, config)
    heads = {k: dict(v, ms=latency_ms(v["bytes"], v["rounds"], profile))
             for k, v in kc["heads"].items()}
    tokens = {k: {"bytes": v["bytes"], "rounds": v["rounds"],
                  "bytes_ms": latency_ms(v["bytes"], 0, profile),
                  "rounds_ms": latency_ms(0, v["rounds"], profile)}
              for k, v in kc["tokens"].items()}
    return {"profile": profile, "source": kc["source"], "heads": heads, "tokens": tokens,
            "layer_rest": kc["layer_rest"],
            "rs_step_ms": step_cost_ms(kc["heads"]["relu_softmax"], kc["heads"]["scale"],
                                       profile),
            "gelu_step_ms": step_cost_ms(kc["tokens"]["gelu"], kc["tokens"]["linear"],
                                         profile)}


if __name__ == "__main__":
    print(json.dumps(describe(), indent=2))
