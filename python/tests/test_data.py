"""IDX loader validation and augmentation (mpcvit.data)."""

import gzip
import os
import struct
import tempfile
import unittest

import numpy as np
import torch

from mpcvit import data
from tests.util import FMNIST, have_fmnist


def write_idx(path, arr, dtype=0x08, magic=None):
    arr = np.asarray(arr, dtype=np.uint8)
    head = magic if magic is not None else bytes([0, 0, dtype, arr.ndim])
    head += struct.pack(">" + "I" * arr.ndim, *arr.shape)
    with gzip.open(path, "wb") as f:
        f.write(head + arr.tobytes())


class IdxTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.d = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def p(self, name):
        return os.path.join(self.d, name)

    def test_round_trip(self):
        a = np.arange(2 * 28 * 28).reshape(2, 28, 28) % 256
        write_idx(self.p("x.gz"), a)
        np.testing.assert_array_equal(data.read_idx(self.p("x.gz"), ndim=3), a)

    def test_normalize_matches_to_tensor(self):
        # the NumPy input of the executables equals the torch training input;
        # pixel 0 maps to -MEAN/STD, 255 to (1-MEAN)/STD
        a = (np.arange(3 * 28 * 28).reshape(3, 28, 28) % 256).astype(np.uint8)
        x = data.normalize(a)
        self.assertEqual((x.shape, x.dtype), ((3, 1, 28, 28), np.float32))
        np.testing.assert_allclose(x, data.to_tensor(a).numpy(), rtol=0, atol=1e-6)
        self.assertAlmostEqual(float(x[0, 0, 0, 0]), -0.2860 / 0.3530, places=5)
        self.assertAlmostEqual(float(x.max()), (1 - 0.2860) / 0.3530, places=5)

    def test_bad_magic(self):
        write_idx(self.p("x.gz"), np.zeros((1, 2, 2)), magic=bytes([1, 0, 8, 3]))
        with self.assertRaisesRegex(data.IdxError, "bad magic"):
            data.read_idx(self.p("x.gz"))

    def test_bad_type_and_rank(self):
        write_idx(self.p("x.gz"), np.zeros((1, 2, 2)), dtype=0x0D)
        with self.assertRaisesRegex(data.IdxError, "element type 0x0d"):
            data.read_idx(self.p("x.gz"))
        write_idx(self.p("y.gz"), np.zeros((4,)))
        with self.assertRaisesRegex(data.IdxError, "rank 1, expected 3"):
            data.read_idx(self.p("y.gz"), ndim=3)

    def test_truncated(self):
        write_idx(self.p("x.gz"), np.zeros((3, 28, 28)))
        with gzip.open(self.p("x.gz")) as f:
            raw = f.read()
        with gzip.open(self.p("t.gz"), "wb") as f:
            f.write(raw[:-5])
        with self.assertRaisesRegex(data.IdxError, "2347 data bytes, shape \\[3, 28, 28\\] needs 2352"):
            data.read_idx(self.p("t.gz"))
        with open(self.p("notgz.gz"), "wb") as f:
            f.write(b"plain text, not gzip")
        with self.assertRaisesRegex(data.IdxError, "cannot read"):
            data.read_idx(self.p("notgz.gz"))

    def test_missing(self):
        with self.assertRaisesRegex(data.IdxError, "no such file"):
            data.read_idx(self.p("none.gz"))

    def test_split_checks(self):
        img, lab = data.FILES["test"]
        write_idx(self.p(img), np.zeros((3, 28, 28)))
        write_idx(self.p(lab), np.array([1, 2]))
        with self.assertRaisesRegex(data.IdxError, "3 images but .* 2 labels"):
            data.load_split("test", self.d, check_size=False)
        write_idx(self.p(lab), np.array([1, 2, 10]))
        with self.assertRaisesRegex(data.IdxError, "label 10 out of range"):
            data.load_split("test", self.d, check_size=False)
        write_idx(self.p(lab), np.array([1, 2, 3]))
        with self.assertRaisesRegex(data.IdxError, "3 images, expected 10000"):
            data.load_split("test", self.d)
        x, y = data.load_split("test", self.d, check_size=False)
        self.assertEqual(y.tolist(), [1, 2, 3])

    @unittest.skipUnless(have_fmnist(), "Fashion-MNIST not installed at " + FMNIST)
    def test_real_test_split(self):
        x, y = data.load_split("test", FMNIST)
        self.assertEqual(x.shape, (10000, 28, 28))
        self.assertEqual(np.bincount(y).tolist(), [1000] * 10)  # balanced classes
        t = data.to_tensor(x[:100])
        self.assertEqual(tuple(t.shape), (100, 1, 28, 28))
        self.assertAlmostEqual(float(t.min()), -data.MEAN / data.STD, places=5)


class AugmentTest(unittest.TestCase):
    def test_shift_is_a_window_of_the_padded_image(self):
        x = torch.arange(3 * 28 * 28, dtype=torch.float32).reshape(3, 1, 28, 28)
        g = torch.Generator().manual_seed(1)
        y = data.augment(x, g, shift=2, flip=False)
        pad = torch.nn.functional.pad(x, (2,) * 4, value=(0 - data.MEAN) / data.STD)
        for i in range(3):
            self.assertTrue(any(torch.equal(pad[i, :, a:a + 28, b:b + 28], y[i])
                                for a in range(5) for b in range(5)))

    def test_batches_deterministic(self):
        x = torch.arange(10.).reshape(10, 1, 1, 1)
        y = torch.arange(10)
        b = data.Batches(x, y, 4, shuffle=True, seed=3, drop_last=True)
        self.assertEqual(len(b), 2)
        e1 = [yb.tolist() for _, yb in b.epoch(5)]
        e2 = [yb.tolist() for _, yb in b.epoch(5)]
        self.assertEqual(e1, e2)
        self.assertNotEqual(e1, [yb.tolist() for _, yb in b.epoch(6)])


if __name__ == "__main__":
    unittest.main()
