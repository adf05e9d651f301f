"""Per-head and per-token 2PC costs for the search penalty (DESIGN.md §6, §7).

The search needs cost(RSAttn) − cost(ScaleAttn) per head (MPCViT §3.3, the
latency term of Eq. 6) and, for MPCViT+, cost(GeLU) − cost(linear) per token
(§3.4). Everything goes through :func:`op_costs`, the one switch point
(``source="table" | "compiler" | "auto"``):

- ``compiler``: the per-head cost of every attention kind from
  ``mpcvit-opt --mpcvit-cost-report=json`` (its ``attention[].per_head``),
  for the model's own shapes;
- ``table``: the table below, measured by the runtime benchmark
  ``bench/results/runtime_vit_7_4_32.json`` (default A2B comparisons; ring
  2^64, 16 fractional bits, local truncation; every count there equals the
  runtime's closed-form model). GeLU, Quad and ReLU per-token costs always
  come from it (the report has no per-token entry);
- ``auto`` (default): compiler when the tools are built, else table.

Per-element scaling: the table's online bytes are per party for the whole
benchmarked tensor; bytes per element = bytes / elements. Rounds are per
nonlinear stage (all heads of a layer run in parallel), so a head is charged
rounds/heads of its layer's rounds — the penalty stays linear in α, as
MPCViT's Eq. 6 requires. Latency under a network profile =
rounds·RTT/2 + bytes·8/bandwidth (DESIGN.md §6 with a round = one message
hop = RTT/2, as lib/cost/NetworkProfile.h; without the compute term).
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
    "relu": {"bytes": 904157, "elements": 4 * 65 * 65, "rounds": 9,
             "note": "measured: relu, [4x65x65]"},
}
PROFILES = {  # DESIGN.md §6: bandwidth bit/s, RTT s
    "lan": (1e9, 0.5e-3), "wan": (400e6, 4e-3), "wan-slow": (100e6, 80e-3),
}


class CostSourceError(RuntimeError):
    """The requested cost source is not available."""


_REPORT_CACHE = {}


def _compiler_report(repo_root, config="fmnist-tiny"):
    """Per-head costs of every attention kind from the compiler's cost report.

    Exports a template model of ``config`` (costs depend on shapes only),
    then ``mpcvit-translate --import-onnx`` and ``mpcvit-opt
    --mpcvit-pipeline --mpcvit-lower-to-mpc --mpcvit-cost-report=json``
    (the compiler's one pipeline definition); reads
    ``attention[0].per_head`` (one head under every kind: online bytes per
    party, rounds). GeLU/ReLU per-token costs stay on the table.
    """
    if config in _REPORT_CACHE:
        return _REPORT_CACHE[config]
    bindir = os.path.join(repo_root, os.environ.get("MPCVIT_BUILD_DIR", "build"), "bin")
    opt, tr = os.path.join(bindir, "mpcvit-opt"), os.path.join(bindir, "mpcvit-translate")
    if not (os.path.exists(opt) and os.path.exists(tr)):
        raise CostSourceError(f"mpcvit-opt / mpcvit-translate not built in {bindir}")
    help_text = subprocess.run([opt, "--help"], capture_output=True, text=True).stdout
    if "mpcvit-cost-report" not in help_text:
        raise CostSourceError(f"{opt} has no --mpcvit-cost-report yet")
    import tempfile
    import torch
    from .export import export_onnx
    from .model import ViTLite
    with tempfile.TemporaryDirectory() as tmp:
        onnx_path, mlir = os.path.join(tmp, "m.onnx"), os.path.join(tmp, "m.mlirbc")
        export_onnx(ViTLite(config).eval(), onnx_path)
        for cmd in ([tr, "--import-onnx", onnx_path, "--emit-bytecode", "-o", mlir],
                    [opt, mlir, "--mpcvit-pipeline", "--mpcvit-lower-to-mpc",
                     "--mpcvit-cost-report=json", "-o", os.devnull]):
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
            if r.returncode != 0:
                raise CostSourceError(f"{' '.join(cmd)} failed: {r.stderr.strip()[:500]}")
    try:
        att = json.loads(r.stdout)["attention"][0]
        elems = att["rows"] * att["cols"]
        out = {k: {"bytes_per_elem": v["online_bytes_sent_per_party_max"] / elems,
                   "rounds": v["online_rounds"], "note": f"compiler cost report, {config}",
                   "source": "mpcvit-opt --mpcvit-cost-report=json"}
               for k, v in att["per_head"].items()}
    except (ValueError, KeyError, IndexError, TypeError) as e:
        raise CostSourceError(f"unexpected cost report JSON: {e}") from e
    _REPORT_CACHE[config] = out
    return out


def op_costs(source="auto", repo_root=None, config="fmnist-tiny"):
    """Per-kind costs: {kind: {"bytes_per_elem", "rounds", "note", "source"}}.

    source: "table" (the measured table above), "compiler" (head kinds from
    the compiler's cost report, CostSourceError if it is unavailable; GeLU,
    Quad and ReLU from the table) or "auto" (compiler, else table).
    """
    repo_root = repo_root or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    if source not in ("table", "compiler", "auto"):
        raise ValueError(f"unknown cost source {source!r}; expected table, compiler or auto")
    table = {k: {"bytes_per_elem": v["bytes"] / v["elements"], "rounds": v["rounds"],
                 "note": v["note"], "source": SOURCE} for k, v in TABLE.items()}
    if source == "table":
        return table
    try:
        table.update(_compiler_report(repo_root, config))
    except Exception as e:  # noqa: BLE001 - auto falls back on any failure
        if source == "compiler":
            raise e if isinstance(e, CostSourceError) else CostSourceError(str(e))
    return table


def latency_ms(bytes_per_party, rounds, profile="wan"):
    bw, rtt = PROFILES[profile]
    return 1e3 * (rounds * rtt / 2 + bytes_per_party * 8.0 / bw)


def head_costs(config="fmnist-tiny", profile="wan", source="auto"):
    """Estimated latency (ms) of one head's attention normalisation, per kind.

    One head normalises N×N scores (N tokens) and carries 1/heads of its
    layer's rounds.
    """
    cfg = CONFIGS[config]
    n, h = tokens_of(cfg), cfg["heads"]
    table = op_costs(source, config=config)
    return {k: latency_ms(table[k]["bytes_per_elem"] * n * n, table[k]["rounds"] / h, profile)
            for k in ("softmax", "relu_softmax", "scale")}


def token_costs(config="fmnist-tiny", profile="wan", source="auto"):
    """Estimated latency (ms) of one token's MLP nonlinearity, per treatment.

    gelu: GeLU on the MLP hidden width; linear: ReLU on the model width after
    the fused linear (MPCViT+). Rounds are shared by the N tokens of a layer.
    """
    cfg = CONFIGS[config]
    n = tokens_of(cfg)
    table = op_costs(source, config=config)
    return {"gelu": latency_ms(table["gelu"]["bytes_per_elem"] * cfg["mlp"],
                               table["gelu"]["rounds"] / n, profile),
            "linear": latency_ms(table["relu"]["bytes_per_elem"] * cfg["dim"],
                                 table["relu"]["rounds"] / n, profile)}


def describe(config="fmnist-tiny", profile="wan", source="auto"):
    """A JSON-able summary recorded next to search results."""
    return {"profile": profile, "source": op_costs(source, config=config)["relu_softmax"]["source"],
            "head_ms": head_costs(config, profile, source),
            "token_ms": token_costs(config, profile, source)}


if __name__ == "__main__":
    print(json.dumps(describe(), indent=2))
