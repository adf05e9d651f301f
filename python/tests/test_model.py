"""ViT-Lite variants: shapes and the exact semantics the compiler implements."""

import unittest

import torch
import torch.nn.functional as F

from mpcvit import model as M


def make(config="fmnist-tiny", seed=0):
    torch.manual_seed(seed)
    return M.ViTLite(config).eval()


class ShapeTest(unittest.TestCase):
    def test_configs(self):
        expect = {"fmnist-tiny": (1, 28, 17, 64, 10), "vit_7_4_32": (3, 32, 65, 256, 10),
                  "vit_9_12_64": (3, 64, 257, 192, 200)}
        for name, (c, img, n, dim, k) in expect.items():
            m = make(name)
            self.assertEqual(m.num_tokens, n)
            with torch.no_grad():
                logits, tok = m.forward_tokens(torch.randn(1, c, img, img))
            self.assertEqual(tuple(logits.shape), (1, k), name)
            self.assertEqual(tuple(tok.shape), (1, n, dim), name)

    def test_every_variant(self):
        m = make()
        x = torch.randn(2, 1, 28, 28)
        outs = {}
        for attn in M.ATTN_KINDS:
            for gelu in ("gelu", "quad"):
                m.set_all(attn, gelu)
                with torch.no_grad():
                    y = m(x)
                self.assertEqual(tuple(y.shape), (2, 10))
                self.assertTrue(torch.isfinite(y).all(), (attn, gelu))
                outs[attn, gelu] = y
        # the kinds really change the function
        self.assertGreater((outs["softmax", "gelu"] - outs["scale", "gelu"]).abs().max(), 1e-4)
        self.assertGreater((outs["softmax", "gelu"] - outs["softmax", "quad"]).abs().max(), 1e-4)
        m.set_all("softmax", "gelu")
        for blk in m.blocks:
            blk.set_gelu("linearize", [i % 2 for i in range(17)])
        with torch.no_grad():
            self.assertEqual(tuple(m(x).shape), (2, 10))

    def test_params_fmnist_tiny(self):
        # conv 64*49+64, cls 64, pos 17*64, 4 blocks, final LN 128, fc 650
        block = 2 * 128 + 64 * 192 + 64 * 64 + 64 + 64 * 128 + 128 + 128 * 64 + 64
        self.assertEqual(M.count_params(make()),
                         64 * 49 + 64 + 64 + 17 * 64 + 4 * block + 128 + 650)


class SemanticsTest(unittest.TestCase):
    def setUp(self):
        self.a = torch.tensor([[[[-1.0, 0.0, 2.0, 3.0], [4.0, -2.0, -3.0, 0.0],
                                 [-1.0, -1.0, -1.0, -1.0], [0.5, 0.5, 0.5, 0.5]]]])

    def test_relu_softmax(self):
        out = M.attention_norm(self.a, "relu_softmax")
        self.assertTrue(torch.allclose(out[0, 0, 0], torch.tensor([0, 0, 2, 3]) / (5 + 1e-6)))
        self.assertTrue(torch.equal(out[0, 0, 2], torch.zeros(4)))  # all-negative row -> 0
        self.assertAlmostEqual(float(out[0, 0, 1, 0]), 4 / (4 + 1e-6), places=7)

    def test_scale(self):
        self.assertTrue(torch.equal(M.attention_norm(self.a, "scale"), self.a / 4))

    def test_2quad(self):
        out = M.attention_norm(self.a, "2quad")
        q = torch.tensor([16.0, 25.0, 49.0, 64.0])
        self.assertTrue(torch.allclose(out[0, 0, 0], q / q.sum()))

    def test_2relu(self):
        out = M.attention_norm(self.a, "2relu")
        self.assertTrue(torch.allclose(out[0, 0, 0], torch.tensor([0, 0, 0.4, 0.6])))
        self.assertTrue(torch.isnan(out[0, 0, 2]).all())  # no ε, as the compiler

    def test_softmax(self):
        self.assertTrue(torch.allclose(M.attention_norm(self.a, "softmax"), self.a.softmax(-1)))

    def test_unknown_kind(self):
        with self.assertRaisesRegex(ValueError, "unknown attention kind 'relu'"):
            M.attention_norm(self.a, "relu")

    def test_quad_gelu(self):
        x = torch.tensor([-2.0, 0.0, 1.0, 4.0])
        self.assertTrue(torch.allclose(M.quad_gelu(x), torch.tensor([0.5, 0.5, 0.875, 3.5])))

    def test_alpha_mixture_endpoints(self):
        a = torch.randn(2, 4, 17, 17)
        rs, sc = M.attention_norm(a, "relu_softmax"), M.attention_norm(a, "scale")
        self.assertTrue(torch.equal(M.mix_rs_scale(a, torch.ones(4)), rs))
        self.assertTrue(torch.equal(M.mix_rs_scale(a, torch.zeros(4)), sc))
        mixed = M.mix_rs_scale(a, torch.tensor([1.0, 0.0, 0.25, 1.0]))
        self.assertTrue(torch.equal(mixed[:, 0], rs[:, 0]))
        self.assertTrue(torch.equal(mixed[:, 1], sc[:, 1]))
        self.assertTrue(torch.allclose(mixed[:, 2], 0.25 * rs[:, 2] + 0.75 * sc[:, 2]))

    def test_search_attention_matches_fixed_kinds(self):
        m = make()
        att = m.blocks[0].self_attn
        x = torch.randn(2, 17, 64)
        att.set_kinds(["relu_softmax", "scale", "scale", "relu_softmax"])
        with torch.no_grad():
            fixed = att(x)
            att.enable_search()
            att.alpha.copy_(torch.tensor([1.0, 0.0, 0.0, 1.0]))
            searched = att(x)
        self.assertTrue(torch.allclose(fixed, searched, atol=1e-6))

    def test_attention_reference(self):
        """Fused qkv split by slicing, scale on q·kᵀ, per-head kinds along axis 1."""
        m = make()
        att = m.blocks[1].self_attn
        kinds = ["softmax", "relu_softmax", "scale", "2quad"]
        att.set_kinds(kinds)
        x = torch.randn(1, 17, 64)
        W = att.qkv.weight  # [192, 64]
        heads = []
        for h, kind in enumerate(kinds):
            sl = slice(16 * h, 16 * h + 16)
            q = x[0] @ W[0:64][sl].T
            k = x[0] @ W[64:128][sl].T
            v = x[0] @ W[128:192][sl].T
            a = (q @ k.T) / 4.0
            if kind == "softmax":
                p = a.softmax(-1)
            elif kind == "relu_softmax":
                p = a.relu() / (a.relu().sum(-1, keepdim=True) + 1e-6)
            elif kind == "scale":
                p = a / 17
            else:
                p = (a + 5) ** 2 / ((a + 5) ** 2).sum(-1, keepdim=True)
            heads.append(p @ v)
        ref = att.proj(torch.cat(heads, -1))
        with torch.no_grad():
            self.assertTrue(torch.allclose(att(x)[0], ref, atol=1e-5))

    def test_linearize_tokens(self):
        m = make()
        blk = m.blocks[2]
        beta = [1, 0] * 8 + [1]
        blk.set_gelu("linearize", beta)
        x = torch.randn(3, 17, 64)
        with torch.no_grad():
            out = blk.mlp(x)
            g = blk.linear2(F.gelu(blk.linear1(x)))
            lin = F.relu(blk.linear2(blk.linear1(x)))
        for t, b in enumerate(beta):
            self.assertTrue(torch.equal(out[:, t], g[:, t] if b else lin[:, t]), t)
        with self.assertRaisesRegex(ValueError, "17 token entries, got 3"):
            blk.set_gelu("linearize", [1, 0, 1])

    def test_template_is_softmax_gelu(self):
        m = make()
        m.set_all("scale", "quad")
        t = m.template()
        self.assertEqual(m.arch()["layers"][0]["heads"], ["scale"] * 4)
        self.assertTrue(all(layer["heads"] == ["softmax"] * 4 and layer["gelu"] == {"kind": "gelu"}
                            for layer in t.arch()["layers"]))
        for (n1, p1), (n2, p2) in zip(m.state_dict().items(), t.state_dict().items()):
            self.assertEqual(n1, n2)
            self.assertTrue(torch.equal(p1, p2))


if __name__ == "__main__":
    unittest.main()
