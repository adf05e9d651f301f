"""The search's latency term is the critical path of each layer (issue [rounds] 3).

- the relaxation (costs.expected_cost / expected_max_rounds) equals the exact
  expectation, by enumeration of every kind assignment of a small layer;
- the critical-path discretisation (arch.critical_path_mask) equals brute
  force over every mask of a small model;
- costs.layer_cost equals the compiler's per-layer cost report of compiled
  models with mixed archs (skipped without the tools).
"""

import itertools
import json
import os
import random
import unittest

import torch

from mpcvit import arch as A
from mpcvit import costs, retrain, search
from tests.util import REPO, tool

# Synthetic per-kind costs (rounds deliberately not sorted by kind order).
KINDS = {"scale": {"bytes": 0.0, "rounds": 0}, "relu_softmax": {"bytes": 36708.0, "rounds": 29},
         "softmax": {"bytes": 82057.0, "rounds": 83}, "2quad": {"bytes": 23553.0, "rounds": 21}}


def enumerate_expectation(probs, kinds):
    """E[bytes], E[max rounds] by summing over all K^H assignments."""
    names = list(kinds)
    eb = er = 0.0
    for assign in itertools.product(range(len(names)), repeat=len(probs)):
        p = 1.0
        for h, k in enumerate(assign):
            p *= probs[h][k]
        eb += p * sum(kinds[names[k]]["bytes"] for k in assign)
        er += p * max(kinds[names[k]]["rounds"] for k in assign)
    return eb, er


class RelaxationTest(unittest.TestCase):
    def test_two_kinds_equals_enumeration(self):
        rng = random.Random(0)
        hi, lo = KINDS["relu_softmax"], KINDS["scale"]
        two = {"scale": lo, "relu_softmax": hi}
        for trial in range(20):
            alpha = [rng.random() for _ in range(4)]
            if trial == 0:
                alpha = [0.0, 1.0, 0.5, 0.25]
            ref_b, ref_r = enumerate_expectation([(1 - a, a) for a in alpha], two)
            eb, er = costs.expected_cost(alpha, hi, lo)
            self.assertAlmostEqual(eb, ref_b, places=6)
            self.assertAlmostEqual(er, ref_r, places=9)
            # closed form of the docstring
            prod = 1.0
            for a in alpha:
                prod *= 1 - a
            self.assertAlmostEqual(er, lo["rounds"] + (hi["rounds"] - lo["rounds"]) * (1 - prod),
                                   places=9)
            # the torch path (used in training) agrees and is differentiable
            t = torch.tensor(alpha, dtype=torch.float64, requires_grad=True)
            tb, tr = costs.expected_cost(t, hi, lo)
            self.assertAlmostEqual(float(tb), ref_b, places=6)
            self.assertAlmostEqual(float(tr), ref_r, places=9)
            tr.backward()
            for h in range(4):  # ∂E[R]/∂α_h = Δr · Π_{h'≠h} (1 − α_h')
                others = 1.0
                for g, a in enumerate(alpha):
                    if g != h:
                        others *= 1 - a
                self.assertAlmostEqual(float(t.grad[h]), 29 * others, places=9)
        # reversed order of hi/lo (r_hi < r_lo) is still E[max]
        alpha = [0.2, 0.7, 0.4, 0.9]
        ref = enumerate_expectation([(1 - a, a) for a in alpha], two)[1]
        self.assertAlmostEqual(costs.expected_cost([1 - a for a in alpha], lo, hi)[1], ref, places=9)
        t = torch.tensor([1 - a for a in alpha], dtype=torch.float64)
        self.assertAlmostEqual(float(costs.expected_cost(t, lo, hi)[1]), ref, places=9)

    def test_four_kinds_equals_enumeration(self):
        rng = random.Random(1)
        names = list(KINDS)
        rounds = [KINDS[k]["rounds"] for k in names]
        for _ in range(10):
            probs = []
            for _ in range(4):
                w = [rng.random() ** 2 for _ in names]
                probs.append([v / sum(w) for v in w])
            _, ref = enumerate_expectation(probs, KINDS)
            self.assertAlmostEqual(costs.expected_max_rounds(probs, rounds), ref, places=9)

    def test_corners_equal_discrete_layers(self):
        kc = costs.kind_costs("table")
        rng = random.Random(2)
        for _ in range(10):
            mask = [[rng.randint(0, 1) for _ in range(4)] for _ in range(4)]
            heads = [["relu_softmax" if m else "scale" for m in row] for row in mask]
            want = sum(costs.latency_ms(*costs.attention_cost(h, kc)) for h in heads)
            got = search.expected_latency_ms([torch.tensor(row, dtype=torch.float64)
                                              for row in mask], kc)
            self.assertAlmostEqual(float(got), want, places=9)
            toks = [[rng.randint(0, 1) for _ in range(17)] for _ in range(4)]
            want = sum(costs.latency_ms(*costs.mlp_cost(t, kc)) for t in toks)
            got = retrain.expected_mlp_latency_ms([torch.tensor(t, dtype=torch.float64)
                                                   for t in toks], kc)
            self.assertAlmostEqual(float(got), want, places=9)

    def test_penalty_counts_rounds_once_per_layer(self):
        kc = costs.kind_costs("table")
        rs = kc["heads"]["relu_softmax"]
        one = costs.layer_latency_ms(["relu_softmax", "scale", "scale", "scale"], kc)
        four = costs.layer_latency_ms(["relu_softmax"] * 4, kc)
        step = costs.latency_ms(0, rs["rounds"])
        # the rounds are paid once; only the bytes grow with the RS heads
        self.assertAlmostEqual(four - one, costs.latency_ms(3 * rs["bytes"], 0), places=9)
        self.assertAlmostEqual(search.layer_price(1.0, kc), step, places=9)


class CriticalPathMaskTest(unittest.TestCase):
    def brute(self, scores, k, c):
        flat = [(li, i) for li, row in enumerate(scores) for i in range(len(row))]
        best = None
        for chosen in itertools.combinations(flat, k):
            s = set(chosen)
            mask = [[int((li, i) in s) for i in range(len(row))] for li, row in enumerate(scores)]
            v = A.mask_objective(scores, mask, c)
            if best is None or v > best[0]:
                best = (v, mask)
        return best

    def test_dp_equals_brute_force(self):
        rng = random.Random(3)
        for trial in range(12):
            scores = [[rng.random() for _ in range(3)] for _ in range(3)]
            for c in (0.0, 0.05, 0.3, 1.0, 3.0):
                for k in range(10):
                    ref_v, ref_mask = self.brute(scores, k, c)
                    mask = A.critical_path_mask(scores, k, c)
                    self.assertEqual(sum(map(sum, mask)), k)
                    self.assertAlmostEqual(A.mask_objective(scores, mask, c), ref_v, places=12)
                    self.assertEqual(mask, ref_mask, (scores, c, k))  # unique optimum
        # per-layer prices
        scores = [[0.9, 0.1, 0.2], [0.5, 0.45, 0.4], [0.3, 0.8, 0.05]]
        for costs_l in ([0.0, 2.0, 0.0], [1.0, 0.1, 0.5]):
            for k in range(10):
                self.assertAlmostEqual(
                    A.mask_objective(scores, A.critical_path_mask(scores, k, costs_l), costs_l),
                    self.brute(scores, k, costs_l)[0], places=12)

    def test_cost_zero_is_topk_and_cost_concentrates(self):
        alphas = [[0.9, 0.1, 0.5, 0.3], [0.2, 0.8, 0.7, 0.0]]
        self.assertEqual(A.select_mask(alphas, 0.5, "critical-path", 0.0),
                         A.topk_mask(alphas, 0.5))
        # a high price puts all k = 4 RS heads into one layer
        heads = A.discretise_heads(alphas, 0.5, "critical-path", 10.0)
        self.assertEqual(heads[0], ["relu_softmax"] * 4)
        self.assertEqual(heads[1], ["scale"] * 4)
        with self.assertRaisesRegex(ValueError, "unknown discretisation"):
            A.select_mask(alphas, 0.5, "greedy")
        with self.assertRaises(ValueError):
            A.critical_path_mask(alphas, 9, 0.0)


MU05 = os.path.join(REPO, "models", "fmnist", "mpcvit_mu0.5")


@unittest.skipUnless(tool("mpcvit-compile") and tool("mpcvit-opt")
                     and os.path.isfile(os.path.join(MU05, "model.onnx")),
                     "mpcvit-compile / mpcvit-opt not built or models/fmnist missing")
class CompilerAgreementTest(unittest.TestCase):
    """costs.layer_cost against the compiler's per-layer critical path."""

    @classmethod
    def setUpClass(cls):
        try:
            cls.kc = costs.kind_costs("compiler", "fmnist-tiny")
        except costs.CostSourceError as e:
            raise unittest.SkipTest(f"compiler cost report unavailable: {e}")
        with open(os.path.join(MU05, "arch.json")) as f:
            cls.mu05 = json.load(f)

    def report(self, layers):
        arch = A.make(self.mu05["model"], [h for h, _ in layers],
                      [g for _, g in layers])
        return costs.compile_report(os.path.join(MU05, "model.onnx"), arch)

    def test_layer_rounds_and_bytes(self):
        lin = lambda *ones: {"kind": "linearize",  # noqa: E731
                             "tokens": [int(t in ones) for t in range(17)]}
        g = {"kind": "gelu"}
        archs = [
            [(["scale"] * 4, g)] * 4,
            [(layer["heads"], layer["gelu"]) for layer in self.mu05["layers"]],
            [(["softmax", "relu_softmax", "scale", "scale"], g),
             (["2quad", "scale", "relu_softmax", "scale"], lin(0, 3, 7)),
             (["relu_softmax"] * 4, lin()),
             (["scale"] * 4, lin(*range(17)))],
        ]
        for layers in archs:
            rep = self.report(layers)
            for li, (heads, gelu) in enumerate(layers):
                tokens = gelu.get("tokens")
                b, r = costs.layer_cost(heads, self.kc, tokens, whole=True)
                got = rep["layers"][li]
                self.assertEqual(r, got["online_rounds"], (li, heads, gelu))
                self.assertLessEqual(got["online_rounds"], got["sequential_rounds"])
                # bytes: Σ over heads of one head's cost (the compiler packs
                # a group's openings, so a few bytes fewer)
                self.assertAlmostEqual(b / got["online_bytes_sent_per_party_max"], 1.0, delta=0.005)

    def test_difference_is_rs_step_regardless_of_count(self):
        hk = self.kc["heads"]
        step = hk["relu_softmax"]["rounds"] - hk["scale"]["rounds"]
        g = {"kind": "gelu"}
        base = self.report([(["scale"] * 4, g)] * 4)
        mixed_layers = [["relu_softmax", "scale", "scale", "scale"],
                        ["relu_softmax", "relu_softmax", "scale", "scale"],
                        ["scale", "relu_softmax", "relu_softmax", "relu_softmax"],
                        ["relu_softmax"] * 4]
        mixed = self.report([(h, g) for h in mixed_layers])
        for li, heads in enumerate(mixed_layers):
            d = mixed["layers"][li]["online_rounds"] - base["layers"][li]["online_rounds"]
            self.assertEqual(d, step, heads)
            # and costs.py's layer latency differs by exactly that step's rounds
            # plus the bytes of the RS heads
            lat = (costs.layer_latency_ms(heads, self.kc)
                   - costs.layer_latency_ms(["scale"] * 4, self.kc))
            n_rs = heads.count("relu_softmax")
            self.assertAlmostEqual(lat, costs.latency_ms(n_rs * hk["relu_softmax"]["bytes"], step),
                                   places=9)
        # the committed μ = 0.5 arch (critical-path DP: RS heads in 3 of the 4
        # layers): a layer pays the step iff it has an RS head
        layers = self.mu05["layers"]
        rep = self.report([(layer["heads"], layer["gelu"]) for layer in layers])
        self.assertIn(0, [layer["heads"].count("relu_softmax") for layer in layers])
        for li, layer in enumerate(layers):
            self.assertEqual(rep["layers"][li]["online_rounds"]
                             - base["layers"][li]["online_rounds"],
                             step if "relu_softmax" in layer["heads"] else 0)

    def test_token_groups_cost_the_longer_branch(self):
        t = self.kc["tokens"]
        self.assertEqual(t["gelu"]["ops"], ["mpc.mmul_sp", "mpc.gelu", "mpc.mmul_sp"])
        self.assertEqual(t["linear"]["ops"], ["mpc.mmul_sp", "mpc.relu"])
        self.assertGreater(t["gelu"]["rounds"], t["linear"]["rounds"])
        heads = ["scale"] * 4
        rep = self.report([(heads, {"kind": "linearize", "tokens": [0] * 17}),
                           (heads, {"kind": "linearize", "tokens": [1] + [0] * 16}),
                           (heads, {"kind": "linearize", "tokens": [0] * 16 + [1]}),
                           (heads, {"kind": "gelu"})])
        r = [layer["online_rounds"] for layer in rep["layers"]]
        self.assertEqual(r[1] - r[0], t["gelu"]["rounds"] - t["linear"]["rounds"])
        self.assertEqual(r[1], r[2])
        self.assertEqual(r[1], r[3])


if __name__ == "__main__":
    unittest.main()
