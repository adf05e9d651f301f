"""The Python API of the toolchain: compile an ONNX ViT, predict its cost,
run it privately on one machine or between hosts (issue 20).

    import mpcvit
    prog = mpcvit.compile("model.onnx", arch="arch.json")   # -> Program
    prog.cost("wan")           # bytes, rounds, predicted latency (plain data)
    prog.run_local(x)          # x: float [N, C, H, W] -> logits [N, classes]

    certs = mpcvit.make_test_certs("certs")                  # test CA only
    with prog.serve_dealer(tls=certs.dealer) as dealer, \\
            prog.serve(dealer=dealer, tls=certs.server) as server:
        logits = mpcvit.Client(prog, connect=server, dealer=dealer,
                               tls=certs.client).infer(x)

Everything runs the tools of a build tree (``mpcvit-compile``,
``mpcvit-opt``) and the compiled executable's roles (``PROG local``,
``PROG dealer``, ``PROG server``, ``PROG client``: see
runtime/include/mpcvit/runtime/program.h and the README's "Private
executables"); the build tree is ``$MPCVIT_BUILD_DIR`` (relative paths from
the repository root), else ``<repository>/build``.

Shapes: a program compiled from a model with input ``[B, C, H, W]`` (the
ONNX input, ``B`` = 1 for the committed models) takes images ``[C, H, W]``
one at a time or ``[N, C, H, W]`` (any N: the runtime runs N inferences; a
program of batch B > 1 is fed in groups of B, the last one padded with
zeros) and gives logits ``[N, classes]`` (float32). Inputs are the model's
*normalised* float input (for Fashion-MNIST: ``mpcvit.data.normalize``);
integer arrays are refused rather than silently fed as raw pixels.

Units: bytes are per inference (one program run, B images) and per party;
latencies are seconds per inference; timeouts are seconds (``timeout_s``)
except ``timeout_ms``, the runtime's own per-message deadline.

Errors: a failing tool raises :class:`MpcvitError` (a ``RuntimeError``) whose
message is the tool's ``error:`` lines (``str(e)``), with the full stderr in
``e.stderr``; every subprocess is bounded by a timeout (a tool that runs past
it is killed and reported as an :class:`MpcvitError`); arguments that cannot
be right (both ``tls`` and ``insecure``, an unknown protocol key) raise
``ValueError`` before anything runs.
"""

import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass

import numpy as np

__all__ = ["MpcvitError", "Program", "Service", "Client", "TlsFiles", "TestCerts",
           "compile", "load", "make_test_certs", "bin_dir", "repo_dir"]

# Compile options reachable through `protocols` and their mpcvit-compile
# flags (--protocols a2b|fss: the protocol suite; --trunc probabilistic|exact).
PROTOCOL_KEYS = {"suite": "--protocols", "trunc": "--trunc"}
# Most inferences written to one input file (the runtime accepts 2^16).
MAX_INFERENCES_PER_RUN = 4096
ROLES = ("dealer", "server", "client")


class MpcvitError(RuntimeError):
    """A toolchain command failed, or ran past its timeout.

    ``str(e)`` is the tool's meaningful message (its ``error:`` lines, or the
    tail of its stderr when it printed none). Attributes: ``message`` (the
    same), ``cmd`` (argv list or None), ``returncode`` (int, or None for a
    timeout or a check made before running), ``stderr`` (full text).
    """

    def __init__(self, message, cmd=None, returncode=None, stderr=""):
        super().__init__(message)
        self.message = message
        self.cmd = cmd
        self.returncode = returncode
        self.stderr = stderr


# ---------------------------------------------------------------- locations

def repo_dir():
    """The repository root this package lives in (python/mpcvit/..)."""
    return os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def bin_dir(build_dir=None):
    """The ``bin`` folder of the build tree: ``build_dir``, else
    ``$MPCVIT_BUILD_DIR``, else ``<repository>/build`` (a relative path is
    taken from the repository root, as the tests do). Raises
    :class:`MpcvitError` when it holds no ``mpcvit-compile``."""
    b = build_dir or os.environ.get("MPCVIT_BUILD_DIR") or "build"
    b = os.path.join(repo_dir(), os.fspath(b))  # an absolute b wins
    d = os.path.join(b, "bin")
    if not os.access(os.path.join(d, "mpcvit-compile"), os.X_OK):
        raise MpcvitError(
            f"the mpcvit tools are not built: no {os.path.join(d, 'mpcvit-compile')} "
            f"(build the C++ side as the README says, or set MPCVIT_BUILD_DIR to "
            f"the build tree that has bin/mpcvit-compile)")
    return d


# ---------------------------------------------------------------- running

_DIAG_PREFIX = re.compile(r"^<unknown>:0: ")


def error_lines(stderr, limit=20):
    """The meaningful part of a tool's stderr: its lines with ``error:``
    (MLIR's ``<unknown>:0:`` prefix dropped), else its last 5 lines."""
    lines = [ln.rstrip() for ln in stderr.splitlines() if ln.strip()]
    errs = [_DIAG_PREFIX.sub("", ln) for ln in lines if "error:" in ln]
    picked = errs or lines[-5:]
    if len(picked) > limit:
        picked = picked[:limit] + [f"... ({len(picked) - limit} more lines)"]
    return "\n".join(picked)


def _tool_message(stderr, cmd, replace=None):
    """error_lines(stderr), with the substitutions of `replace` (temporary
    paths) and "/path/to/NAME ROLE: error:" shortened to "NAME ROLE: error:"."""
    msg = error_lines(stderr)
    for old, new in (replace or {}).items():
        msg = msg.replace(old, new)
    exe = os.fspath(cmd[0])
    if os.sep in exe:
        msg = "\n".join(os.path.basename(exe) + ln[len(exe):]
                        if ln.startswith(exe + " ") or ln.startswith(exe + ":") else ln
                        for ln in msg.splitlines())
    return msg


def _run(cmd, timeout_s, what=None, replace=None):
    """Runs cmd (argv) to completion within timeout_s seconds; returns its
    stdout. Raises MpcvitError on a non-zero exit or a timeout. `replace`
    maps substrings of the message to friendlier ones (temporary paths)."""
    what = what or os.path.basename(cmd[0])
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                           timeout=timeout_s, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) \
            else (e.stderr or "")
        raise MpcvitError(f"{what} ran past its timeout of {timeout_s:g} s and was "
                          f"stopped (pass a larger timeout_s if it needs longer)"
                          + (f"; its last messages:\n{error_lines(err)}" if err.strip()
                             else ""), cmd, None, err) from None
    except OSError as e:
        raise MpcvitError(f"cannot run {cmd[0]}: {e.strerror or e}", cmd) from None
    if r.returncode != 0:
        msg = _tool_message(r.stderr, cmd, replace) or \
            f"{what} failed with exit code {r.returncode}"
        raise MpcvitError(msg, cmd, r.returncode, r.stderr)
    return r.stdout


def _last_json(stdout, cmd):
    for line in reversed(stdout.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                break
    raise MpcvitError(f"{os.path.basename(cmd[0])} printed no JSON report: "
                      f"{stdout.strip()[-500:]!r}", cmd)


# ---------------------------------------------------------------- TLS

@dataclass(frozen=True)
class TlsFiles:
    """One role's TLS material: its certificate and key (PEM files) and the CA
    certificate that every peer's certificate must chain to. Passed to the
    role as ``--tls-cert cert --tls-key key --tls-ca ca``."""
    cert: str
    key: str
    ca: str

    def args(self):
        for f in (self.cert, self.key, self.ca):
            if not os.path.isfile(f):
                raise MpcvitError(f"TLS file {f} does not exist")
        return ["--tls-cert", os.fspath(self.cert), "--tls-key", os.fspath(self.key),
                "--tls-ca", os.fspath(self.ca)]


@dataclass(frozen=True)
class TestCerts:
    """The certificates of :func:`make_test_certs`: one :class:`TlsFiles`
    per role and the folder they are in."""
    __test__ = False  # not a unittest/pytest test class
    dir: str
    dealer: TlsFiles
    server: TlsFiles
    client: TlsFiles

    def __getitem__(self, role):
        return getattr(self, role)


def make_test_certs(directory, force=False, days=None, timeout_s=120):
    """TEST certificates of the three roles in ``directory`` (created if
    missing), by scripts/make-certs.sh: a test CA (its key beside it,
    unprotected) and one certificate per role named ``mpcvit-<role>``.
    A complete set already there is reused unless ``force``; ``days`` is
    their validity. Returns :class:`TestCerts`. For production use your own
    CA (README, "Deployment between real hosts")."""
    directory = os.path.abspath(os.fspath(directory))
    ca = os.path.join(directory, "ca.crt")

    def files(role):
        return TlsFiles(os.path.join(directory, role + ".crt"),
                        os.path.join(directory, role + ".key"), ca)

    certs = TestCerts(directory, *(files(r) for r in ROLES))
    have = os.path.isfile(ca) and all(os.path.isfile(f) for r in ROLES
                                      for f in (certs[r].cert, certs[r].key))
    if have and not force:
        return certs
    script = os.path.join(repo_dir(), "scripts", "make-certs.sh")
    if not os.path.isfile(script):
        raise MpcvitError(f"{script} not found (make the certificates with your own CA "
                          f"and pass TlsFiles(cert, key, ca))")
    cmd = ["bash", script, "--force"]
    if days is not None:
        cmd += ["--days", str(int(days))]
    _run(cmd + [directory], timeout_s, "make-certs.sh")
    return certs


def _security(tls, insecure, role):
    if tls is not None and insecure:
        raise ValueError(f"{role}: give tls=TlsFiles(...) or insecure=True, not both")
    if tls is None and not insecure:
        raise ValueError(f"{role}: every link is mutual TLS: give tls=TlsFiles(cert, key, "
                         f"ca) (mpcvit.make_test_certs(dir) makes test ones), or "
                         f"insecure=True for plain TCP on a trusted machine")
    return ["--insecure"] if insecure else tls.args()


def _address(a, what):
    """'H:P', (host, port) or a Service -> 'H:P'."""
    if isinstance(a, Service):
        return a.address
    if isinstance(a, tuple) and len(a) == 2:
        return f"{a[0]}:{int(a[1])}"
    if isinstance(a, str) and re.fullmatch(r".+:\d+", a):
        return a
    raise ValueError(f"{what}: expected 'HOST:PORT', (host, port) or a Service, got {a!r}")


def _common(timeout_ms, threads):
    out = []
    if timeout_ms is not None:
        out += ["--timeout-ms", str(int(timeout_ms))]
    if threads is not None:
        out += ["--threads", str(int(threads))]
    return out


# ---------------------------------------------------------------- inputs

def _shape_str(s):
    return "[" + "x".join(str(d) for d in s) + "]"


def _is_path(x):
    return isinstance(x, (str, os.PathLike))


def read_images(paths, program_shape):
    """Image files (PNG, or anything PIL reads) -> uint8 ``[N, C, H, W]`` in
    the program's layout: grey for C = 1, RGB for C = 3; each file must
    already have the program's H x W (nothing is resized)."""
    try:
        from PIL import Image
    except ImportError:
        raise MpcvitError("reading image files needs PIL (Debian package "
                          "python3-pil; scripts/setup.sh installs it)") from None
    if program_shape is None or len(program_shape) != 4:
        raise MpcvitError("image files need a program with an NCHW input [B, C, H, W]; "
                          f"this one takes {_shape_str(program_shape or ())}")
    c, h, w = program_shape[1:]
    if c not in (1, 3):
        raise MpcvitError(f"image files need 1 (grey) or 3 (RGB) channels; the program "
                          f"takes {c}")
    out = []
    for p in ([paths] if _is_path(paths) else list(paths)):
        p = os.fspath(p)
        try:
            with Image.open(p) as im:
                a = np.asarray(im.convert("L" if c == 1 else "RGB"), dtype=np.uint8)
        except (OSError, ValueError) as e:
            raise MpcvitError(f"{p}: cannot read the image ({e})") from None
        if a.shape[:2] != (h, w):
            raise MpcvitError(f"{p}: image is {a.shape[1]}x{a.shape[0]} pixels, the "
                              f"program takes {w}x{h} (resize it first)")
        out.append(a[None] if c == 1 else a.transpose(2, 0, 1))
    if not out:
        raise MpcvitError("no image files given")
    return np.stack(out)


def _prepare_inputs(program_shape, x, preprocess=None):
    """x -> (array to write, number of images N, batch B of the program).

    ``x``: float (normalised) or uint8 (raw: the program normalises it on
    the client, which needs ``preprocess``, the program's recorded
    normalisation) array, or image file path(s). A single image (the
    program's input without its batch axis) gets a batch axis; for a
    program of batch B > 1, N images are grouped into ceil(N / B)
    inferences, the last padded with zeros. Anything else is passed through
    for the runtime to accept or refuse (it names the shapes)."""
    if _is_path(x) or (isinstance(x, (list, tuple)) and x and all(map(_is_path, x))):
        x = read_images(x, program_shape)
    x = np.asarray(x)
    if x.dtype == np.uint8:
        if preprocess is None:
            raise MpcvitError(
                "the input is uint8 (raw images) but this program records no "
                "normalisation: compile it with preprocess=... (mpcvit.compile; "
                "mpcvit-compile --preprocess scale=1/255,mean=M,std=S), or give the "
                "model's normalised float input (Fashion-MNIST: "
                "mpcvit.data.normalize(images))")
    elif x.dtype.kind not in "f":
        if x.dtype.kind in "iub":
            raise MpcvitError(
                f"the input is {x.dtype}: give raw images as uint8 (0..255; the program "
                f"must record its normalisation) or the model's normalised float input "
                f"(Fashion-MNIST: mpcvit.data.normalize(images))")
        raise MpcvitError(f"the input has dtype {x.dtype}; expected a float or uint8 array")
    else:
        x = x.astype(np.float32 if x.dtype == np.float32 else np.float64, copy=False)
    if program_shape is None or len(program_shape) == 0:
        return x, (len(x) if x.ndim else 1), 1
    batch = program_shape[0]
    inner = tuple(program_shape[1:])
    if x.shape == inner:
        x = x[None]
    if batch > 1 and x.ndim == len(program_shape) and x.shape[1:] == inner:
        n = len(x)
        k = max(1, math.ceil(n / batch))
        pad = np.zeros((k * batch - n,) + inner, x.dtype)
        return np.concatenate([x, pad]).reshape((k,) + tuple(program_shape)), n, batch
    n = len(x) if x.ndim and x.shape != tuple(program_shape) else 1
    return x, n, batch


def _merge_reports(reports):
    """One report for the chunks of a run: lists concatenated, counts
    summed, per-inference costs (equal in every chunk) kept."""
    if len(reports) == 1:
        return reports[0]
    out = dict(reports[0])
    for k, v in reports[0].items():
        if isinstance(v, list) and k.endswith("_each"):
            out[k] = [e for r in reports for e in r.get(k, [])]
    if "top1" in out:
        out["top1"] = [t for r in reports for t in
                       (r["top1"] if isinstance(r["top1"], list) else [r["top1"]])]
    if "count" in out:
        out["count"] = sum(r.get("count", 0) for r in reports)
    for k in ("online_s", "offline_s"):
        each = out.get(k + "_each")
        if each:
            out[k] = float(np.mean(each))
    return out


def _progress_bar(total, progress):
    """A tqdm bar over `total` images, or None: progress=True shows it,
    None shows it for a long run (more than one chunk) on a terminal."""
    if progress is False or (progress is None and not sys.stderr.isatty()):
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="img", desc="private inference")


def _run_role(cmd_for, program_shape, x, timeout_s, per_inference_s, what,
              preprocess=None, progress=None):
    """Writes x to private temporary files (chunks of at most
    MAX_INFERENCES_PER_RUN inferences), runs cmd_for(input, output) on each,
    returns (logits [N, classes] float32, merged JSON report)."""
    arr, n, batch = _prepare_inputs(program_shape, x, preprocess)
    if arr.ndim == 0:
        raise MpcvitError("the input is a scalar; expected one image or a batch [N, ...]")
    inferences = len(arr) if (program_shape is None or arr.shape != tuple(program_shape)) \
        else 1
    if inferences == 0 or n == 0:
        raise MpcvitError("the input holds no image (an empty batch)")
    outs, reports = [], []
    chunks = range(0, inferences, MAX_INFERENCES_PER_RUN) if inferences > 1 else [0]
    bar = _progress_bar(n, progress if progress is not None or len(chunks) > 1 else False)
    with tempfile.TemporaryDirectory(prefix="mpcvit-") as tmp:  # mode 0700
        for lo in chunks:
            part = arr[lo:lo + MAX_INFERENCES_PER_RUN] if inferences > 1 else arr
            xin = os.path.join(tmp, f"x{lo}.npy")
            xout = os.path.join(tmp, f"logits{lo}.npy")
            np.save(xin, part)
            count = len(part) if inferences > 1 else 1
            limit = timeout_s if timeout_s is not None else 60 + per_inference_s * count
            cmd = cmd_for(xin, xout)
            stdout = _run(cmd, limit, what, replace={xin: "x", tmp + os.sep: ""})
            reports.append(_last_json(stdout, cmd))
            outs.append(np.load(xout).reshape(count * batch, -1))
            if bar is not None:
                bar.update(min(count * batch, n - bar.n))
    if bar is not None:
        bar.close()
    logits = np.concatenate(outs)[:n].astype(np.float32, copy=False)
    return logits, _merge_reports(reports)


# ---------------------------------------------------------------- programs

_MAIN_RE = re.compile(r"func\.func @main\(%arg0: !mpc\.tensor<([0-9x]+),.*?\)\s*->\s*"
                      r"!mpc\.tensor<([0-9x]+),")
# The module's session attribute, #mpc.session<ring = 64, frac_bits = F,
# trunc = probabilistic|exact, protocols = a2b|fss>.
_ATTR_RE = {"suite": re.compile(r"#mpc\.session<[^>]*protocols = (\w+)"),
            "trunc": re.compile(r"#mpc\.session<[^>]*trunc = (\w+)"),
            "frac_bits": re.compile(r"#mpc\.session<[^>]*frac_bits = (\d+)")}
_SUMMARY_RE = re.compile(r"client inputs must stay within \|x\| <= ([0-9.eE+-]+|inf)")
_PREPROCESS_RE = re.compile(r'mpcvit\.preprocess = \{layout = "(\w+)", '
                            r'mean = array<f64: ([^>]*)>, scale = ([^ ]+) : f64, '
                            r'std = array<f64: ([^>]*)>\}')


def _preprocess_spec(p):
    """preprocess= of compile(): a spec string or a dict -> --preprocess."""
    if isinstance(p, str):
        return p
    if not isinstance(p, dict) or set(p) - {"scale", "mean", "std", "layout"}:
        raise ValueError("preprocess: expected 'scale=1/255,mean=M,std=S', 'none', or a "
                         "dict {'scale': ..., 'mean': [...], 'std': [...]}")
    def vals(v):
        return ":".join(repr(float(e)) for e in np.atleast_1d(v))
    spec = [f"scale={float(p['scale'])!r}", f"mean={vals(p['mean'])}",
            f"std={vals(p['std'])}"]
    if "layout" in p:
        spec.append(f"layout={p['layout']}")
    return ",".join(spec)


def _dims(s):
    return tuple(int(d) for d in s.split("x"))


class Program:
    """A compiled private program: the executable, the server's weights and
    the final ``mpc`` IR (``NAME``, ``NAME.weights``, ``NAME.mlir``).

    Attributes: ``executable``, ``weights`` (None when absent, e.g. on a
    client host), ``mlir`` (None when absent), ``name``; from the ``.mlir``:
    ``input_shape`` (tuple, e.g. ``(1, 1, 28, 28)``; ``[0]`` is the batch B
    of one inference), ``output_shape`` (e.g. ``(1, 10)``), ``num_classes``,
    ``frac_bits``, ``protocols`` (``{"suite": "a2b"|"fss", "trunc":
    "probabilistic"|"exact"}``), ``preprocess`` (``{"layout": "NCHW", "scale":
    1/255, "mean": [...], "std": [...]}``: the normalisation the client
    applies to uint8 images, or None when the program records none);
    ``input_abs_max`` (float: the largest |x| the
    fixed-point format carries through the first layers, from the compile
    summary; None for a program loaded from disk), ``compile_log`` (the
    compiler's stdout).

    Made by :func:`compile` or :func:`load` (``Program.load``).
    """

    def __init__(self, executable, weights=None, mlir=None, input_abs_max=None,
                 compile_log="", build_dir=None):
        executable = os.path.abspath(os.fspath(executable))
        if not os.path.isfile(executable) or not os.access(executable, os.X_OK):
            raise MpcvitError(f"{executable}: no such executable (compile it with "
                              f"mpcvit.compile)")
        self.executable = executable
        self.name = os.path.basename(executable)
        for given, what in ((weights, "weights"), (mlir, "mlir")):
            if given is not None and not os.path.isfile(given):
                raise MpcvitError(f"{given}: no such {what} file")
        w = weights if weights is not None else executable + ".weights"
        m = mlir if mlir is not None else executable + ".mlir"
        self.weights = os.path.abspath(w) if os.path.isfile(w) else None
        self.mlir = os.path.abspath(m) if os.path.isfile(m) else None
        self.input_abs_max = input_abs_max
        self.compile_log = compile_log
        self._build_dir = build_dir
        self._tmpdir_finalizer = None
        self._costs = {}
        self.input_shape = self.output_shape = None
        self.frac_bits = None
        self.protocols = {}
        self.preprocess = None
        if self.mlir:
            self._read_mlir()

    @classmethod
    def load(cls, path, **kw):
        """A program already compiled: ``path`` is the executable (``NAME``;
        ``NAME.mlir`` and ``NAME.weights`` are found beside it)."""
        return cls(path, **kw)

    def _read_mlir(self):
        with open(self.mlir, errors="replace") as f:
            head = ""
            for line in f:
                if not self.protocols and "module attributes" in line:
                    head = line
                m = _MAIN_RE.search(line)
                if m:
                    self.input_shape, self.output_shape = _dims(m[1]), _dims(m[2])
                    break
        m = _PREPROCESS_RE.search(head)
        if m:
            self.preprocess = {"layout": m[1], "scale": float(m[3]),
                               "mean": [float(v) for v in m[2].split(",")],
                               "std": [float(v) for v in m[4].split(",")]}
        for k, rx in _ATTR_RE.items():
            m = rx.search(head)
            if m:
                if k == "frac_bits":
                    self.frac_bits = int(m[1])
                else:
                    self.protocols[k] = m[1]

    @property
    def batch(self):
        """Images per inference (the program's leading input dimension)."""
        return self.input_shape[0] if self.input_shape else 1

    @property
    def num_classes(self):
        return self.output_shape[-1] if self.output_shape else None

    def __repr__(self):
        shape = _shape_str(self.input_shape) if self.input_shape else "?"
        return f"Program({self.executable!r}, input {shape}, {self.protocols})"

    def _bin(self):
        return bin_dir(self._build_dir)

    # -- cost model ---------------------------------------------------------

    def cost(self, profile="wan", calibration=None, timeout_s=120):
        """The cost model's prediction for one inference (B images) under a
        network ``profile``: ``"lan"`` (1 Gbit/s, 0.5 ms RTT), ``"wan"``
        (400 Mbit/s, 4 ms), ``"wan-slow"`` (100 Mbit/s, 80 ms) or
        ``"custom:BW,RTT"`` (Mbit/s, ms); runs ``mpcvit-opt NAME.mlir
        --mpcvit-cost-report=json``.

        ``calibration``: the compute-term file (``mpcvit_runtime_bench
        --calibrate``); None = bench/results/cost_calibration.json when it
        exists; False = none (compute then counts 0, ``compute_known``
        False).

        Returns a dict of plain data: ``profile``, ``bandwidth_bps``,
        ``rtt_s``; ``online_bytes_sent_per_party`` ([server, client] bytes),
        ``online_bytes_sent_per_party_max``, ``online_rounds``,
        ``offline_bytes`` (dealer bytes for both parties); ``latency_s``
        (predicted online seconds = ``network_s`` + ``compute_s``),
        ``network_s``, ``compute_s``, ``compute_known``; ``batch`` (images
        per inference); ``session`` (ring, fractional bits, protocols);
        ``layers`` (one row per transformer layer, ``layer`` its index,
        None for the ops outside them; ``ops`` and the same byte/round keys).
        """
        if not self.mlir:
            raise MpcvitError(f"{self.executable}.mlir not found: the cost report needs "
                              f"the program's .mlir")
        if not re.fullmatch(r"[\w:.,-]+", str(profile)):
            raise ValueError(f"profile: expected lan, wan, wan-slow or custom:BW,RTT, got "
                             f"{profile!r}")
        if calibration is None:
            c = os.path.join(repo_dir(), "bench", "results", "cost_calibration.json")
            calibration = c if os.path.isfile(c) else False
        if calibration and re.search(r"\s", os.fspath(calibration)):
            raise ValueError(f"calibration: a path without spaces please (it goes into a "
                             f"pass option): {calibration!r}")
        key = (profile, calibration)
        if key not in self._costs:
            opts = "json"
            if calibration:
                opts += f" calibration={os.fspath(calibration)}"
            opts += f" profiles={profile}"
            cmd = [os.path.join(self._bin(), "mpcvit-opt"), self.mlir,
                   f"--mpcvit-cost-report={opts}", "-o", os.devnull]
            out = _run(cmd, timeout_s, "mpcvit-opt --mpcvit-cost-report")
            try:
                rep = json.loads(out[out.index("{"):])
            except ValueError:
                raise MpcvitError(f"mpcvit-opt printed no JSON cost report: "
                                  f"{out.strip()[:500]!r}", cmd) from None
            t, lat = rep["total"], rep["latency"][0]
            self._costs[key] = {
                "profile": lat["profile"],
                "bandwidth_bps": lat["bandwidth_bps"],
                "rtt_s": lat["rtt_s"],
                "online_bytes_sent_per_party": list(t["online_bytes_sent_per_party"]),
                "online_bytes_sent_per_party_max": t["online_bytes_sent_per_party_max"],
                "online_rounds": t["online_rounds"],
                "offline_bytes": t["offline_bytes"],
                "latency_s": lat["total_s"],
                "network_s": lat["network_s"],
                "compute_s": lat["compute_s"],
                "compute_known": bool(lat.get("compute_known", False)),
                "batch": self.batch,
                "session": dict(rep.get("session", {})),
                "layers": [dict(r) for r in rep.get("layers", [])],
            }
        return json.loads(json.dumps(self._costs[key]))  # a fresh copy

    def _seconds_per_inference(self, profile="wan"):
        """A generous bound for one inference (timeouts): 5 x the prediction
        under `profile`, at least 10 s."""
        try:
            return max(10.0, 5.0 * self.cost(profile)["latency_s"])
        except MpcvitError:
            return 60.0

    # -- running ------------------------------------------------------------

    def run_local(self, x, timeout_s=None, report=False, threads=None, timeout_ms=None,
                  progress=None):
        """Private inference with the three roles as threads of one process
        (``NAME local``: loopback, no TLS needed, nothing leaves the process).

        ``x``: float32/float64 ndarray, one image shaped like the program's
        input without its batch axis (``[1, 28, 28]``) or a batch ``[N, ...]``
        (``[N, 1, 28, 28]``, any N), normalised as the model expects; or raw
        uint8 images (0..255, same shapes) or image file paths (PNG; one
        path or a list), which the client normalises with the program's
        ``preprocess`` before sharing. ``progress``: a tqdm bar over the
        images (None: only for runs of several chunks, on a terminal).
        Returns logits float32 ``[N, classes]``; with ``report=True``,
        ``(logits, report)`` where ``report`` is the executable's ``--json``
        line (``top1``, ``count``, ``online_s``, ``offline_s``,
        ``online_bytes_sent_per_party``, ``online_rounds``,
        ``offline_bytes``, ``online_s_each``, ...). ``timeout_s`` bounds the
        whole run (default: 60 s + 5x the predicted ``lan`` latency per
        inference, at least 10 s each). Raises :class:`MpcvitError` with the
        runtime's message on a bad shape, a value beyond
        ``input_abs_max``, NaN, ...
        """
        def cmd(xin, xout):
            c = [self.executable, "local", "--input", xin, "--output", xout, "--json"]
            if self.weights:
                c += ["--weights", self.weights]
            return c + _common(timeout_ms, threads)

        logits, rep = _run_role(cmd, self.input_shape, x, timeout_s,
                                self._seconds_per_inference("lan"), f"{self.name} local",
                                self.preprocess, progress)
        return (logits, rep) if report else logits

    def serve(self, listen="127.0.0.1:0", dealer=None, tls=None, insecure=False,
              max_sessions=4, sessions=None, offline=None, weights=None,
              timeout_ms=None, threads=None, log_dir=None, start_timeout_s=60):
        """Starts the server role (``NAME server``) as a service and returns
        a :class:`Service` once it listens.

        ``listen``: ``"HOST:PORT"`` (port 0: any free port, see
        ``Service.port``). ``dealer``: the dealer's ``"HOST:PORT"`` or its
        :class:`Service`; or ``offline``: a folder of pre-dealt bundles
        (``deal_offline``). ``tls``: this role's :class:`TlsFiles` (the
        ``server`` certificate), or ``insecure=True`` for plain TCP.
        ``max_sessions``: client sessions served at once; ``sessions``: exit
        after that many (None: until ``stop()``). ``weights``: default
        ``NAME.weights``. ``start_timeout_s`` bounds the start-up."""
        if (dealer is None) == (offline is None):
            raise ValueError("serve: give dealer='HOST:PORT' (or a dealer Service), "
                             "or offline=DIR, exactly one")
        w = weights or self.weights
        if w is None:
            raise MpcvitError(f"{self.executable}.weights not found: the server needs "
                              f"the program's weights (pass weights=PATH)")
        cmd = [self.executable, "server", "--listen", _address(listen, "listen")]
        cmd += (["--dealer", _address(dealer, "dealer")] if dealer is not None
                else ["--offline", os.fspath(offline)])
        cmd += ["--weights", os.fspath(w)]
        cmd += _service_limits(max_sessions, sessions)
        cmd += _security(tls, insecure, "server") + ["--json"] + _common(timeout_ms, threads)
        return Service("server", cmd, log_dir, start_timeout_s, keep=self)

    def serve_dealer(self, listen="127.0.0.1:0", tls=None, insecure=False,
                     max_sessions=4, sessions=None, timeout_ms=None, threads=None,
                     log_dir=None, start_timeout_s=60):
        """Starts the dealer role (``NAME dealer``) as a service: it gives
        each server session and its client one bundle of correlated
        randomness per inference. Arguments as :meth:`serve` (``tls``: the
        ``dealer`` certificate). Returns a :class:`Service`."""
        cmd = [self.executable, "dealer", "--listen", _address(listen, "listen")]
        cmd += _service_limits(max_sessions, sessions)
        cmd += _security(tls, insecure, "dealer") + ["--json"] + _common(timeout_ms, threads)
        return Service("dealer", cmd, log_dir, start_timeout_s, keep=self)

    def deal_offline(self, out_dir, count, timeout_s=None):
        """Pre-deals ``count`` inferences without a dealer online (``NAME
        dealer --out DIR --count N``): returns ``{"server": DIR/server,
        "client": DIR/client}``, each for its party (``serve(offline=...)``,
        ``Client(..., offline=...)``; copy each to its host over a channel
        you trust). Each bundle is used once."""
        out_dir = os.path.abspath(os.fspath(out_dir))
        limit = timeout_s if timeout_s is not None else 60 + 10.0 * int(count)
        _run([self.executable, "dealer", "--out", out_dir, "--count", str(int(count))],
             limit, f"{self.name} dealer --out")
        return {"server": os.path.join(out_dir, "server"),
                "client": os.path.join(out_dir, "client")}


def _service_limits(max_sessions, sessions):
    out = []
    if max_sessions is not None:
        out += ["--max-sessions", str(int(max_sessions))]
    if sessions is not None:
        out += ["--sessions", str(int(sessions))]
    return out


def load(path, **kw):
    """:meth:`Program.load`: a program compiled earlier (path of the
    executable)."""
    return Program.load(path, **kw)


def compile(onnx, arch=None, protocols=None, out_dir=None, frac_bits=None, trunc=None,
            input_shape=None, name=None, build_dir=None, timeout_s=1800, preprocess=None):
    """Compiles a ViT into a private executable (``mpcvit-compile``).

    ``onnx``: path of an ONNX model (or a ``.mlir`` file of ``vit`` IR), or
    an ``onnx.ModelProto``. ``arch``: the NAS result (arch.json
    ``mpcvit.arch.v1``) applied to the template network, or None.
    ``protocols``: ``{"suite": "a2b"|"fss", "trunc": "probabilistic"|"exact"}``
    (either key optional; ``--protocols``, ``--trunc``); ``trunc`` the same as
    ``protocols["trunc"]``. ``frac_bits``: fixed-point fractional bits
    (default 16). ``input_shape``: static shape for a dynamic ONNX input,
    ``(N, C, H, W)``, ``"NxCxHxW"``, ``"NAME:NxCxHxW"``, or a dict
    ``{input name: shape}`` (a batch program: one inference runs N images).
    ``preprocess``: the raw-image normalisation x = (u * scale - mean[c]) /
    std[c] the client applies to uint8 images, as ``{"scale": 1/255,
    "mean": [...], "std": [...]}`` or ``"scale=1/255,mean=M,std=S"``
    (``--preprocess``); it overrides the one the ONNX file records
    (``mpcvit.export`` writes it); ``"none"`` drops it.

    ``out_dir``: where ``NAME``, ``NAME.weights`` (the server's, never give
    it to the client), ``NAME.mlir`` and ``NAME.cpp`` go; None = a
    temporary folder removed when the :class:`Program` is garbage-collected
    (pass ``out_dir`` to keep the files). ``name``: default the model file's
    stem (``model``). ``timeout_s`` bounds the compiler (it also runs the
    system C++ compiler).

    Returns a :class:`Program`, with ``input_abs_max`` from the compiler's
    summary line. Raises :class:`MpcvitError` with the compiler's messages.
    """
    bd = bin_dir(build_dir)
    protocols = dict(protocols or {})
    unknown = sorted(set(protocols) - set(PROTOCOL_KEYS))
    if unknown:
        raise ValueError(f"unknown protocol option(s) {unknown}: mpcvit-compile has "
                         f"{list(PROTOCOL_KEYS)} (suite: a2b|fss, trunc: probabilistic|exact)")
    if trunc is not None:
        if protocols.get("trunc", trunc) != trunc:
            raise ValueError(f"trunc={trunc!r} contradicts protocols['trunc']="
                             f"{protocols['trunc']!r}")
        protocols["trunc"] = trunc

    tmp = None
    if out_dir is None:
        tmp = out_dir = tempfile.mkdtemp(prefix="mpcvit-prog-")
    out_dir = os.path.abspath(os.fspath(out_dir))
    os.makedirs(out_dir, exist_ok=True)
    try:
        if not isinstance(onnx, (str, os.PathLike)):
            if not hasattr(onnx, "SerializeToString"):
                raise TypeError(f"onnx: expected a path or an onnx.ModelProto, got "
                                f"{type(onnx).__name__}")
            name = name or "model"
            path = os.path.join(out_dir, name + ".onnx")
            with open(path, "wb") as f:
                f.write(onnx.SerializeToString())
            onnx = path
        onnx = os.path.abspath(os.fspath(onnx))
        if not os.path.isfile(onnx):
            raise MpcvitError(f"{onnx}: no such model file")
        name = name or os.path.splitext(os.path.basename(onnx))[0]
        base = os.path.join(out_dir, name)
        cmd = [os.path.join(bd, "mpcvit-compile"), onnx, "-o", base]
        if arch is not None:
            arch = os.path.abspath(os.fspath(arch))
            if not os.path.isfile(arch):
                raise MpcvitError(f"{arch}: no such arch file")
            cmd += ["--arch", arch]
        if frac_bits is not None:
            cmd += ["--frac-bits", str(int(frac_bits))]
        for k, flag in PROTOCOL_KEYS.items():
            if k in protocols:
                cmd += [flag, str(protocols[k])]
        if input_shape is not None:
            shapes = input_shape.items() if isinstance(input_shape, dict) \
                else [(None, input_shape)]
            for n, s in shapes:
                s = s if isinstance(s, str) else "x".join(str(int(d)) for d in s)
                cmd += ["--input-shape", f"{n}:{s}" if n else s]
        if preprocess is not None:
            cmd += ["--preprocess", _preprocess_spec(preprocess)]
        stdout = _run(cmd, timeout_s, "mpcvit-compile")
        m = _SUMMARY_RE.search(stdout)
        prog = Program(base, input_abs_max=float(m[1]) if m else None,
                       compile_log=stdout, build_dir=build_dir)
    except BaseException:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    if tmp:
        prog._tmpdir_finalizer = weakref.finalize(prog, shutil.rmtree, tmp, True)
    return prog


# ---------------------------------------------------------------- services

def _stop_process(proc, files, timeout_s=30):
    if proc.poll() is None:
        try:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for f in files:
        f.close()


class Service:
    """A dealer or server role running as a service (a child process).

    ``role``, ``host``, ``port`` (the port it listens on, known once
    started), ``address`` (``"HOST:PORT"`` to give to peers; 127.0.0.1 for
    a wildcard listen address), ``link`` (``"mutual TLS 1.3"`` or
    ``"INSECURE plain TCP"``), ``proc`` (the ``subprocess.Popen``),
    ``stdout_path`` and ``stderr_path`` (its logs). A context manager:
    leaving the block calls :meth:`stop`. A Service that is garbage-collected
    or left at interpreter exit is stopped too.
    """

    _LISTEN_RE = re.compile(r"listening on (\S+):(\d+) \(([^)]*)\)")

    def __init__(self, role, cmd, log_dir=None, start_timeout_s=60, keep=None):
        self.role, self.cmd = role, cmd
        self._keep = keep  # the Program (its temporary folder lives while we run)
        if log_dir is None:
            log_dir = tempfile.mkdtemp(prefix=f"mpcvit-{role}-")
            self._log_finalizer = weakref.finalize(self, shutil.rmtree, log_dir, True)
        os.makedirs(log_dir, exist_ok=True)
        self.log_dir = log_dir
        self.stdout_path = os.path.join(log_dir, f"{role}.out")
        self.stderr_path = os.path.join(log_dir, f"{role}.log")
        self._out = open(self.stdout_path, "w")
        self._err = open(self.stderr_path, "w")
        try:
            self.proc = subprocess.Popen(cmd, stdout=self._out, stderr=self._err,
                                         stdin=subprocess.DEVNULL)
        except OSError as e:
            self._out.close()
            self._err.close()
            raise MpcvitError(f"cannot run {cmd[0]}: {e.strerror or e}", cmd) from None
        self._finalizer = weakref.finalize(self, _stop_process, self.proc,
                                           [self._out, self._err], 5)
        self._lock = threading.Lock()
        self.host = self.port = self.link = None
        try:
            self._wait_listening(start_timeout_s)
        except BaseException:
            self._finalizer()
            raise

    def _wait_listening(self, timeout_s):
        deadline = time.monotonic() + timeout_s
        while True:
            m = self._LISTEN_RE.search(self.log())
            if m:
                self.host, self.port, self.link = m[1], int(m[2]), m[3]
                return
            if self.proc.poll() is not None:
                err = self.log()
                raise MpcvitError(_tool_message(err, self.cmd) or f"{self.role} exited with code "
                                  f"{self.proc.returncode} before listening",
                                  self.cmd, self.proc.returncode, err)
            if time.monotonic() > deadline:
                err = self.log()
                raise MpcvitError(f"{self.role} did not listen within {timeout_s:g} s"
                                  + (f": {_tool_message(err, self.cmd)}" if err.strip()
                                     else ""),
                                  self.cmd, None, err)
            time.sleep(0.02)

    @property
    def address(self):
        host = self.host
        if host in ("0.0.0.0", "::", "", "*"):
            host = "127.0.0.1"
        return f"{host}:{self.port}"

    @property
    def running(self):
        return self.proc.poll() is None

    def log(self):
        """Its stderr so far (start-up line, per-session errors)."""
        with open(self.stderr_path, errors="replace") as f:
            return f.read()

    def reports(self):
        """The JSON reports it printed so far, one per session (dicts:
        online/offline seconds, bytes, rounds, ...)."""
        out = []
        with open(self.stdout_path, errors="replace") as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    try:
                        out.append(json.loads(line))
                    except json.JSONDecodeError:
                        pass
        return out

    def wait(self, timeout_s=60):
        """Waits for the service to exit by itself (after ``sessions=N``);
        returns 0, or raises :class:`MpcvitError` if it failed or did not
        exit within ``timeout_s``."""
        try:
            code = self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            raise MpcvitError(f"{self.role} did not exit within {timeout_s:g} s",
                              self.cmd) from None
        self._finalizer()
        if code != 0:
            err = self.log()
            raise MpcvitError(_tool_message(err, self.cmd) or f"{self.role} failed ({code})",
                              self.cmd, code, err)
        return code

    def stop(self, timeout_s=30):
        """SIGTERM (running sessions finish), wait up to ``timeout_s``, then
        SIGKILL. Returns the exit code (0: stopped cleanly)."""
        with self._lock:
            if self._finalizer.alive:
                self._finalizer.detach()
                _stop_process(self.proc, [self._out, self._err], timeout_s)
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def __repr__(self):
        state = "running" if self.running else f"exited {self.proc.returncode}"
        return f"Service({self.role} {self.address}, {self.link}, {state})"


# ---------------------------------------------------------------- client

class Client:
    """The client role of a program (``NAME client``): it holds the images,
    learns only their logits, and needs the executable and its ``.mlir``,
    never the weights.

    ``program_or_path``: a :class:`Program` or the executable's path.
    ``connect``: the server's ``"HOST:PORT"`` (or its :class:`Service`);
    ``dealer``: the dealer's (or its Service), or ``offline``: this
    client's folder of pre-dealt bundles. ``tls``: the ``client``
    :class:`TlsFiles`, or ``insecure=True``. ``timeout_ms``: the runtime's
    per-message deadline (default 30000).
    """

    def __init__(self, program_or_path, connect, dealer=None, tls=None, insecure=False,
                 offline=None, timeout_ms=None, threads=None):
        self.program = program_or_path if isinstance(program_or_path, Program) \
            else Program.load(program_or_path)
        if (dealer is None) == (offline is None):
            raise ValueError("Client: give dealer='HOST:PORT' (or a dealer Service), or "
                             "offline=DIR, exactly one")
        self.connect = _address(connect, "connect")
        self.dealer = None if dealer is None else _address(dealer, "dealer")
        self.offline = None if offline is None else os.fspath(offline)
        self._security = _security(tls, insecure, "client")
        self._common = _common(timeout_ms, threads)

    def infer(self, x, timeout_s=None, report=False, progress=None):
        """One client session: private inference of ``x`` (shapes as
        :meth:`Program.run_local`: float, raw uint8 or image files; more than
        4096 inferences run as several sessions, with a tqdm bar on a
        terminal). Returns logits float32 ``[N, classes]``, or ``(logits,
        report)`` with ``report=True`` (the client's ``--json`` line).
        ``timeout_s`` bounds each session (default: 60 s + 5x the predicted
        ``wan`` latency per inference, at least 10 s each)."""
        p = self.program

        def cmd(xin, xout):
            c = [p.executable, "client", "--connect", self.connect]
            c += ["--dealer", self.dealer] if self.dealer else ["--offline", self.offline]
            return c + ["--input", xin, "--output", xout, "--json"] \
                + self._security + self._common

        logits, rep = _run_role(cmd, p.input_shape, x, timeout_s,
                                p._seconds_per_inference("wan"), f"{p.name} client",
                                p.preprocess, progress)
        return (logits, rep) if report else logits
