"""arch.json (format ``mpcvit.arch.v1``, DESIGN.md §4): read, validate, write.

    {"format": "mpcvit.arch.v1",
     "model": {"depth": D, "heads": H, "tokens": N, "dim": C},
     "layers": [{"heads": [H kinds], "gelu": {"kind": "gelu"|"quad"|"linearize",
                                             "tokens": [N × 0/1, only with linearize]}}]}

Validation mirrors the compiler's reader (lib/arch/ArchSpec.cpp): the same
checks, errors as ``<file>: <json path>: expected ..., got ...``, and a
mismatch with the model names both numbers. Also: the discretisation of the
searched α (MPCViT §3.3) and β (MPCViT+ §3.4) into an arch: the global top-k,
or the critical-path DP (critical_path_mask) that prices a layer's rounds.
"""

import json

FORMAT = "mpcvit.arch.v1"
HEAD_KINDS = ("softmax", "relu_softmax", "scale", "2quad", "2relu")
GELU_KINDS = ("gelu", "quad", "linearize")


class ArchError(ValueError):
    """An arch.json that is malformed or does not fit the model."""


def _is_posint(v):
    return isinstance(v, int) and not isinstance(v, bool) and v > 0


def validate(arch, model=None, name="arch.json"):
    """Check ``arch`` (a parsed dict) strictly; with ``model`` (a dict with
    depth, heads, tokens, dim) also check that it fits that model."""
    def fail(path, what):
        raise ArchError(f"{name}: {path or '<root>'}: {what}")

    if not isinstance(arch, dict):
        fail("", f"expected an object, got {type(arch).__name__}")
    if arch.get("format") != FORMAT:
        fail("format", f"expected \"{FORMAT}\", got {arch.get('format')!r}")
    m = arch.get("model")
    if not isinstance(m, dict):
        fail("model", "missing; expected an object")
    for key in ("depth", "heads", "tokens", "dim"):
        if not _is_posint(m.get(key)):
            fail(f"model.{key}", f"expected a positive integer, got {m.get(key)!r}")
    if model is not None:
        for key in ("depth", "heads", "tokens", "dim"):
            if m[key] != model[key]:
                fail(f"model.{key}", f"the file has {key} = {m[key]} but the model "
                     f"has {key} = {model[key]}")
    layers = arch.get("layers")
    if not isinstance(layers, list):
        fail("layers", "missing; expected an array")
    if len(layers) != m["depth"]:
        fail("layers", f"expected model.depth = {m['depth']} layers, got {len(layers)}")
    for li, layer in enumerate(layers):
        lp = f"layers[{li}]"
        if not isinstance(layer, dict):
            fail(lp, "expected an object")
        heads = layer.get("heads")
        if not isinstance(heads, list):
            fail(f"{lp}.heads", "missing; expected an array")
        if len(heads) != m["heads"]:
            fail(f"{lp}.heads", f"expected model.heads = {m['heads']} kinds, got {len(heads)}")
        for hi, k in enumerate(heads):
            if k not in HEAD_KINDS:
                fail(f"{lp}.heads[{hi}]", f"expected one of {', '.join(HEAD_KINDS)}, got {k!r}")
        gelu = layer.get("gelu")
        if not isinstance(gelu, dict):
            fail(f"{lp}.gelu", "missing; expected an object")
        kind = gelu.get("kind")
        if kind not in GELU_KINDS:
            fail(f"{lp}.gelu.kind", f"expected one of gelu, quad, linearize, got {kind!r}")
        tokens = gelu.get("tokens")
        if kind != "linearize":
            if tokens is not None:
                fail(f"{lp}.gelu.tokens", f"only allowed with kind \"linearize\", got kind \"{kind}\"")
        else:
            if not isinstance(tokens, list):
                fail(f"{lp}.gelu.tokens", "missing; expected an array")
            if len(tokens) != m["tokens"]:
                fail(f"{lp}.gelu.tokens",
                     f"expected model.tokens = {m['tokens']} entries, got {len(tokens)}")
            for ti, b in enumerate(tokens):
                if isinstance(b, bool) or b not in (0, 1):
                    fail(f"{lp}.gelu.tokens[{ti}]", f"expected 0 or 1, got {b!r}")
    return arch


def load(path, model=None):
    """Read and validate an arch.json file."""
    try:
        with open(path) as f:
            arch = json.load(f)
    except OSError as e:
        raise ArchError(f"cannot read arch file '{path}': {e.strerror}") from e
    except json.JSONDecodeError as e:
        raise ArchError(f"{path}: invalid JSON: {e}") from e
    return validate(arch, model, name=path)


def dumps(arch):
    """Canonical text: one layer per line, heads and tokens inline."""
    validate(arch)
    lines = ["{", f'  "format": "{FORMAT}",',
             f'  "model": {json.dumps(arch["model"])},', '  "layers": [']
    for i, layer in enumerate(arch["layers"]):
        sep = "," if i + 1 < len(arch["layers"]) else ""
        lines.append("    " + json.dumps({"heads": layer["heads"], "gelu": layer["gelu"]}) + sep)
    lines += ["  ]", "}", ""]
    return "\n".join(lines)


def save(arch, path):
    with open(path, "w") as f:
        f.write(dumps(arch))


def make(model_info, heads, gelu=None):
    """Build an arch dict. heads: [depth][H] kinds; gelu: per-layer dicts or None."""
    depth = model_info["depth"]
    gelu = gelu or [{"kind": "gelu"}] * depth
    return validate({"format": FORMAT, "model": dict(model_info),
                     "layers": [{"heads": list(h), "gelu": dict(g)}
                                for h, g in zip(heads, gelu)]})


def topk_mask(scores, ratio):
    """Global top-k over all entries of ``scores`` ([[float]] per layer).

    Returns a same-shaped 0/1 mask with exactly round(ratio · total) ones at
    the largest scores (ties broken by the earlier layer/index; MPCViT §3.3).
    """
    if not 0.0 <= ratio <= 1.0:
        raise ValueError(f"ratio {ratio} outside [0, 1]")
    flat = [(float(v), li, i) for li, row in enumerate(scores) for i, v in enumerate(row)]
    k = int(round(ratio * len(flat)))
    keep = sorted(flat, key=lambda t: (-t[0], t[1], t[2]))[:k]
    chosen = {(li, i) for _, li, i in keep}
    return [[int((li, i) in chosen) for i in range(len(row))] for li, row in enumerate(scores)]


def critical_path_mask(scores, k, layer_cost):
    """Discretisation that respects the critical path of each layer.

    scores: [[float]] per layer (α per head, or β per token); k: how many
    entries to select in all; layer_cost: c ≥ 0 (a float, or one per layer),
    the price a layer pays once as soon as it selects anything (the rounds of
    the expensive kind: λ · latency of r_RS − r_Scale rounds).

    Chooses m_l entries per layer (Σ m_l = k, 0 ≤ m_l ≤ len(scores[l])),
    within a layer its m_l largest scores, maximising

        Σ_l S_l(m_l) − Σ_l c_l · [m_l > 0],   S_l(m) = sum of the top-m scores of layer l

    exactly, by a DP over layers: best[l+1][j+m] = max(best[l][j] + S_l(m) −
    c_l·[m > 0]), O(L · k · H). Ties within a layer: the earlier index; between
    equal totals: the first found (fewer entries in earlier layers). With
    c = 0 this is the global top-k (up to ties). Returns a 0/1 mask shaped
    like ``scores``.
    """
    L = len(scores)
    sizes = [len(row) for row in scores]
    if not 0 <= k <= sum(sizes):
        raise ValueError(f"k = {k} outside [0, {sum(sizes)}]")
    costs = list(layer_cost) if isinstance(layer_cost, (list, tuple)) else [layer_cost] * L
    if len(costs) != L:
        raise ValueError(f"{len(costs)} layer costs for {L} layers")
    orders = [sorted(range(len(row)), key=lambda i, r=row: (-float(r[i]), i)) for row in scores]
    prefix = []
    for row, order in zip(scores, orders):
        acc = [0.0]
        for i in order:
            acc.append(acc[-1] + float(row[i]))
        prefix.append(acc)
    neg = float("-inf")
    best = [[neg] * (k + 1) for _ in range(L + 1)]
    take = [[0] * (k + 1) for _ in range(L + 1)]
    best[0][0] = 0.0
    for li in range(L):
        for j in range(k + 1):
            if best[li][j] == neg:
                continue
            for m in range(min(sizes[li], k - j) + 1):
                v = best[li][j] + prefix[li][m] - (costs[li] if m > 0 else 0.0)
                if v > best[li + 1][j + m]:
                    best[li + 1][j + m], take[li + 1][j + m] = v, m
    if best[L][k] == neg:  # pragma: no cover - k ≤ Σ sizes makes it reachable
        raise ValueError(f"cannot select {k} entries")
    counts, j = [0] * L, k
    for li in range(L, 0, -1):
        counts[li - 1] = take[li][j]
        j -= counts[li - 1]
    mask = []
    for row, order, m in zip(scores, orders, counts):
        keep = set(order[:m])
        mask.append([int(i in keep) for i in range(len(row))])
    return mask


def mask_objective(scores, mask, layer_cost):
    """Σ of the selected scores − Σ_l c_l·[layer l selects anything] (the
    quantity critical_path_mask maximises)."""
    costs = list(layer_cost) if isinstance(layer_cost, (list, tuple)) else [layer_cost] * len(scores)
    return sum(sum(float(s) for s, m in zip(row, mrow) if m) - (c if any(mrow) else 0.0)
               for row, mrow, c in zip(scores, mask, costs))


DISCRETISE = ("critical-path", "topk")


def select_mask(scores, ratio, method="topk", layer_cost=0.0):
    """round(ratio · total) entries of ``scores`` by ``method``: "topk" (the
    global top-k of MPCViT §3.3) or "critical-path" (critical_path_mask)."""
    if method == "topk":
        return topk_mask(scores, ratio)
    if method != "critical-path":
        raise ValueError(f"unknown discretisation {method!r}; expected one of {DISCRETISE}")
    if not 0.0 <= ratio <= 1.0:
        raise ValueError(f"ratio {ratio} outside [0, 1]")
    k = int(round(ratio * sum(len(row) for row in scores)))
    return critical_path_mask(scores, k, layer_cost)


def discretise_heads(alphas, ratio, method="topk", layer_cost=0.0):
    """α per head ([[float]] per layer) -> head kinds with a ReLU-Softmax ratio
    (``method``/``layer_cost``: see select_mask)."""
    mask = select_mask(alphas, ratio, method, layer_cost)
    return [["relu_softmax" if m else "scale" for m in row] for row in mask]
