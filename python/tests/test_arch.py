"""arch.json v1 I/O, validation messages, and top-k discretisation."""

import json
import os
import tempfile
import unittest

import torch

from mpcvit import arch as A
from mpcvit.model import ViTLite

INFO = {"depth": 4, "heads": 4, "tokens": 17, "dim": 64}


def sample():
    heads = [["relu_softmax", "scale", "softmax", "2quad"], ["scale"] * 4,
             ["2relu", "relu_softmax", "scale", "scale"], ["relu_softmax"] * 4]
    gelu = [{"kind": "gelu"}, {"kind": "quad"},
            {"kind": "linearize", "tokens": [1, 0] * 8 + [1]}, {"kind": "gelu"}]
    return A.make(INFO, heads, gelu)


class ArchIoTest(unittest.TestCase):
    def test_file_round_trip(self):
        a = sample()
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "arch.json")
            A.save(a, p)
            self.assertEqual(A.load(p, INFO), a)
            with open(p) as f:
                self.assertEqual(json.load(f), a)  # plain JSON, nothing extra

    def test_model_round_trip(self):
        m = ViTLite("fmnist-tiny").apply_arch(sample())
        self.assertEqual(m.arch(), sample())
        self.assertEqual(m.blocks[2].beta_mask.tolist(), [1.0, 0.0] * 8 + [1.0])
        self.assertEqual(m.blocks[0].self_attn.kinds[3], "2quad")
        m2 = ViTLite("fmnist-tiny").apply_arch(json.loads(A.dumps(m.arch())))
        self.assertEqual(m2.arch(), m.arch())

    def err(self, arch, pattern, model=INFO):
        with self.assertRaisesRegex(A.ArchError, pattern):
            A.validate(arch, model, name="x.json")

    def test_errors(self):
        a = sample()
        self.err(dict(a, format="mpcvit.arch.v2"),
                 r'x.json: format: expected "mpcvit.arch.v1", got \'mpcvit.arch.v2\'')
        self.err(dict(a, layers=a["layers"][:3]),
                 r"layers: expected model.depth = 4 layers, got 3")
        bad = json.loads(json.dumps(a))
        bad["layers"][1]["heads"] = ["scale"] * 3
        self.err(bad, r"layers\[1\].heads: expected model.heads = 4 kinds, got 3")
        bad["layers"][1]["heads"] = ["scale", "scale", "relu", "scale"]
        self.err(bad, r"layers\[1\].heads\[2\]: expected one of softmax, .*got 'relu'")
        bad = json.loads(json.dumps(a))
        bad["layers"][2]["gelu"]["tokens"] = [1] * 16
        self.err(bad, r"layers\[2\].gelu.tokens: expected model.tokens = 17 entries, got 16")
        bad["layers"][2]["gelu"]["tokens"] = [1] * 16 + [2]
        self.err(bad, r"layers\[2\].gelu.tokens\[16\]: expected 0 or 1, got 2")
        bad = json.loads(json.dumps(a))
        bad["layers"][0]["gelu"] = {"kind": "gelu", "tokens": [1] * 17}
        self.err(bad, r'layers\[0\].gelu.tokens: only allowed with kind "linearize"')
        bad["layers"][0]["gelu"] = {"kind": "relu"}
        self.err(bad, r"layers\[0\].gelu.kind: expected one of gelu, quad, linearize, got 'relu'")
        self.err(a, r"model.tokens: the file has tokens = 17 but the model has tokens = 65",
                 dict(INFO, tokens=65))
        self.err(dict(a, model=dict(INFO, depth=0)), r"model.depth: expected a positive integer")

    def test_load_errors(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "a.json")
            with open(p, "w") as f:
                f.write("{not json")
            with self.assertRaisesRegex(A.ArchError, "a.json: invalid JSON"):
                A.load(p)
            with self.assertRaisesRegex(A.ArchError, "cannot read arch file"):
                A.load(os.path.join(d, "missing.json"))

    def test_model_rejects_mismatch(self):
        with self.assertRaisesRegex(A.ArchError, "the file has depth = 4 but the model has depth = 7"):
            ViTLite("vit_7_4_32").apply_arch(sample())


class TopKTest(unittest.TestCase):
    def test_global_topk(self):
        alphas = [[0.9, 0.1, 0.5, 0.3], [0.2, 0.8, 0.7, 0.0]]
        self.assertEqual(A.topk_mask(alphas, 0.5), [[1, 0, 1, 0], [0, 1, 1, 0]])
        self.assertEqual(A.topk_mask(alphas, 0.25), [[1, 0, 0, 0], [0, 1, 0, 0]])
        self.assertEqual(A.topk_mask(alphas, 0.0), [[0] * 4, [0] * 4])
        self.assertEqual(A.topk_mask(alphas, 1.0), [[1] * 4, [1] * 4])
        # ties: the earlier layer/head wins
        self.assertEqual(A.topk_mask([[0.5, 0.5], [0.5, 0.5]], 0.5), [[1, 1], [0, 0]])
        with self.assertRaises(ValueError):
            A.topk_mask(alphas, 1.5)

    def test_discretise_counts(self):
        g = torch.Generator().manual_seed(0)
        alphas = torch.rand(4, 4, generator=g).tolist()
        for mu, k in ((0.1, 2), (0.3, 5), (0.5, 8), (0.7, 11)):
            heads = A.discretise_heads(alphas, mu)
            flat = [h for row in heads for h in row]
            self.assertEqual(flat.count("relu_softmax"), k, mu)
            self.assertEqual(flat.count("scale"), 16 - k)
            # every kept head has a larger α than every dropped head
            kept = [a for ra, rh in zip(alphas, heads) for a, h in zip(ra, rh) if h == "relu_softmax"]
            drop = [a for ra, rh in zip(alphas, heads) for a, h in zip(ra, rh) if h == "scale"]
            self.assertGreater(min(kept), max(drop))


if __name__ == "__main__":
    unittest.main()
