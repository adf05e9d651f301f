"""Plaintext reference of a private program: the same rewritten model in float.

    plaintext_logits(bin_dir, onnx_path, arch_path, images_npy, work_dir)

Runs the compiler's own steps on the ONNX model (``mpcvit-translate
--import-onnx``, ``mpcvit-opt --mpcvit-raise-patterns``, then
``--mpcvit-pipeline=arch=ARCH`` when ``arch_path`` exists) and evaluates the
result with ``mpcvit-run --plaintext --batch``: the float reference that the
2PC executable of ``mpcvit-compile`` must agree with (scripts/demo.py,
bench/report.py). Returns float32 logits [N, C] for the N images of
``images_npy`` ([N, ...], the model's input shape without the batch).
Intermediate files go to ``work_dir``. Raises :class:`ToolError` naming the
command and its stderr when a tool fails or runs past ``timeout_s``.
"""

import os
import subprocess

import numpy as np


class ToolError(RuntimeError):
    """A toolchain command failed."""


def _run(cmd, timeout_s):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired as e:
        raise ToolError(f"{' '.join(cmd)} ran past {timeout_s} s") from e
    if r.returncode != 0:
        raise ToolError(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr.strip()}")


def plaintext_logits(bin_dir, onnx_path, arch_path, images_npy, work_dir, timeout_s=1800):
    vit = os.path.join(work_dir, "plain.model.mlir")
    raised = os.path.join(work_dir, "plain.raised.mlir")
    _run([os.path.join(bin_dir, "mpcvit-translate"), "--import-onnx", onnx_path, "-o", vit],
         timeout_s)
    _run([os.path.join(bin_dir, "mpcvit-opt"), "--mpcvit-raise-patterns", vit, "-o", raised],
         timeout_s)
    plain = raised
    if arch_path and os.path.isfile(arch_path):
        plain = os.path.join(work_dir, "plain.mlir")
        _run([os.path.join(bin_dir, "mpcvit-opt"), f"--mpcvit-pipeline=arch={arch_path}",
              raised, "-o", plain], timeout_s)
    out = os.path.join(work_dir, "plain.npy")
    _run([os.path.join(bin_dir, "mpcvit-run"), "--plaintext", plain, "--batch",
          "--input", images_npy, "--output", out], timeout_s)
    return np.load(out).reshape(len(np.load(images_npy)), -1)
