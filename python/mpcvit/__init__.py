"""mpcvit: search, distillation and export of MPC-friendly Vision Transformers.

The Python side of the mpcvit toolchain (DESIGN.md §7). Run every module with
the system interpreter, which has PyTorch, NumPy, ONNX and tqdm from apt::

    /usr/bin/python3 -m mpcvit.train    --help   # teacher / baselines
    /usr/bin/python3 -m mpcvit.search   --help   # per-head alpha search (MPCViT)
    /usr/bin/python3 -m mpcvit.retrain  --help   # frozen mask + KD (MPCViT, MPCViT+)
    /usr/bin/python3 -m mpcvit.export   --help   # ONNX + arch.json + metrics.json

(with ``PYTHONPATH=python`` from the repository root).

Modules: ``data`` (Fashion-MNIST IDX loader), ``model`` (ViT-Lite with
per-head attention kinds and GeLU kinds), ``arch`` (arch.json v1 I/O),
``costs`` (per-kind 2PC costs for the search penalty), ``engine`` (training
loop, checkpoints), ``onnx_fixtures`` (importer test fixtures, issue 3).
"""

__version__ = "0.1.0"
