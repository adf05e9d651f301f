"""bench/report.sh and bench/scale.sh on any model directory (issue 20,
item 5): a directory with an ONNX file, an optional arch.json and optional
data (inputs.npy, labels.npy), run with a tiny limit (2 images, loopback).

Needs the C++ tools (MPCVIT_BUILD_DIR, else build/); skipped without them.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

import numpy as np

from tests.util import BIN, REPO, missing_tools_or_data

MODEL = os.path.join(REPO, "models", "fmnist", "mpcvit_mu0.5")

sys.path.insert(0, os.path.join(REPO, "bench"))
import model_dirs  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ModelDirsTest(unittest.TestCase):
    def test_resolve(self):
        self.assertEqual(model_dirs.resolve("mpcvit_mu0.5"), ("mpcvit_mu0.5", MODEL))
        with self.assertRaisesRegex(ValueError, "no such model directory"):
            model_dirs.resolve("no_such_model")
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaisesRegex(ValueError, "exactly one"):
                model_dirs.resolve(d)
            shutil.copy(os.path.join(MODEL, "model.onnx"), os.path.join(d, "vit.onnx"))
            self.assertEqual(model_dirs.onnx_file(d), os.path.join(d, "vit.onnx"))
            self.assertIsNone(model_dirs.arch_file(d))
            self.assertEqual(model_dirs.data(d, 2), (None, None))


@unittest.skipIf(missing_tools_or_data(), missing_tools_or_data())
class BenchScriptsTest(unittest.TestCase):
    def setUp(self):
        from mpcvit import data
        self.tmp = tempfile.mkdtemp(prefix="mpcvit-test-bench-")
        self.model = os.path.join(self.tmp, "my_model")  # any directory
        os.makedirs(self.model)
        shutil.copy(os.path.join(MODEL, "model.onnx"), os.path.join(self.model, "vit.onnx"))
        shutil.copy(os.path.join(MODEL, "arch.json"), self.model)
        images, labels = data.load_split("test")
        np.save(os.path.join(self.model, "inputs.npy"), data.normalize(images[:3]))
        np.save(os.path.join(self.model, "labels.npy"), labels[:3])
        self.build = os.path.dirname(BIN)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_script(self, *args):
        r = subprocess.run(["bash", *args], capture_output=True, text=True, timeout=900,
                           env=dict(os.environ, MPCVIT_BUILD_DIR=self.build))
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        return r.stdout

    def test_report(self):
        out = os.path.join(self.tmp, "results")
        self.run_script(os.path.join(REPO, "bench", "report.sh"), "--no-netem",
                        "--count", "2", "--models", self.model, "--out", out)
        with open(os.path.join(out, "report.json")) as f:
            rows = json.load(f)["models"]
        self.assertEqual([r["model"] for r in rows], ["my_model"])
        r = rows[0]
        self.assertEqual((r["images"], r["agreement"]), (2, 2))
        self.assertIsNotNone(r["private_top1"])
        self.assertLess(r["max_abs_logit_diff"], 1e-2)
        self.assertTrue(os.path.isfile(os.path.join(out, "report.md")))

    def test_scale(self):
        out = os.path.join(self.tmp, "scale.json")
        self.run_script(os.path.join(REPO, "bench", "scale.sh"), "--models", self.model,
                        "--networks", "loopback", "--count", "1", "--out", out,
                        "--port", str(free_port()), "--timeout-s", "600")
        with open(out) as f:
            m = json.load(f)["models"]
        self.assertEqual([x["model"] for x in m], ["my_model"])
        run = m[0]["runs"][0]
        self.assertEqual((run["network"], run["images"]), ("loopback", 1))
        self.assertEqual(run["online_rounds"], m[0]["predicted"]["online_rounds"])

    def test_unknown_model(self):
        r = subprocess.run(["/usr/bin/python3", os.path.join(REPO, "bench", "scale.py"),
                            "--models", "no_such_model"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown model 'no_such_model'", r.stderr)


if __name__ == "__main__":
    unittest.main()
