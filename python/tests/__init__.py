"""Tests of python/mpcvit (run: cd python && PYTHONPATH=. /usr/bin/python3 -m unittest discover -s tests -t .).

One torch thread: the tensors are tiny, and on a shared 2-core machine a
second OpenMP thread mostly spin-waits (it made the suite 4x slower).
"""

import torch

torch.set_num_threads(1)
