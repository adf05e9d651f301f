"""Bring your own ViT (issue 19): the attention adapters (mpcvit.adapters),
the data checks of mpcvit.byo, and the tutorial docs/byo-tutorial.md, whose
shell blocks run here with a few steps (torchvision ViT trained, searched,
distilled, exported, compiled and run privately).

The adapter tests need torch and torchvision; the tutorial also needs the
C++ tools and Fashion-MNIST (skipped with the reason otherwise).
"""

import copy
import json
import os
import re
import subprocess
import tempfile
import unittest

import numpy as np

try:
    import torch
    import torch.nn as nn
    import torchvision  # noqa: F401
    HAVE_TORCH = True
except ImportError:  # pragma: no cover
    HAVE_TORCH = False

from tests.util import BIN, REPO, missing_tools_or_data

DOC = os.path.join(REPO, "docs", "byo-tutorial.md")
QUICK = "--max-steps 3 --batch-size 32 --limit-train 256 --limit-test 64 --threads 2"
QUICK_EVAL = "--limit-test 64"


def blocks(lang, path=DOC):
    with open(path) as f:
        return re.findall(rf"^```{lang}\n(.*?)^```", f.read(), re.S | re.M)


def tv_model(channels=3, heads=2, layers=2, seed=0, perturb=True):
    from mpcvit.byo import build_torchvision
    torch.manual_seed(seed)
    m = build_torchvision({"image_size": 28, "patch_size": 7, "num_layers": layers,
                           "num_heads": heads, "hidden_dim": 32, "mlp_dim": 64,
                           "num_classes": 10, "channels": channels})
    if perturb:  # non-trivial biases, LayerNorms and class token
        with torch.no_grad():
            for p in m.parameters():
                p.add_(0.2 * torch.randn_like(p))
    return m.eval()


@unittest.skipUnless(HAVE_TORCH, "torch/torchvision not installed")
class AdapterTest(unittest.TestCase):
    def setUp(self):
        torch.set_num_threads(2)

    def test_torchvision_equals_original(self):
        from mpcvit.adapters import MixModel, MultiheadAttentionMix
        net = tv_model(heads=4)
        orig = copy.deepcopy(net)
        mix = MixModel(net, input_shape=(3, 28, 28)).eval()
        self.assertEqual(mix.model_info(), {"depth": 2, "heads": 4, "tokens": 17, "dim": 32})
        self.assertTrue(all(isinstance(a, MultiheadAttentionMix) for a in mix.heads_modules))
        x = torch.randn(5, 3, 28, 28)
        for grad in (True, False):  # no_grad: nn.MultiheadAttention's fused fast path
            with torch.set_grad_enabled(grad):
                err = float((mix(x) - orig(x)).abs().max())
            self.assertLessEqual(err, 1e-5)
        self.assertGreater(float(orig(x).abs().max()), 0.1)
        # the same parameters under the same names: checkpoints load both ways
        self.assertEqual(set(mix.user_state_dict()), set(orig.state_dict()))
        orig.load_state_dict(mix.user_state_dict())
        # the template is the user's module again, with the same weights
        t = mix.template()
        self.assertIsInstance(t.encoder.layers[0].self_attention, nn.MultiheadAttention)
        with torch.no_grad():
            self.assertLessEqual(float((t(x) - orig(x)).abs().max()), 1e-5)
        self.assertIsInstance(mix.net.encoder.layers[0].self_attention, MultiheadAttentionMix)
        logits, tokens = mix.forward_tokens(x)
        self.assertEqual(tuple(tokens.shape), (5, 17, 32))

    def test_kinds_are_vit_lite_kinds(self):
        """Per-head kinds and the α mixture: model.attention_norm / mix_rs_scale."""
        from mpcvit.adapters import MultiheadAttentionMix
        from mpcvit.model import attention_norm, mix_rs_scale
        torch.manual_seed(1)
        for batch_first in (True, False):
            mha = nn.MultiheadAttention(16, 2, batch_first=batch_first).eval()
            wrap = MultiheadAttentionMix(mha, "attn").eval()
            x = torch.randn(3, 9, 16)
            xin = x if batch_first else x.transpose(0, 1)
            w, b = mha.in_proj_weight.chunk(3), mha.in_proj_bias.chunk(3)
            q, k, v = (torch.nn.functional.linear(x, w[i], b[i]).reshape(3, 9, 2, 8)
                       .transpose(1, 2) for i in range(3))
            a = q @ k.transpose(-2, -1) / 8 ** 0.5

            def ref(p):
                return mha.out_proj((p @ v).transpose(1, 2).reshape(3, 9, 16))

            def out(m=wrap):
                y = m(xin, xin, xin, need_weights=False)[0]
                return y if batch_first else y.transpose(0, 1)
            with torch.no_grad():
                self.assertLessEqual(float((out() - out(mha)).abs().max()), 1e-5)
                # need_weights: the averaged attention weights, as nn.MultiheadAttention
                self.assertLessEqual(float((wrap(xin, xin, xin)[1] - mha(xin, xin, xin)[1])
                                           .abs().max()), 1e-6)
                wrap.set_kinds(["relu_softmax", "scale"])
                p = torch.stack([attention_norm(a[:, 0], "relu_softmax"),
                                 attention_norm(a[:, 1], "scale")], 1)
                self.assertLessEqual(float((out() - ref(p)).abs().max()), 1e-5)
                wrap.enable_search(0.0)
                wrap.alpha.copy_(torch.tensor([0.25, 1.0]))
                p = mix_rs_scale(a, wrap.alpha)
                self.assertLessEqual(float((out() - ref(p)).abs().max()), 1e-5)
                wrap.disable_search()
        with self.assertRaisesRegex(ValueError, "unknown attention kind 'relu'"):
            wrap.set_kinds(["relu", "scale"])

    def test_gelu_mask_is_vit_lite_block_mlp(self):
        """MPCViT+ on torchvision's MLPBlock: the token mask and β of model.Block.mlp."""
        from mpcvit.adapters import GeluMask, MixModel
        F = torch.nn.functional
        mix = MixModel(tv_model(), input_shape=(3, 28, 28)).eval()
        mlps = mix.mlps()
        self.assertEqual(len(mlps), 2)
        self.assertTrue(all(isinstance(m, GeluMask) for m in mlps))
        m = mlps[0]
        fc1, fc2 = m.original()[0], m.original()[3]
        x = torch.randn(3, 17, 32)
        mask = torch.tensor([1, 0] * 8 + [1.0])
        with torch.no_grad():
            self.assertLessEqual(float((m(x) - m.original()(x)).abs().max()), 1e-6)
            m.set_gelu("linearize", mask.int().tolist())
            want = torch.where(mask.view(1, -1, 1) > 0.5, fc2(F.gelu(fc1(x))),
                               F.relu(fc2(fc1(x))))
            self.assertLessEqual(float((m(x) - want).abs().max()), 1e-6)
            mix.enable_beta_search(0.5)
            self.assertEqual(len(mix.betas()), 2)
            want = 0.5 * fc2(F.gelu(fc1(x))) + 0.5 * F.relu(fc2(fc1(x)))
            self.assertLessEqual(float((m(x) - want).abs().max()), 1e-6)
            mix.disable_beta_search()
        arch = mix.arch()
        self.assertEqual([g["gelu"]["kind"] for g in arch["layers"]], ["gelu", "gelu"])
        mlps[1].set_gelu("linearize", [0] * 17)
        self.assertEqual(mix.arch()["layers"][1]["gelu"], {"kind": "linearize",
                                                           "tokens": [0] * 17})
        self.assertIsInstance(mix.template().encoder.layers[1].mlp[1], nn.GELU)

    def test_vit_lite(self):
        from mpcvit.adapters import MixModel, VIT_LITE, adapter_for
        from mpcvit.model import ViTLite
        net = ViTLite("fmnist-tiny").eval()
        self.assertIs(adapter_for(net), VIT_LITE)
        mix = MixModel(net, input_shape=(1, 28, 28)).eval()
        self.assertEqual(mix.model_info(), net.model_info())
        mix.set_all("scale")
        self.assertEqual(mix.arch(), net.arch())
        x = torch.randn(2, 1, 28, 28)
        with torch.no_grad():
            self.assertEqual(float((mix(x) - net(x)).abs().max()), 0.0)
        self.assertEqual(len(mix.enable_search().alphas()), 4)

    def test_custom_specs(self):
        """timm-style fused qkv and Hugging Face-style q/k/v, as frontend_models builds them."""
        from mpcvit import frontend_models as fm
        from mpcvit.adapters import AttentionAdapter, AttentionSpec, MixModel
        torch.manual_seed(2)
        for attention, spec in (
                (fm._timm_attention, AttentionSpec(match="Attention", heads="heads",
                                                   qkv="qkv", proj="proj")),
                (fm._hf_attention, AttentionSpec(match=lambda n, m: hasattr(m, "query"),
                                                 heads="heads", q="query", k="key",
                                                 v="value", proj="dense"))):
            net = fm._vit(28, 1, 7, 32, 4, 64, attention=attention).eval()
            orig = copy.deepcopy(net)
            mix = MixModel(net, AttentionAdapter("mine", specs=[spec]), (1, 28, 28)).eval()
            self.assertEqual(mix.model_info()["heads"], 4)
            x = torch.randn(3, 1, 28, 28)
            with torch.no_grad():
                self.assertLessEqual(float((mix(x) - orig(x)).abs().max()), 1e-5)
                mix.set_all("relu_softmax")
                self.assertGreater(float((mix(x) - orig(x)).abs().max()), 1e-4)
            self.assertEqual(set(mix.user_state_dict()), set(orig.state_dict()))

    def test_frontend_zoo(self):
        """The 12 ViT styles of frontend_models (torchvision, DeiT, nn.TransformerEncoderLayer
        pre/post-norm, HF, timm, ...): wrapped == original within 1e-5 (eval, no grad,
        where nn.TransformerEncoderLayer would take its fused fast path), and the
        head kinds are really applied (ScaleAttn changes the logits)."""
        from mpcvit import frontend_models as fm
        from mpcvit.adapters import AttentionAdapter, AttentionSpec, MixModel
        adapter = AttentionAdapter("zoo", specs=[
            AttentionSpec(match=lambda n, m: hasattr(m, "qkv"), heads="heads", qkv="qkv",
                          proj="proj"),
            AttentionSpec(match=lambda n, m: hasattr(m, "query"), heads="heads", q="query",
                          k="key", v="value", proj="dense")])
        for name in fm.MODELS:
            spec = fm._models()[name]
            torch.manual_seed(spec.seed)
            net = spec.build().eval()
            fm._randomise_layernorms(net)
            orig = copy.deepcopy(net)
            mix = MixModel(net, adapter, spec.shape).eval()
            x = torch.randn((2,) + spec.shape) * (100 if spec.raw else 1)
            with torch.no_grad():
                err = float((mix(x) - orig(x)).abs().max())
                mix.set_all("scale")
                changed = float((mix(x) - orig(x)).abs().max())
            self.assertLessEqual(err, 1e-5, name)
            self.assertGreater(changed, 1e-4, name)
            self.assertEqual(mix.model_info()["depth"], 2, name)

    def test_errors_name_the_module(self):
        from mpcvit.adapters import AdapterError, MixModel, adapter_for

        class NoAttn(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(1, 4, 7, stride=7)
                self.my_attn = nn.Linear(4, 4)
                self.fc = nn.Linear(64, 10)

            def forward(self, x):
                return self.fc(self.my_attn(self.conv(x).flatten(2).transpose(1, 2)).flatten(1))
        with self.assertRaisesRegex(AdapterError, r"no attention block found in NoAttn.*"
                                    r"my_attn \(Linear\).*AttentionSpec"):
            adapter_for(NoAttn())

        class KV(nn.Module):
            def __init__(self):
                super().__init__()
                self.blk = nn.MultiheadAttention(8, 2, add_bias_kv=True, batch_first=True)

            def forward(self, x):
                return self.blk(x, x, x)[0]
        with self.assertRaisesRegex(AdapterError, r"blk: nn.MultiheadAttention with "
                                    r"add_bias_kv=True is not supported"):
            MixModel(KV(), input_shape=(4, 8))


@unittest.skipUnless(HAVE_TORCH, "torch/torchvision not installed")
class DataTest(unittest.TestCase):
    def test_npz(self):
        from mpcvit.byo import ByoError, load_data
        rng = np.random.default_rng(0)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "set.npz")
            np.savez(path, x_train=rng.integers(0, 256, (20, 12, 12, 3), np.uint8),
                     y_train=rng.integers(0, 5, 20), x_test=rng.integers(0, 256, (6, 12, 12, 3),
                                                                          np.uint8),
                     y_test=np.arange(6) % 5)
            (x_tr, y_tr, x_te, y_te), info = load_data(f"npz:{path}")
            self.assertEqual(list(x_tr.shape), [20, 3, 12, 12])
            self.assertEqual(info["shape"], [3, 12, 12])
            self.assertEqual(info["num_labels"], 5)
            self.assertLess(abs(float(x_tr.mean())), 0.05)
            self.assertEqual(len(info["preprocess"]["mean"]), 3)
            bad = os.path.join(d, "bad.npz")
            np.savez(bad, x_train=np.zeros((4, 8, 8), np.uint8), y_train=np.zeros(3, int),
                     x_test=np.zeros((2, 8, 8), np.uint8), y_test=np.zeros(2, int))
            with self.assertRaisesRegex(ByoError, r"y_train: labels \[3\] for 4 images"):
                load_data(f"npz:{bad}")
            np.savez(bad, x_train=np.zeros((4, 8, 8), np.uint8), y_train=np.full(4, 0.5),
                     x_test=np.zeros((2, 8, 8), np.uint8), y_test=np.zeros(2, int))
            with self.assertRaisesRegex(ByoError, "are not integers"):
                load_data(f"npz:{bad}")
            np.savez(bad, images=np.zeros((4, 8, 8)))
            with self.assertRaisesRegex(ByoError, r"missing x_train, y_train, x_test, y_test"):
                load_data(f"npz:{bad}")
            with self.assertRaisesRegex(ByoError, "expected fmnist"):
                load_data("cifar")

    def test_imagefolder(self):
        from PIL import Image
        from mpcvit.byo import ByoError, load_data
        with tempfile.TemporaryDirectory() as d:
            for split in ("train", "test"):
                for c in ("cat", "dog"):
                    os.makedirs(os.path.join(d, split, c))
                    for i in range(2):
                        Image.fromarray(np.full((8, 8), 40 * i + (c == "dog") * 100,
                                                np.uint8)).save(
                            os.path.join(d, split, c, f"{i}.png"))
            (x_tr, y_tr, x_te, y_te), info = load_data(f"imagefolder:{d}")
            self.assertEqual(list(x_tr.shape), [4, 1, 8, 8])
            self.assertEqual(y_tr.tolist(), [0, 0, 1, 1])
            self.assertEqual(info["classes"], ["cat", "dog"])
            Image.fromarray(np.zeros((9, 8), np.uint8)).save(os.path.join(d, "test", "dog",
                                                                          "odd.png"))
            with self.assertRaisesRegex(ByoError, r"odd.png: 8x9, but the first training "
                                        r"image is 8x8"):
                load_data(f"imagefolder:{d}")

    def test_model_and_data_must_fit(self):
        from mpcvit.adapters import MixModel
        from mpcvit.byo import ByoError, check_fit, parse_torchvision
        mix = MixModel(tv_model(perturb=False), input_shape=(3, 28, 28))
        info = {"shape": [1, 28, 28], "num_labels": 10}
        with self.assertRaisesRegex(ByoError, r"images are \[1, 28, 28\].*takes \[3, 28, 28\]"
                                    r".*channels=N"):
            check_fit(mix, info, None)
        with self.assertRaisesRegex(ByoError, "labels up to 11 but the model has 10 classes"):
            check_fit(mix, {"shape": [3, 28, 28], "num_labels": 12}, None)
        with self.assertRaisesRegex(ByoError, "missing num_heads"):
            parse_torchvision("image_size=28,patch_size=7,num_layers=2,hidden_dim=32,"
                              "mlp_dim=64")
        with self.assertRaisesRegex(ByoError, "'depth=2': expected KEY=INT"):
            parse_torchvision("depth=2")


@unittest.skipUnless(HAVE_TORCH, "torch/torchvision not installed")
class TutorialTest(unittest.TestCase):
    """docs/byo-tutorial.md, every sh block in one shell, with a few steps."""

    def test_blocks_parse(self):
        sh, py = blocks("sh"), blocks("python")
        self.assertGreaterEqual(len(sh), 6)
        text = "\n".join(sh)
        for step in ("mpcvit.byo train", "mpcvit.byo search", "mpcvit.byo retrain",
                     "mpcvit.byo export", "mpcvit-compile", "local --input",
                     "mpcvit.byo private"):
            self.assertIn(step, text)
        for b in py:
            compile(b, DOC, "exec")

    def test_tutorial(self):
        why = missing_tools_or_data()
        if why:
            self.skipTest(why)
        from mpcvit import arch as arch_mod
        from mpcvit.adapters import MixModel
        from mpcvit.byo import build_torchvision
        with tempfile.TemporaryDirectory(prefix="mpcvit-byo-") as w:
            script = "set -euo pipefail\n" + "\n".join(blocks("sh"))
            env = dict(os.environ, W=w, BIN=BIN, QUICK=QUICK, QUICK_EVAL=QUICK_EVAL,
                       PYTHONPATH=os.path.join(REPO, "python"))
            r = subprocess.run(["bash", "-c", script], cwd=REPO, env=env, capture_output=True,
                               text=True, timeout=600)
            self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr[-3000:])
            self.assertRegex(r.stdout, r"max \|wrapped - original\| = \S+ on 4 test images")
            self.assertIn("costs from mpcvit-compile", r.stdout)
            self.assertEqual(r.stdout.count("top-1 agrees on 4/4"), 2)  # MPCViT, MPCViT+

            # arch.json: valid for the model, the requested μ = 0.5
            info = {"depth": 2, "heads": 2, "tokens": 17, "dim": 32}
            arch = arch_mod.load(os.path.join(w, "search", "arch_mu0.5.json"), info)
            heads = [k for layer in arch["layers"] for k in layer["heads"]]
            self.assertEqual(sorted(heads), ["relu_softmax"] * 2 + ["scale"] * 2)
            exp = os.path.join(w, "export-mu0.5")
            self.assertEqual(arch_mod.load(os.path.join(exp, "arch.json"), info), arch)
            with open(os.path.join(exp, "metrics.json")) as f:
                metrics = json.load(f)
            self.assertEqual(metrics["test_images"], 64)
            self.assertLessEqual(metrics["adapter_max_err"], 1e-5)
            self.assertEqual(metrics["arch"]["relu_softmax_ratio"], 0.5)

            # MPCViT+: the same heads, half of the (layer, token) pairs keep GeLU
            plus = arch_mod.load(os.path.join(w, "export-plus-mu0.5", "arch.json"), info)
            self.assertEqual([la["heads"] for la in plus["layers"]],
                             [la["heads"] for la in arch["layers"]])
            self.assertEqual([la["gelu"]["kind"] for la in plus["layers"]], ["linearize"] * 2)
            self.assertEqual(sum(sum(la["gelu"]["tokens"]) for la in plus["layers"]), 17)

            # the private logits: PyTorch's (arch applied) within 1e-2, same top-1
            ref = np.load(os.path.join(exp, "sample_logits.npy"))
            priv = np.load(os.path.join(w, "private_logits.npy")).reshape(ref.shape)
            self.assertEqual(ref.shape, (4, 10))
            self.assertLess(float(np.abs(priv - ref).max()), 1e-2)
            self.assertEqual(priv.argmax(1).tolist(), ref.argmax(1).tolist())

            # weights.pt loads into a fresh torchvision model; with arch.json
            # applied it gives the sample logits
            net = build_torchvision({"image_size": 28, "patch_size": 7, "num_layers": 2,
                                     "num_heads": 2, "hidden_dim": 32, "mlp_dim": 64,
                                     "num_classes": 10, "channels": 1})
            net.load_state_dict(torch.load(os.path.join(exp, "weights.pt")))
            mix = MixModel(net, input_shape=(1, 28, 28)).apply_arch(arch).eval()
            with torch.no_grad():
                y = mix(torch.from_numpy(np.load(os.path.join(exp, "sample_input.npy"))))
            self.assertLess(float(np.abs(y.numpy() - ref).max()), 1e-5)

            # the python block of the tutorial
            ns = {"W": w}
            for b in blocks("python"):
                exec(compile(b, DOC, "exec"), ns)  # noqa: S102 - our own doc
            self.assertLess(float(np.abs(ns["logits"] - ref).max()), 1e-2)


if __name__ == "__main__":
    unittest.main()
