"""Model directories for bench/report.py and bench/scale.py (issue 20, item 5).

A model directory holds one ONNX file (``model.onnx``, or the only ``*.onnx``),
optionally ``arch.json`` (the NAS result, applied by mpcvit-compile --arch),
``metrics.json`` (``test_top1``) and test data: ``inputs.npy`` (float images
normalised as the model expects, or uint8 raw images when the model records
its preprocessing) with optional ``labels.npy`` (python/mpcvit's export also
writes ``sample_input.npy``, a last resort). A bare NAME means
``models/fmnist/NAME``.
"""

import glob
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FMNIST = os.path.join(ROOT, "models", "fmnist")


def is_path(entry):
    return os.sep in entry or entry.startswith(".") or os.path.isdir(entry)


def resolve(entry):
    """(name, directory) of a --models entry: a NAME under models/fmnist or a
    directory. Raises ValueError naming what is missing."""
    d = os.path.abspath(entry) if is_path(entry) else os.path.join(FMNIST, entry)
    if not os.path.isdir(d):
        raise ValueError(f"{entry}: no such model directory" +
                         ("" if is_path(entry) else f" (looked for {d})"))
    onnx_file(d)
    return os.path.basename(os.path.normpath(d)), d


def onnx_file(d):
    """model.onnx, else the only *.onnx of directory d."""
    if os.path.isfile(os.path.join(d, "model.onnx")):
        return os.path.join(d, "model.onnx")
    found = sorted(glob.glob(os.path.join(d, "*.onnx")))
    if len(found) != 1:
        raise ValueError(f"{d}: expected model.onnx or exactly one *.onnx, found "
                         f"{len(found)}")
    return found[0]


def arch_file(d):
    p = os.path.join(d, "arch.json")
    return p if os.path.isfile(p) else None


def data(d, count, sample=False):
    """(inputs, labels or None) of the directory's own data, inputs.npy (+
    labels.npy), else with `sample` the export's sample_input.npy (first
    `count` items); (None, None) when it has none."""
    for xs, ys in (("inputs.npy", "labels.npy"),) + ((("sample_input.npy", None),)
                                                      if sample else ()):
        p = os.path.join(d, xs)
        if os.path.isfile(p):
            x = np.load(p)[:count]
            y = None
            if ys and os.path.isfile(os.path.join(d, ys)):
                y = np.load(os.path.join(d, ys))[:len(x)].astype(np.int64)
            return x, y
    return None, None
