"""The Python API (mpcvit.api, issue 20): compile, cost, run_local, the
dealer/server services and the client over mutual TLS, errors, and the
worked example of docs/python-api.md, which runs here so it cannot rot.

Needs the C++ tools (MPCVIT_BUILD_DIR, else build/) and Fashion-MNIST;
without them the tests are skipped with the reason.
"""

import contextlib
import io
import os
import re
import shutil
import socket
import tempfile
import unittest

import numpy as np

import mpcvit
from mpcvit import api, data
from mpcvit.plaintext import plaintext_logits
from tests.util import BIN, REPO, missing_tools_or_data

MODEL = os.path.join(REPO, "models", "fmnist", "mpcvit_mu0.5")
ONNX = os.path.join(MODEL, "model.onnx")
ARCH = os.path.join(MODEL, "arch.json")
DOC = os.path.join(REPO, "docs", "python-api.md")


def missing():
    """Why the end-to-end tests cannot run, or None."""
    why = missing_tools_or_data()
    if why is None and not os.path.isfile(ONNX):
        why = f"no {ONNX}"
    return why


def doc_blocks(path=DOC):
    """The fenced ```python blocks of a Markdown file, in order."""
    with open(path) as f:
        text = f.read()
    return re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)


class DocBlocksTest(unittest.TestCase):
    """The example page has runnable blocks (checked without the tools)."""

    def test_blocks_parse(self):
        blocks = doc_blocks()
        self.assertGreaterEqual(len(blocks), 5)
        for i, b in enumerate(blocks):
            compile(b, f"{DOC}:block{i}", "exec")  # the builtin: syntax only
        text = "\n".join(blocks)
        for call in ("mpcvit.compile(", ".cost(", ".run_local(", "plaintext_logits(",
                     "make_test_certs(", ".serve_dealer(", ".serve(", "mpcvit.Client(",
                     "data.load_split(\"test\")", "data.normalize("):
            self.assertIn(call, text)


class ArgumentTest(unittest.TestCase):
    """Checks made before any tool runs."""

    def test_security_arguments(self):
        tls = mpcvit.TlsFiles("a.crt", "a.key", "ca.crt")
        with self.assertRaisesRegex(ValueError, "not both"):
            api._security(tls, True, "server")
        with self.assertRaisesRegex(ValueError, "insecure=True"):
            api._security(None, False, "server")
        self.assertEqual(api._security(None, True, "server"), ["--insecure"])
        with self.assertRaisesRegex(mpcvit.MpcvitError, "a.crt does not exist"):
            api._security(tls, False, "server")

    def test_missing_build(self):
        with self.assertRaises(mpcvit.MpcvitError) as cm:
            mpcvit.compile(ONNX, build_dir="/nonexistent-build")
        self.assertIn("not built", str(cm.exception))
        self.assertIn("MPCVIT_BUILD_DIR", str(cm.exception))
        self.assertIsInstance(cm.exception, RuntimeError)

    def test_error_lines(self):
        err = ("<unknown>:0: error: unknown network profile 'x'\n"
               "<unknown>:0: note: see current operation:\n  %0 = ...\n")
        self.assertEqual(api.error_lines(err), "error: unknown network profile 'x'")
        self.assertEqual(api.error_lines("a\nb\n"), "a\nb")

    def test_input_preparation(self):
        shape = (1, 1, 28, 28)
        x, n, b = api._prepare_inputs(shape, np.zeros((1, 28, 28), np.float32))
        self.assertEqual((x.shape, n, b), (shape, 1, 1))
        x, n, b = api._prepare_inputs(shape, np.zeros((5, 1, 28, 28)))
        self.assertEqual((x.shape, x.dtype, n), ((5, 1, 28, 28), np.float64, 5))
        # a batch program (B = 2): 3 images -> 2 inferences, the last padded
        x, n, b = api._prepare_inputs((2, 1, 28, 28), np.ones((3, 1, 28, 28), np.float32))
        self.assertEqual((x.shape, n, b), ((2, 2, 1, 28, 28), 3, 2))
        self.assertEqual(float(x[1, 1].sum()), 0.0)
        with self.assertRaisesRegex(mpcvit.MpcvitError, "uint8.*normalize"):
            api._prepare_inputs(shape, np.zeros((1, 1, 28, 28), np.uint8))

    def test_raw_inputs(self):
        """uint8 arrays and image files (no tools needed)."""
        from PIL import Image
        pp = {"layout": "NCHW", "scale": 1 / 255, "mean": [0.5], "std": [0.5]}
        x, n, _ = api._prepare_inputs((1, 1, 4, 4), np.zeros((3, 1, 4, 4), np.uint8), pp)
        self.assertEqual((x.dtype, n), (np.uint8, 3))
        with tempfile.TemporaryDirectory() as d:
            paths = []
            for i in range(2):
                paths.append(os.path.join(d, f"{i}.png"))
                Image.fromarray(np.full((4, 4), 10 * i, np.uint8)).save(paths[-1])
            x, n, _ = api._prepare_inputs((1, 1, 4, 4), paths, pp)
            self.assertEqual((x.shape, x.dtype, n), ((2, 1, 4, 4), np.uint8, 2))
            self.assertEqual(int(x[1].max()), 10)
            rgb = mpcvit.read_images(paths[0], (1, 3, 4, 4))
            self.assertEqual(rgb.shape, (1, 3, 4, 4))
            with self.assertRaisesRegex(mpcvit.MpcvitError, "image is 4x4 pixels, the "
                                                            "program takes 8x8"):
                mpcvit.read_images(paths, (1, 1, 8, 8))
            with self.assertRaisesRegex(mpcvit.MpcvitError, "records no normalisation"):
                api._prepare_inputs((1, 1, 4, 4), paths, None)
        self.assertEqual(api._preprocess_spec({"scale": 0.5, "mean": [0.1, 0.2],
                                               "std": 1}),
                         "scale=0.5,mean=0.1:0.2,std=1.0")


@unittest.skipIf(missing(), missing())
class ApiTest(unittest.TestCase):
    """End to end on the committed MPCViT μ=0.5 model (compiled once)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="mpcvit-test-api-")
        # preprocess="none": the export records the normalisation; this
        # program takes normalised floats only (test_errors: uint8 refused)
        cls.prog = mpcvit.compile(ONNX, arch=ARCH, preprocess="none",
                                  out_dir=os.path.join(cls.tmp, "prog"))
        images, cls.labels = data.load_split("test")
        cls.x = data.normalize(images[:4])
        xs = os.path.join(cls.tmp, "x.npy")
        np.save(xs, cls.x)
        cls.plain = plaintext_logits(BIN, ONNX, ARCH, xs, cls.tmp)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def assertClose(self, got, want, tol=1e-2):
        self.assertEqual(got.shape, want.shape)
        self.assertEqual(got.dtype, np.float32)
        np.testing.assert_array_equal(got.argmax(1), want.argmax(1))
        self.assertLess(float(np.abs(got - want).max()), tol)

    def test_compiled_program(self):
        p = self.prog
        self.assertEqual(p.input_shape, (1, 1, 28, 28))
        self.assertEqual(p.output_shape, (1, 10))
        self.assertEqual((p.batch, p.num_classes, p.frac_bits), (1, 10, 16))
        self.assertEqual(p.protocols, {"suite": "a2b", "trunc": "probabilistic"})
        self.assertAlmostEqual(p.input_abs_max, 534.83, places=3)
        for f in (p.executable, p.weights, p.mlir):
            self.assertTrue(os.path.isfile(f), f)
        self.assertEqual(p.name, "model")
        again = mpcvit.load(p.executable)
        self.assertEqual((again.input_shape, again.weights), (p.input_shape, p.weights))
        self.assertIsNone(again.input_abs_max)

    def test_run_local(self):
        self.assertClose(self.prog.run_local(self.x[:3]), self.plain[:3])
        one = self.prog.run_local(self.x[3])  # [1, 28, 28]: one image
        self.assertClose(one, self.plain[3:4])

    def test_cost_matches_the_measurement(self):
        c = self.prog.cost("wan")
        for k in ("profile", "bandwidth_bps", "rtt_s", "online_bytes_sent_per_party",
                  "online_bytes_sent_per_party_max", "online_rounds", "offline_bytes",
                  "latency_s", "network_s", "compute_s", "compute_known", "batch",
                  "session", "layers"):
            self.assertIn(k, c)
        self.assertEqual((c["profile"], c["bandwidth_bps"], c["rtt_s"]), ("wan", 4e8, 0.004))
        self.assertAlmostEqual(c["latency_s"], c["network_s"] + c["compute_s"])
        # the four transformer layers, then the ops outside them (layer None)
        self.assertEqual([r["layer"] for r in c["layers"]], [0, 1, 2, 3, None])
        lan = self.prog.cost("lan")
        self.assertLess(lan["latency_s"], c["latency_s"])
        self.assertEqual(lan["online_rounds"], c["online_rounds"])
        custom = self.prog.cost("custom:400,4")
        self.assertAlmostEqual(custom["latency_s"], c["latency_s"])
        c["layers"].clear()  # a copy: the cached report is unchanged
        self.assertEqual(len(self.prog.cost("wan")["layers"]), 5)

        logits, rep = self.prog.run_local(self.x[:1], report=True)
        self.assertEqual(rep["count"], 1)
        for k in ("online_bytes_sent_per_party", "online_bytes_sent_per_party_max",
                  "online_rounds", "offline_bytes"):
            self.assertEqual(rep[k], c[k], k)
        with self.assertRaisesRegex(mpcvit.MpcvitError, "unknown network profile 'bogus'"):
            self.prog.cost("bogus")
        with self.assertRaises(ValueError):
            self.prog.cost("wan calibration=/etc/passwd")

    def test_two_hosts_over_tls(self):
        certs = mpcvit.make_test_certs(os.path.join(self.tmp, "certs"))
        x = self.x[:2]
        want = self.prog.run_local(x)
        with self.prog.serve_dealer(tls=certs.dealer) as dealer, \
                self.prog.serve(dealer=dealer, tls=certs.server, max_sessions=2) as server:
            self.assertEqual(server.link, "mutual TLS 1.3")
            self.assertGreater(server.port, 0)
            self.assertEqual(server.address, f"127.0.0.1:{server.port}")
            # the client has the executable and its .mlir, not the weights
            client = mpcvit.Client(self.prog.executable, connect=server.address,
                                   dealer=f"127.0.0.1:{dealer.port}", tls=certs.client)
            got, rep = client.infer(x, report=True)
            self.assertClose(got, want)
            self.assertClose(got, self.plain[:2])
            cost = self.prog.cost("wan")
            self.assertEqual(rep["online_rounds"], cost["online_rounds"])
            self.assertEqual(rep["online_bytes_sent_per_party"],
                             cost["online_bytes_sent_per_party"])
            self.assertEqual(rep["top1"], list(want.argmax(1)))
            # swapped addresses: refused by the role check, a clear message
            with self.assertRaises(mpcvit.MpcvitError) as cm:
                mpcvit.Client(self.prog, connect=dealer, dealer=server,
                              tls=certs.client).infer(x[:1], timeout_s=30)
            self.assertIn("does not name the role mpcvit-server", str(cm.exception))
        self.assertEqual(server.proc.returncode, 0)
        self.assertEqual(dealer.proc.returncode, 0)
        self.assertEqual(server.stop(), 0)  # idempotent
        reports = server.reports()
        self.assertEqual([r["count"] for r in reports], [2])
        self.assertIn("listening on 127.0.0.1:", server.log())

    def test_offline_bundles(self):
        d = self.prog.deal_offline(os.path.join(self.tmp, "offline"), 1)
        with self.prog.serve(offline=d["server"], insecure=True, sessions=1) as server:
            got = mpcvit.Client(self.prog, connect=server, offline=d["client"],
                                insecure=True).infer(self.x[0])
            self.assertEqual(server.wait(30), 0)
        self.assertClose(got, self.plain[:1])

    def test_errors(self):
        p = self.prog
        with self.assertRaises(mpcvit.MpcvitError) as cm:
            p.run_local(np.zeros((3, 28, 28), np.float32))
        msg = str(cm.exception)
        self.assertIn("shape [3x28x28] is neither the program's input [1x1x28x28]", msg)
        self.assertTrue(msg.startswith("model local: error: x: "), msg)
        self.assertNotIn(tempfile.gettempdir(), msg)  # no temporary paths
        self.assertEqual(cm.exception.returncode, 1)
        self.assertIn("error:", cm.exception.stderr)
        with self.assertRaisesRegex(mpcvit.MpcvitError, "is the image normalised"):
            p.run_local(np.full((1, 1, 28, 28), 1e4, np.float32))
        with self.assertRaisesRegex(mpcvit.MpcvitError, "uint8"):
            p.run_local(np.zeros((1, 1, 28, 28), np.uint8))
        with self.assertRaisesRegex(mpcvit.MpcvitError, "empty batch"):
            p.run_local(np.zeros((0, 1, 28, 28), np.float32))
        with self.assertRaisesRegex(ValueError, "unknown protocol"):
            mpcvit.compile(ONNX, protocols={"softmax": "exact"})
        with self.assertRaisesRegex(mpcvit.MpcvitError, "--protocols must be a2b or fss"):
            mpcvit.compile(ONNX, protocols={"suite": "dcf"}, out_dir=self.tmp)
        bad = os.path.join(self.tmp, "bad_arch.json")
        with open(bad, "w") as f:
            f.write('{"format": "x"}')
        with self.assertRaisesRegex(mpcvit.MpcvitError, 'expected "mpcvit.arch.v1"'):
            mpcvit.compile(ONNX, arch=bad, out_dir=self.tmp)
        with self.assertRaisesRegex(ValueError, "tls=TlsFiles"):
            p.serve_dealer()
        # a port in use: the service fails to start, with the runtime's message
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            with self.assertRaisesRegex(mpcvit.MpcvitError, "model dealer: error: cannot bind"):
                p.serve_dealer(listen=f"127.0.0.1:{s.getsockname()[1]}", insecure=True)
        with self.assertRaisesRegex(mpcvit.MpcvitError, "ran past its timeout"):
            api._run(["sleep", "5"], 0.2)

    def test_protocols(self):
        p = mpcvit.compile(ONNX, arch=ARCH, protocols={"suite": "fss"}, trunc="exact",
                           out_dir=os.path.join(self.tmp, "fss"), name="vit")
        self.assertEqual(p.protocols, {"suite": "fss", "trunc": "exact"})
        self.assertEqual(p.cost("lan")["session"]["protocols"], "fss")
        self.assertEqual(p.name, "vit")
        self.assertClose(p.run_local(self.x[:1]), self.plain[:1])
        with self.assertRaisesRegex(ValueError, "contradicts"):
            mpcvit.compile(ONNX, protocols={"trunc": "probabilistic"}, trunc="exact")

    def test_temporary_program(self):
        p = mpcvit.compile(ONNX, arch=ARCH)
        d = os.path.dirname(p.executable)
        self.assertTrue(os.path.isdir(d))
        del p
        import gc
        gc.collect()
        self.assertFalse(os.path.exists(d))

    def test_docs_example(self):
        blocks = doc_blocks()
        ns = {"__name__": "docs_example"}
        cwd = os.getcwd()
        out = io.StringIO()
        try:
            os.chdir(REPO)  # the page runs from the repository root
            with contextlib.redirect_stdout(out):
                for i, b in enumerate(blocks):
                    exec(compile(b, f"{DOC}:block{i}", "exec"), ns)
        finally:
            os.chdir(cwd)
            if isinstance(ns.get("work"), str) and ns["work"].startswith(tempfile.gettempdir()):
                shutil.rmtree(ns["work"], ignore_errors=True)
        text = out.getvalue()
        self.assertIn("(1, 1, 28, 28)", text)
        self.assertIn("neither the program's input [1x1x28x28]", text)
        self.assertIn("mutual TLS 1.3", text)


@unittest.skipIf(missing(), missing())
class PreprocessTest(unittest.TestCase):
    """Raw images (issue 20, item 2): the normalisation recorded in the ONNX
    metadata by the export, or given to compile(preprocess=...), lets the
    client take uint8 arrays and PNG files and normalise them itself."""

    @classmethod
    def setUpClass(cls):
        import onnx
        from mpcvit.export import preprocess_spec
        cls.tmp = tempfile.mkdtemp(prefix="mpcvit-test-pre-")
        m = onnx.load(ONNX)
        spec = preprocess_spec({"chans": 1})
        keep = [e for e in m.metadata_props if e.key != "mpcvit.preprocess"]
        del m.metadata_props[:]
        m.metadata_props.extend(keep)
        m.metadata_props.add(key="mpcvit.preprocess", value=__import__("json").dumps(spec))
        cls.prog = mpcvit.compile(m, arch=ARCH, out_dir=os.path.join(cls.tmp, "prog"))
        images, cls.labels = data.load_split("test")
        cls.raw = images[:3, None]  # uint8 [3, 1, 28, 28]
        cls.x = data.normalize(images[:3])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_recorded(self):
        pp = self.prog.preprocess
        self.assertEqual(pp["layout"], "NCHW")
        self.assertAlmostEqual(pp["scale"], 1 / 255)
        self.assertAlmostEqual(pp["mean"][0], data.MEAN)
        self.assertAlmostEqual(pp["std"][0], data.STD)
        self.assertIn("clients may also send raw uint8 images", self.prog.compile_log)

    def test_raw_and_png_equal_the_float_path(self):
        from PIL import Image
        want = self.prog.run_local(self.x)
        got = self.prog.run_local(self.raw)
        self.assertLess(float(np.abs(got - want).max()), 1e-2)
        np.testing.assert_array_equal(got.argmax(1), want.argmax(1))
        pngs = []
        for i, im in enumerate(self.raw[:2, 0]):
            pngs.append(os.path.join(self.tmp, f"img{i}.png"))
            Image.fromarray(im).save(pngs[-1])
        np.testing.assert_array_equal(api.read_images(pngs, (1, 1, 28, 28)), self.raw[:2])
        from_png = self.prog.run_local(pngs)
        self.assertLess(float(np.abs(from_png - want[:2]).max()), 1e-2)
        one = self.prog.run_local(pngs[0])  # one path
        self.assertEqual(one.shape, (1, 10))
        small = os.path.join(self.tmp, "small.png")
        Image.fromarray(self.raw[0, 0, :20, :20]).save(small)
        with self.assertRaisesRegex(mpcvit.MpcvitError, "small.png: image is 20x20 pixels, "
                                                        "the program takes 28x28"):
            self.prog.run_local(small)

    def test_compile_option_and_errors(self):
        p = mpcvit.compile(ONNX, arch=ARCH, out_dir=os.path.join(self.tmp, "opt"),
                           preprocess={"scale": 1 / 255, "mean": [data.MEAN],
                                       "std": [data.STD]})
        self.assertAlmostEqual(p.preprocess["std"][0], data.STD)
        with self.assertRaisesRegex(mpcvit.MpcvitError,
                                    "mean has 3 and std 3 values but the input has 1 "
                                    "channel"):
            mpcvit.compile(ONNX, out_dir=os.path.join(self.tmp, "bad"),
                           preprocess="scale=1/255,mean=0.1:0.2:0.3,std=1:1:1")
        with self.assertRaisesRegex(ValueError, "preprocess"):
            mpcvit.compile(ONNX, preprocess={"scale": 1, "median": [0]})
        plain = mpcvit.load(p.executable)  # the preprocessing read back from disk
        self.assertEqual(plain.preprocess, p.preprocess)
        with self.assertRaisesRegex(mpcvit.MpcvitError, "records no normalisation"):
            api._prepare_inputs((1, 1, 28, 28), self.raw, None)
        with self.assertRaisesRegex(mpcvit.MpcvitError, "int64: give raw images as uint8"):
            p.run_local(self.raw.astype(np.int64))


if __name__ == "__main__":
    unittest.main()
