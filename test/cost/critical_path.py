#!/usr/bin/python3
"""Rounds along the critical path (issue [rounds]) from cost reports.

  critical_path.py archs OUT PLUS_ARCH
      writes OUT/{mixed,softmax,relu_softmax,scale,plain}.arch.json for the
      fmnist-tiny fixtures: `mixed` mixes head kinds per layer, the three
      uniform ones give every head one kind, `plain` is PLUS_ARCH with GeLU
      on every token (plain MPCViT heads).
  critical_path.py layers MIXED_ARCH MIXED.json KIND=UNIFORM.json ...
      for every layer of the mixed model: its rounds are at most the rounds
      of the same layer in the uniform model of its most expensive kind
      present, + 1 (DESIGN.md §8); prints one line per layer, exits 1 if not.
  critical_path.py at-most NAME A.json B.json
      total online rounds of A <= those of B.
Reports come from `mpcvit-opt PROG.mlir --mpcvit-cost-report=json`.
"""
import json
import sys

MIXED = [["softmax", "relu_softmax", "scale", "scale"],
         ["relu_softmax", "scale", "scale", "scale"],
         ["scale", "scale", "scale", "scale"],
         ["softmax", "softmax", "relu_softmax", "scale"]]


def arch(kinds, gelu):
    return {"format": "mpcvit.arch.v1",
            "model": {"depth": 4, "heads": 4, "tokens": 17, "dim": 64},
            "layers": [{"heads": k, "gelu": g} for k, g in zip(kinds, gelu)]}


def layer_rounds(path):
    with open(path) as f:
        rep = json.load(f)
    return {row["layer"]: row["online_rounds"] for row in rep["layers"]
            if row["layer"] is not None}, rep["total"]["online_rounds"]


def main(argv):
    cmd = argv[0]
    if cmd == "archs":
        out, plus = argv[1], argv[2]
        gelu = [{"kind": "gelu"}] * 4
        files = {"mixed": arch(MIXED, gelu)}
        for k in ("softmax", "relu_softmax", "scale"):
            files[k] = arch([[k] * 4] * 4, gelu)
        with open(plus) as f:
            p = json.load(f)
        for layer in p["layers"]:
            layer["gelu"] = {"kind": "gelu"}
        files["plain"] = p
        for name, a in files.items():
            with open(f"{out}/{name}.arch.json", "w") as f:
                json.dump(a, f)
        return 0
    if cmd == "layers":
        with open(argv[1]) as f:
            kinds = [layer["heads"] for layer in json.load(f)["layers"]]
        mixed, _ = layer_rounds(argv[2])
        uniform = {}
        for spec in argv[3:]:
            k, path = spec.split("=", 1)
            uniform[k] = layer_rounds(path)[0]
        bad = 0
        for l, ks in enumerate(kinds):
            present = set(ks)
            worst = max(present, key=lambda k: uniform[k][l])
            ok = mixed[l] <= uniform[worst][l] + 1
            bad += not ok
            print(f"layer {l} {'+'.join(sorted(present))}: {mixed[l]} rounds, "
                  f"all-{worst} {uniform[worst][l]}: {'ok' if ok else 'TOO MANY'}")
        return 1 if bad else 0
    if cmd == "at-most":
        name, a, b = argv[1:4]
        ra, rb = layer_rounds(a)[1], layer_rounds(b)[1]
        print(f"{name}: {ra} rounds vs {rb}: {'ok' if ra <= rb else 'MORE'}")
        return 0 if ra <= rb else 1
    raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
