"""Per-head and per-token 2PC costs for the search penalty (DESIGN.md §6, §7).

The search needs cost(RSAttn) − cost(ScaleAttn) per head (MPCViT §3.3, the
latency term of Eq. 6) and, for MPCViT+, cost(GeLU) − cost(linear) per token
(§3.4). DESIGN.md wants them from the compiler's cost model
(``mpcvit-opt --mpcvit-cost-report=json``). Until that report exists, the
costs come from the documented table below, measured by the runtime benchmark
``bench/results/runtime_vit_7_4_32.json`` (ReLU from PROTOCOLS.md) (ring 2^64, 16 fractional bits,
local truncation; every measured count equals the runtime's closed-form
model, ``matches_model: true``). Everything goes through :func:`op_costs`,
the one switch point (``source="table" | "compiler" | "auto"``).

Per-element scaling: the table's online bytes are per party for the whole
benchmarked tensor; bytes per element = bytes / elements. Rounds are per
nonlinear stage (all heads of a layer run in parallel), so a head is charged
rounds/heads of its layer's rounds — the penalty stays linear in α, as
MPCViT's Eq. 6 requires. Latency under a network profile =
rounds·RTT + bytes·8/bandwidth (DESIGN.md §6, without the compute term).
"""

import json
import os
import shutil
import subprocess

from .model import CONFIGS, tokens_of

SOURCE = "bench/results/runtime_vit_7_4_32.json"
# name: bytes per party, elements, rounds, what/where it was measured.
TABLE = {
    "softmax": {"bytes": 2496274, "elements": 260 * 65, "rounds": 91,
                "note": "measured: softmax, 260 rows x 65"},
    "relu_softmax": {"bytes": 1428577, "elements": 260 * 65, "rounds": 29,
                     "note": "measured: relu_softmax, 260 rows x 65"},
    "scale": {"bytes": 0, "elements": 1, "rounds": 0,
              "note": "derived: a/N is a public product + local truncation (no communication)"},
    "gelu": {"bytes": 7737600, "elements": 65 * 512, "rounds": 13,
             "note": "measured: gelu, [65x512]"},
    "quad": {"bytes": 266240, "elements": 65 * 512, "rounds": 1,
             "note": "measured: quad_gelu, [65x512]"},
    "relu": {"bytes": 232, "elements": 1, "rounds": 9,
             "note": "documented, not benchmarked: ReLU by A2B + B2A, ~232 bytes per "
                     "element and 9 rounds (PROTOCOLS.md, comparison family)"},
}
PROFILES = {  # DESIGN.md §6: bandwidth bit/s, RTT s
    "lan": (1e9, 0.5e-3), "wan": (400e6, 4e-3), "wan-slow": (100e6, 80e-3),
}


class CostSourceError(RuntimeError):
    """The requested cost source is not available."""


def _compiler_report(repo_root):
    """The compiler's cost report, once ``mpcvit-opt --mpcvit-cost-report=json`` exists."""
    opt = os.path.join(repo_root, "build", "bin", "mpcvit-opt")
    if not os.path.exists(opt):
        opt = shutil.which("mpcvit-opt") or ""
    if not opt:
        raise CostSourceError("mpcvit-opt not built (build/bin/mpcvit-opt)")
    help_text = subprocess.run([opt, "--help"], capture_output=True, text=True).stdout
    if "mpcvit-cost-report" not in help_text:
        raise CostSourceError(f"{opt} has no --mpcvit-cost-report yet")
    raise CostSourceError("mpcvit-opt has --mpcvit-cost-report; its JSON is not wired "
                          "into mpcvit.costs._compiler_report yet")


def op_costs(source="auto", repo_root=None):
    """Per-kind costs: {kind: {"bytes_per_elem", "rounds", "note"}}.

    source: "table" (the measured table above), "compiler" (the cost report;
    CostSourceError until it exists) or "auto" (compiler, else table).
    """
    repo_root = repo_root or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    if source in ("compiler", "auto"):
        try:
            return _compiler_report(repo_root)
        except CostSourceError:
            if source == "compiler":
                raise
    elif source != "table":
        raise ValueError(f"unknown cost source {source!r}; expected table, compiler or auto")
    return {k: {"bytes_per_elem": v["bytes"] / v["elements"], "rounds": v["rounds"],
                "note": v["note"], "source": SOURCE} for k, v in TABLE.items()}


def latency_ms(bytes_per_party, rounds, profile="wan"):
    bw, rtt = PROFILES[profile]
    return 1e3 * (rounds * rtt + bytes_per_party * 8.0 / bw)


def head_costs(config="fmnist-tiny", profile="wan", source="auto"):
    """Estimated latency (ms) of one head's attention normalisation, per kind.

    One head normalises N×N scores (N tokens) and carries 1/heads of its
    layer's rounds.
    """
    cfg = CONFIGS[config]
    n, h = tokens_of(cfg), cfg["heads"]
    table = op_costs(source)
    return {k: latency_ms(table[k]["bytes_per_elem"] * n * n, table[k]["rounds"] / h, profile)
            for k in ("softmax", "relu_softmax", "scale")}


def token_costs(config="fmnist-tiny", profile="wan", source="auto"):
    """Estimated latency (ms) of one token's MLP nonlinearity, per treatment.

    gelu: GeLU on the MLP hidden width; linear: ReLU on the model width after
    the fused linear (MPCViT+). Rounds are shared by the N tokens of a layer.
    """
    cfg = CONFIGS[config]
    n = tokens_of(cfg)
    table = op_costs(source)
    return {"gelu": latency_ms(table["gelu"]["bytes_per_elem"] * cfg["mlp"],
                               table["gelu"]["rounds"] / n, profile),
            "linear": latency_ms(table["relu"]["bytes_per_elem"] * cfg["dim"],
                                 table["relu"]["rounds"] / n, profile)}


def describe(config="fmnist-tiny", profile="wan", source="auto"):
    """A JSON-able summary recorded next to search results."""
    return {"profile": profile, "source": op_costs(source)["softmax"]["source"],
            "head_ms": head_costs(config, profile, source),
            "token_ms": token_costs(config, profile, source)}


if __name__ == "__main__":
    print(json.dumps(describe(), indent=2))
