"""arch.json (format ``mpcvit.arch.v1``, DESIGN.md §4): read, validate, write.

    {"format": "mpcvit.arch.v1",
     "model": {"depth": D, "heads": H, "tokens": N, "dim": C},
     "layers": [{"heads": [H kinds], "gelu": {"kind": "gelu"|"quad"|"linearize",
                                             "tokens": [N × 0/1, only with linearize]}}]}

Validation mirrors the compiler's reader (lib/arch/ArchSpec.cpp): the same
checks, errors as ``<file>: <json path>: expected ..., got ...``, and a
mismatch with the model names both numbers. Also: the top-k discretisation of
the searched α (MPCViT §3.3) and β (MPCViT+ §3.4) into an arch.
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


def discretise_heads(alphas, ratio):
    """α per head ([[float]] per layer) -> head kinds with a ReLU-Softmax ratio."""
    mask = topk_mask(alphas, ratio)
    return [["relu_softmax" if m else "scale" for m in row] for row in mask]
