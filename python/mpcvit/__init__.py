"""mpcvit: search, distillation and export of MPC-friendly Vision Transformers,
and a Python API over the private-inference toolchain.

The API (``api``, docs/python-api.md)::

    import mpcvit
    prog = mpcvit.compile("model.onnx", arch="arch.json")  # -> mpcvit.Program
    prog.cost("wan")                 # predicted bytes, rounds, latency
    logits = prog.run_local(x)       # x float [N, 1, 28, 28] -> [N, classes]
    # raw uint8 images or PNG paths, when the program records its normalisation
    # two hosts: prog.serve_dealer(...), prog.serve(...), mpcvit.Client(...).infer(x)

The Python side of the mpcvit toolchain (DESIGN.md §7). Run every module with
the system interpreter, which has PyTorch, NumPy, ONNX and tqdm from apt::

    /usr/bin/python3 -m mpcvit.train    --help   # teacher / baselines
    /usr/bin/python3 -m mpcvit.search   --help   # per-head alpha search (MPCViT)
    /usr/bin/python3 -m mpcvit.retrain  --help   # frozen mask + KD (MPCViT, MPCViT+)
    /usr/bin/python3 -m mpcvit.export   --help   # ONNX + arch.json + metrics.json
    /usr/bin/python3 -m mpcvit.byo      --help   # the same steps for your own ViT

(with ``PYTHONPATH=python`` from the repository root).

Modules: ``data`` (Fashion-MNIST IDX loader), ``model`` (ViT-Lite with
per-head attention kinds and GeLU kinds), ``arch`` (arch.json v1 I/O),
``costs`` (per-kind 2PC costs for the search penalty), ``engine`` (training
loop, checkpoints), ``onnx_fixtures`` (importer test fixtures, issue 3),
``plaintext`` (the float reference of a compiled program), ``api`` (compile,
cost, run locally or between hosts; exported here), ``adapters`` (a user's
ViT with its attention and MLP blocks wrapped in the search's head and GeLU
kinds), ``byo`` (search, distillation and export of a user's own ViT, with
search / retrain / costs doing the work).
"""

__version__ = "0.1.0"

from mpcvit.api import (Client, MpcvitError, Program, Service, TestCerts,  # noqa: E402
                        TlsFiles, bin_dir, compile, load, make_test_certs, read_images)

__all__ = ["Client", "MpcvitError", "Program", "Service", "TestCerts", "TlsFiles",
           "bin_dir", "compile", "load", "make_test_certs", "read_images"]
