"""Command lines: --help, clear errors, and short smoke runs (a few steps only)."""

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest

import torch

from mpcvit import arch as A
from mpcvit import engine, export, retrain, search, train
from tests.util import REPO, have_fmnist

SMALL = ["--limit-train", "640", "--limit-test", "100", "--batch-size", "32", "--threads", "1"]


def run_main(fn, argv):
    """Run a CLI main in-process; returns (exit code, stdout+stderr)."""
    buf = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        try:
            fn(argv)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
            if not isinstance(e.code, int) and e.code is not None:
                buf.write(str(e.code))
    return code, buf.getvalue()


class HelpTest(unittest.TestCase):
    def test_help(self):
        env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "python"))
        for mod, word in (("train", "teacher"), ("search", "top-k"),
                          ("retrain", "--linear-gelu"), ("export", "opset 17")):
            r = subprocess.run([sys.executable, "-m", f"mpcvit.{mod}", "--help"],
                               capture_output=True, text=True, env=env, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("usage: python3 -m mpcvit." + mod, r.stdout)
            self.assertIn(word, r.stdout)


class ErrorTest(unittest.TestCase):
    def test_missing_checkpoint(self):
        with tempfile.TemporaryDirectory() as d:
            code, out = run_main(export.main, ["--ckpt", os.path.join(d, "no.pt"), "--out", d])
            self.assertNotEqual(code, 0)
            self.assertIn("no.pt' not found", out)
            with open(os.path.join(d, "junk.pt"), "w") as f:
                f.write("junk")
            code, out = run_main(export.main, ["--ckpt", os.path.join(d, "junk.pt"), "--out", d])
            self.assertIn("not a readable checkpoint", out)

    def test_bad_arch(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "a.json")
            with open(p, "w") as f:
                json.dump({"format": A.FORMAT, "model": {"depth": 3, "heads": 4, "tokens": 17,
                                                         "dim": 64}, "layers": []}, f)
            code, out = run_main(retrain.main, ["--arch", p, "--out", d])
            self.assertNotEqual(code, 0)
            self.assertIn("the file has depth = 3 but the model has depth = 4", out)

    def test_bad_data_dir(self):
        with tempfile.TemporaryDirectory() as d:
            code, out = run_main(train.main, ["--out", d, "--data", d])
            self.assertNotEqual(code, 0)
            self.assertIn("train-images-idx3-ubyte.gz: no such file", out)

    def test_bad_mu(self):
        code, out = run_main(search.main, ["--out", "/nonexistent", "--mus", "0.5,1.5"])
        self.assertIn("every μ must be in [0, 1]", out)


@unittest.skipUnless(have_fmnist(), "Fashion-MNIST not installed")
class SmokeTest(unittest.TestCase):
    """A 20-step search, a short MPCViT+ retrain, resume, export (no real training)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.d = cls.tmp.name

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_search_retrain_export(self):
        d = self.d
        # a teacher with 5 steps stands in for the trained one
        code, out = run_main(train.main, ["--out", f"{d}/t", "--max-steps", "5", *SMALL])
        self.assertEqual(code, 0, out)
        code, out = run_main(search.main, ["--out", f"{d}/s", "--init", f"{d}/t/checkpoint.pt",
                                           "--max-steps", "20", "--lam", "0.05",
                                           "--mus", "0.25,0.5", *SMALL])
        self.assertEqual(code, 0, out)
        ck = engine.load_checkpoint(f"{d}/s/checkpoint.pt")
        self.assertEqual(ck["step"], 20)
        with open(f"{d}/s/alpha.json") as f:
            alphas = json.load(f)["alphas"]
        flat = [a for row in alphas for a in row]
        self.assertEqual(len(flat), 16)
        self.assertTrue(all(0.0 <= a <= 1.0 for a in flat))
        self.assertTrue(any(abs(a - 0.5) > 1e-3 for a in flat))  # α were trained
        # the latency penalty pushes the mean α down from 0.5
        self.assertLess(sum(flat) / 16, 0.5)
        arch = A.load(f"{d}/s/arch_mu0.5.json")
        heads = [h for layer in arch["layers"] for h in layer["heads"]]
        self.assertEqual(heads.count("relu_softmax"), 8)
        self.assertEqual(A.load(f"{d}/s/arch_mu0.25.json")["layers"][0]["gelu"], {"kind": "gelu"})
        # the search weights differ from the teacher's
        t = engine.load_checkpoint(f"{d}/t/checkpoint.pt")["model"]
        self.assertFalse(torch.equal(t["fc.weight"], ck["model"]["fc.weight"]))

        # resume: a second call finds the finished run and trains nothing more
        code, out = run_main(search.main, ["--out", f"{d}/s", "--init", f"{d}/t/checkpoint.pt",
                                           "--max-steps", "20", "--mus", "0.5", *SMALL])
        self.assertEqual(code, 0, out)
        self.assertIn("resumed", out)
        self.assertEqual(engine.load_checkpoint(f"{d}/s/checkpoint.pt")["step"], 20)

        # MPCViT+ retrain with KD: β search then frozen masks
        code, out = run_main(retrain.main, [
            "--arch", f"{d}/s/arch_mu0.5.json", "--init", f"{d}/s/checkpoint.pt",
            "--teacher", f"{d}/t/checkpoint.pt", "--out", f"{d}/r", "--max-steps", "4",
            "--linear-gelu", "--gelu-ratio", "0.25", *SMALL])
        self.assertEqual(code, 0, out)
        ra = A.load(f"{d}/r/arch.json")
        tokens = [t for layer in ra["layers"] for t in layer["gelu"]["tokens"]]
        self.assertEqual(len(tokens), 68)
        self.assertEqual(sum(tokens), 17)  # round(0.25 * 68)
        self.assertEqual([layer["heads"] for layer in ra["layers"]],
                         [layer["heads"] for layer in arch["layers"]])
        rk = engine.load_checkpoint(f"{d}/r/checkpoint.pt")
        self.assertEqual(rk["recipe"]["kd"], {"T": 1.0, "w_kd": 1.0, "w_tok": 1.0})
        self.assertGreater(rk["meta"]["upstream_s"], 0)

        code, out = run_main(export.main, ["--ckpt", f"{d}/r/checkpoint.pt", "--out", f"{d}/e",
                                           "--limit-test", "100"])
        self.assertEqual(code, 0, out)
        with open(f"{d}/e/metrics.json") as f:
            m = json.load(f)
        self.assertEqual(m["arch"]["relu_softmax_ratio"], 0.5)
        self.assertEqual(m["arch"]["gelu_tokens_kept"], 0.25)
        self.assertEqual(A.load(f"{d}/e/arch.json"), ra)


if __name__ == "__main__":
    unittest.main()
