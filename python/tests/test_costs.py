"""The per-kind cost table agrees with its source and gives sane penalties."""

import json
import os
import unittest

from mpcvit import costs
from tests.util import REPO


class CostTest(unittest.TestCase):
    def test_table_matches_benchmark(self):
        with open(os.path.join(REPO, costs.SOURCE)) as f:
            # the table is the default comparison protocol (A2B)
            bench = {op["op"]: op for op in json.load(f)["ops"]
                     if op.get("compare", "a2b") in ("a2b", "none")}
        for kind, op in (("softmax", "softmax"), ("relu_softmax", "relu_softmax"),
                         ("gelu", "gelu"), ("quad", "quad_gelu"), ("relu", "relu")):
            self.assertEqual(costs.TABLE[kind]["bytes"], bench[op]["bytes_server"], kind)
            self.assertEqual(costs.TABLE[kind]["bytes"], bench[op]["bytes_client"], kind)
            self.assertEqual(costs.TABLE[kind]["rounds"], bench[op]["rounds"], kind)

    def test_head_costs(self):
        h = costs.head_costs("fmnist-tiny", "wan", "table")
        self.assertEqual(h["scale"], 0.0)
        # RS: 289 scores x 1428577/16900 bytes at 400 Mbit/s + 29/4 rounds x
        # 4 ms / 2 (a round is one message hop: the one-way delay)
        rs = 29 / 4 * 4.0 / 2 + 289 * 1428577 / 16900 * 8 / 400e6 * 1e3
        self.assertAlmostEqual(h["relu_softmax"], rs, places=9)
        self.assertGreater(h["softmax"], 3 * h["relu_softmax"])
        self.assertGreater(costs.head_costs("vit_7_4_32", "wan", "table")["relu_softmax"],
                           h["relu_softmax"])

    def test_token_costs(self):
        t = costs.token_costs("fmnist-tiny", "wan", "table")
        self.assertGreater(t["gelu"], t["linear"])
        self.assertGreater(t["linear"], 0)

    def test_sources(self):
        with self.assertRaisesRegex(ValueError, "unknown cost source"):
            costs.op_costs("guess")
        self.assertEqual(costs.op_costs("table")["relu_softmax"]["source"], costs.SOURCE)

    def test_compiler_report(self):
        try:
            c = costs.op_costs("compiler", config="fmnist-tiny")
        except costs.CostSourceError as e:
            self.skipTest(f"compiler cost report unavailable: {e}")
        self.assertEqual(c["relu_softmax"]["source"], "mpcvit-opt --mpcvit-cost-report=json")
        self.assertEqual(c["scale"]["bytes_per_elem"], 0)
        self.assertEqual(c["scale"]["rounds"], 0)
        self.assertGreater(c["softmax"]["rounds"], c["relu_softmax"]["rounds"])
        self.assertGreater(c["softmax"]["bytes_per_elem"], c["relu_softmax"]["bytes_per_elem"])
        self.assertIn("2quad", c)
        self.assertEqual(c["gelu"]["source"], costs.SOURCE)  # GeLU stays on the table
        h = costs.head_costs("fmnist-tiny", "wan", "compiler")
        self.assertGreater(h["softmax"], 2 * h["relu_softmax"] > 0)


if __name__ == "__main__":
    unittest.main()
