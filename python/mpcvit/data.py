"""Fashion-MNIST from IDX files (Debian package ``dataset-fashion-mnist``).

Source: Xiao, Rasul, Vollgraf, "Fashion-MNIST: a Novel Image Dataset for
Benchmarking Machine Learning Algorithms", arXiv:1708.07747 (2017); file
format: LeCun et al., "THE MNIST DATABASE", IDX format description.

IDX layout (big endian): two zero bytes, a type byte (0x08 = unsigned byte),
the number of dimensions d, then d uint32 sizes, then the data. Images are
``idx3`` [N, 28, 28] uint8, labels ``idx1`` [N] uint8 in 0..9.

Everything is validated (magic, type, rank, sizes, data length, label range,
image/label count agreement); any problem raises :class:`IdxError` naming
the file and the reason. The whole set fits in memory (47 MB as uint8), so
batches are sliced from tensors; augmentation (random translation by up to
``shift`` pixels with zero padding, horizontal flip) is applied per batch.
"""

import gzip
import os
import struct

import numpy as np

DEFAULT_ROOT = "/usr/share/datasets/fashion-mnist"
FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
SPLIT_SIZES = {"train": 60000, "test": 10000}
# Per-pixel statistics of the Fashion-MNIST training set (pixels in [0, 1]).
MEAN, STD = 0.2860, 0.3530
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
           "Shirt", "Sneaker", "Bag", "Ankle boot")


class IdxError(ValueError):
    """A missing, truncated or malformed IDX file."""


def read_idx(path, ndim=None):
    """Read one IDX file (gzip-compressed if it ends in ``.gz``).

    Returns a uint8 ndarray of the stored shape. ``ndim`` (if given) is the
    required rank. Raises :class:`IdxError` on any format problem.
    """
    if not os.path.exists(path):
        raise IdxError(f"{path}: no such file (install the Debian package "
                       f"dataset-fashion-mnist or pass --data DIR)")
    try:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as e:
        raise IdxError(f"{path}: cannot read: {e}") from e
    if len(raw) < 4:
        raise IdxError(f"{path}: {len(raw)} bytes, too short for an IDX header")
    zero0, zero1, dtype, rank = raw[0], raw[1], raw[2], raw[3]
    if zero0 != 0 or zero1 != 0:
        raise IdxError(f"{path}: bad magic {raw[:4].hex()}: expected 0000 08 0d")
    if dtype != 0x08:
        raise IdxError(f"{path}: element type 0x{dtype:02x}, expected 0x08 (uint8)")
    if ndim is not None and rank != ndim:
        raise IdxError(f"{path}: rank {rank}, expected {ndim}")
    header = 4 + 4 * rank
    if len(raw) < header:
        raise IdxError(f"{path}: truncated header ({len(raw)} bytes)")
    shape = struct.unpack(">" + "I" * rank, raw[4:header])
    count = int(np.prod(shape)) if rank else 1
    if len(raw) - header != count:
        raise IdxError(f"{path}: {len(raw) - header} data bytes, shape "
                       f"{list(shape)} needs {count}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def load_split(split, root=DEFAULT_ROOT, check_size=True):
    """Load one split. Returns (images uint8 [N, 28, 28], labels int64 [N])."""
    if split not in FILES:
        raise ValueError(f"unknown split {split!r}; expected one of {sorted(FILES)}")
    img_name, lab_name = FILES[split]
    img_path = os.path.join(root, img_name)
    lab_path = os.path.join(root, lab_name)
    images = read_idx(img_path, ndim=3)
    labels = read_idx(lab_path, ndim=1)
    if images.shape[1:] != (28, 28):
        raise IdxError(f"{img_path}: images are {images.shape[1]}x{images.shape[2]}, "
                       f"expected 28x28")
    if images.shape[0] != labels.shape[0]:
        raise IdxError(f"{img_path} has {images.shape[0]} images but {lab_path} "
                       f"has {labels.shape[0]} labels")
    if labels.size and labels.max() > 9:
        raise IdxError(f"{lab_path}: label {int(labels.max())} out of range 0..9")
    if check_size and images.shape[0] != SPLIT_SIZES[split]:
        raise IdxError(f"{img_path}: {images.shape[0]} images, expected "
                       f"{SPLIT_SIZES[split]} for the {split} split")
    return images, labels.astype(np.int64)


def normalize(images):
    """uint8 [N, 28, 28] -> normalised float32 ndarray [N, 1, 28, 28] (NumPy;
    the same (x/255 − MEAN)/STD as :func:`to_tensor`), the input of the
    exported ONNX models and the private executables."""
    x = np.asarray(images).astype(np.float32) / 255.0
    return ((x - MEAN) / STD)[:, None].astype(np.float32)


def to_tensor(images):
    """uint8 [N, 28, 28] -> normalised float32 torch tensor [N, 1, 28, 28]."""
    import torch
    x = torch.from_numpy(np.array(images, copy=True)).float().div_(255.0)
    return ((x - MEAN) / STD).unsqueeze(1)


def augment(x, generator, shift=1, flip=True):
    """Random translation (zero padding, up to ``shift`` px) and horizontal flip.

    x: float [B, C, H, W] (already normalised; the padding value is the
    normalised zero pixel). Returns a new tensor of the same shape.
    """
    import torch
    b, c, h, w = x.shape
    if shift > 0:
        pad_value = (0.0 - MEAN) / STD
        padded = torch.nn.functional.pad(x, (shift,) * 4, value=pad_value)
        oy = torch.randint(0, 2 * shift + 1, (b,), generator=generator)
        ox = torch.randint(0, 2 * shift + 1, (b,), generator=generator)
        wp = w + 2 * shift
        # one gather of the shifted window from the flattened padded image
        idx = ((oy[:, None, None] + torch.arange(h)[None, :, None]) * wp
               + ox[:, None, None] + torch.arange(w)[None, None, :]).reshape(b, 1, h * w)
        x = padded.reshape(b, c, -1).gather(2, idx.expand(b, c, h * w)).reshape(b, c, h, w)
    if flip:
        mask = torch.rand(b, generator=generator) < 0.5
        x = torch.where(mask[:, None, None, None], x.flip(-1), x)
    return x


class Batches:
    """Deterministic mini-batches over in-memory tensors.

    The order of epoch e is a permutation drawn from seed (seed, e), so a run
    resumed at an epoch boundary sees exactly the batches it would have seen.
    """

    def __init__(self, x, y, batch_size, shuffle=False, augment=False, seed=0,
                 drop_last=False):
        self.x, self.y = x, y
        self.batch_size = batch_size
        self.shuffle, self.augment, self.seed = shuffle, augment, seed
        self.drop_last = drop_last

    def __len__(self):
        n = self.x.shape[0]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def epoch(self, e=0):
        import torch
        g = torch.Generator().manual_seed(self.seed * 1000003 + e)
        n = self.x.shape[0]
        order = torch.randperm(n, generator=g) if self.shuffle else torch.arange(n)
        for i in range(len(self)):
            idx = order[i * self.batch_size:(i + 1) * self.batch_size]
            xb = self.x[idx]
            if self.augment:
                xb = augment(xb, g)
            yield xb, self.y[idx]


def fashion_mnist(root=DEFAULT_ROOT, limit_train=None, limit_test=None):
    """(x_train, y_train, x_test, y_test) as torch tensors, validated."""
    import torch
    tr_img, tr_lab = load_split("train", root)
    te_img, te_lab = load_split("test", root)
    if limit_train:
        tr_img, tr_lab = tr_img[:limit_train], tr_lab[:limit_train]
    if limit_test:
        te_img, te_lab = te_img[:limit_test], te_lab[:limit_test]
    return (to_tensor(tr_img), torch.from_numpy(tr_lab),
            to_tensor(te_img), torch.from_numpy(te_lab))
