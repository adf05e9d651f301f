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
                     if op.get("protocols", op.get("compare", "a2b")) in ("a2b", "none")}
        for kind, op in (("softmax", "softmax"), ("relu_softmax", "relu_softmax"),
                         ("gelu", "gelu"), ("quad", "quad_gelu"), ("relu", "relu")):
            self.assertEqual(costs.TABLE[kind]["bytes"], bench[op]["bytes_server"], kind)
            self.assertEqual(costs.TABLE[kind]["bytes"], bench[op]["bytes_client"], kind)
            self.assertEqual(costs.TABLE[kind]["rounds"], bench[op]["rounds"], kind)

    def test_kind_costs_table(self):
        kc = costs.kind_costs("table", "fmnist-tiny")
        h = kc["heads"]
        self.assertEqual(h["scale"], {"bytes": 0.0, "rounds": 0})
        # one RS head: 17x17 scores x 1428577/16900 bytes, the kind's full rounds
        self.assertAlmostEqual(h["relu_softmax"]["bytes"], 289 * 1428577 / 16900, places=6)
        self.assertEqual(h["relu_softmax"]["rounds"], 29)
        self.assertGreater(h["softmax"]["rounds"], h["relu_softmax"]["rounds"])
        self.assertGreater(costs.kind_costs("table", "vit_7_4_32")["heads"]["relu_softmax"]["bytes"],
                           h["relu_softmax"]["bytes"])
        t = kc["tokens"]  # + one round and 8 B per input element per linear
        self.assertEqual(t["gelu"]["rounds"], 13 + 2)
        self.assertEqual(t["linear"]["rounds"], 9 + 1)
        self.assertAlmostEqual(t["gelu"]["bytes"], 8 * 64 + 5873920 / (65 * 512) * 128 + 8 * 128)
        self.assertGreater(t["gelu"]["bytes"], t["linear"]["bytes"] > 0)
        self.assertIsNone(kc["layer_rest"])
        with self.assertRaises(costs.CostSourceError):
            costs.layer_cost(["scale"] * 4, kc, whole=True)

    def test_latency(self):
        # a round is one message hop (RTT/2); bytes at the profile's bandwidth
        self.assertAlmostEqual(costs.latency_ms(400e6 / 8, 10, "wan"), 10 * 2.0 + 1000.0)
        kc = costs.kind_costs("table")
        rs = kc["heads"]["relu_softmax"]
        self.assertAlmostEqual(
            costs.layer_latency_ms(["relu_softmax", "scale", "relu_softmax", "scale"], kc)
            - costs.layer_latency_ms(["scale"] * 4, kc),
            29 * 4.0 / 2 + 2 * rs["bytes"] * 8 / 400e6 * 1e3, places=9)
        d = costs.describe("fmnist-tiny", "wan", "table")
        self.assertEqual(d["rs_step_ms"], 58.0)
        self.assertEqual(d["gelu_step_ms"], 10.0)

    def test_sources(self):
        with self.assertRaisesRegex(ValueError, "unknown cost source"):
            costs.op_costs("guess")
        self.assertEqual(costs.op_costs("table")["relu_softmax"]["source"], costs.SOURCE)

    def test_compiler_report(self):
        try:
            c = costs.op_costs("compiler", config="fmnist-tiny")
        except costs.CostSourceError as e:
            self.skipTest(f"compiler cost report unavailable: {e}")
        self.assertEqual(c["relu_softmax"]["source"], costs.COMPILER_SOURCE)
        self.assertEqual(c["scale"]["bytes_per_elem"], 0)
        self.assertEqual(c["scale"]["rounds"], 0)
        self.assertGreater(c["softmax"]["rounds"], c["relu_softmax"]["rounds"])
        self.assertGreater(c["softmax"]["bytes_per_elem"], c["relu_softmax"]["bytes_per_elem"])
        self.assertIn("2quad", c)
        self.assertEqual(c["gelu"]["source"], costs.COMPILER_SOURCE)
        self.assertEqual(c["quad"]["source"], costs.SOURCE)  # not in the report
        # the compiler's GeLU and ReLU rows agree with the benchmark table per element
        self.assertAlmostEqual(c["gelu"]["bytes_per_elem"],
                               costs.TABLE["gelu"]["bytes"] / costs.TABLE["gelu"]["elements"])
        self.assertEqual(c["gelu"]["rounds"], costs.TABLE["gelu"]["rounds"])
        kc = costs.kind_costs("compiler")
        self.assertEqual(kc["layer_rest"]["rounds"] + 29 + 15,
                         costs.layer_cost(["relu_softmax"] * 4, kc, whole=True)[1])


if __name__ == "__main__":
    unittest.main()
