"""The per-kind cost table agrees with its source and gives sane penalties."""

import json
import os
import unittest

from mpcvit import costs
from tests.util import REPO


class CostTest(unittest.TestCase):
    def test_table_matches_benchmark(self):
        with open(os.path.join(REPO, costs.SOURCE)) as f:
            bench = {op["op"]: op for op in json.load(f)["ops"]}
        for kind, op in (("softmax", "softmax"), ("relu_softmax", "relu_softmax"),
                         ("gelu", "gelu"), ("quad", "quad_gelu")):
            self.assertEqual(costs.TABLE[kind]["bytes"], bench[op]["bytes_server"], kind)
            self.assertEqual(costs.TABLE[kind]["bytes"], bench[op]["bytes_client"], kind)
            self.assertEqual(costs.TABLE[kind]["rounds"], bench[op]["rounds"], kind)

    def test_head_costs(self):
        h = costs.head_costs("fmnist-tiny", "wan", "table")
        self.assertEqual(h["scale"], 0.0)
        # RS: 289 scores x 1428577/16900 bytes at 400 Mbit/s + 29/4 rounds x 4 ms
        rs = 29 / 4 * 4.0 + 289 * 1428577 / 16900 * 8 / 400e6 * 1e3
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
        self.assertEqual(costs.op_costs("auto")["softmax"]["rounds"] > 0, True)


if __name__ == "__main__":
    unittest.main()
