#!/usr/bin/python3
"""The dealer and the server as long-running services.

  service.py PROG IMAGES.npy LOCAL.npy REF.npy CERTS OTHER TMPDIR

PROG is a compiled executable (PROG.weights beside it); IMAGES.npy holds
at least 40 inputs, LOCAL.npy the logits of `PROG local` on them, REF.npy
the plaintext (PyTorch float) logits of the same images or more. CERTS
is a directory of scripts/make-certs.sh with `--extra rogue`, OTHER one of
a second, independent CA. Everything runs on 127.0.0.1 with ephemeral
ports (each service's "listening on 127.0.0.1:PORT" line).

Checks (one line each, "ok: ..." or "FAILED: ..."):

A. one TLS dealer and one TLS server (--max-sessions 4), four concurrent
   clients with 10 different images each: every client exits 0, its
   logits agree with LOCAL within 1e-2 and on every top-1, its JSON top1
   matches its logits, and its top-1 agree with the plaintext reference
   (where that one has no near tie) within 1e-2; the server really ran
   four sessions at once (its dealer connections, sampled from /proc).
B. a victim client with 40 images is SIGKILLed 0.5 s after its session
   joined the dealer while four more clients start (five clients, at most
   four sessions at once): the four are unharmed (as in A), the server
   never runs more than four sessions, logs an error for the victim's
   connection and serves a new client afterwards.
C. refusals at the TLS server (each refused client exits non-zero at the
   handshake, the server logs why, naming the certificate or the role);
   raw Python peers that present the rogue certificate, the other CA's
   certificate or plain TCP (each sending a valid client hello) receive no
   application byte at the server and at the dealer, while a control peer
   with the client certificate does receive the server's hello; a server
   whose --dealer is a fake dealer holding the *client* certificate (a
   real `PROG dealer`, and a raw peer that records what it receives)
   refuses it (mentions mpcvit-dealer), sends it nothing, and its client
   fails instead of hanging. The server and the dealer then serve a good
   client.
D. a plain-TCP server and a TLS server with --timeout-ms 2000: a peer that
   drips one byte each 0.5 s (a valid hello frame; a TLS ClientHello) is
   cut off within 6 s; a frame header announcing 512 MiB as the first
   message is refused and the server's peak RSS (VmHWM) stays below
   200 MB; a fake dealer holding the *dealer* certificate that announces a
   512 MiB bundle to the server and to the client is refused by both
   (frame bound of the program), both staying below 200 MB; the servers
   then serve a good client.
E. SIGTERM to the server of A-C while a client is mid-session: the session
   completes (client exit 0, correct logits), the server then exits 0 and
   stops listening; SIGTERM to the dealer: exit 0.
F. offline material: `dealer --out D --count 3`, a server and a client on
   D/server, D/client with no dealer: 2 images correct; 2 more fail on the
   client with "every offline bundle has been used"; a client bundle
   renamed back from .used to .bin (a replay) is refused by the server
   ("already used") and that client fails; the server keeps running.

Exits 1 if any check failed. Every process is bounded (killed after
PROC_TIMEOUT s, waits for listening lines by LISTEN_TIMEOUT s) and all
are killed on exit.
"""
import json
import os
import re
import select
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time

import numpy as np

PROC_TIMEOUT = 60      # seconds, any client or short-lived process
LISTEN_TIMEOUT = 15    # seconds, until a service prints its listening line
SERVICE_MS = "20000"   # --timeout-ms of the main services and clients
SHORT_MS = "2000"      # --timeout-ms of the servers of D
MAGIC = 0x5643504D     # frame magic "MPCV" (runtime/src/transport.cpp)
HUGE = 512 << 20       # announced length of the oversized frames
RSS_LIMIT_KB = 200 * 1024

failures = 0


def check(cond, what):
    global failures
    print(("ok: " if cond else "FAILED: ") + what, flush=True)
    failures += 0 if cond else 1
    return cond


def tail(text, n=2):
    return one_line("\n".join(text.splitlines()[-n:]))


def one_line(text, limit=300):
    text = " | ".join(l.strip() for l in text.strip().splitlines()
                      if l.strip())
    return text if len(text) <= limit else text[:limit] + "..."


# ---- processes --------------------------------------------------------------

ALL = []


class Proc:
    """A subprocess with stdout/stderr in files; waited with wait4 (peak
    RSS) and bounded by a timeout, killed on expiry."""

    def __init__(self, name, args, tmp):
        self.name = name
        self.out_path = os.path.join(tmp, name + ".out")
        self.err_path = os.path.join(tmp, name + ".err")
        with open(self.out_path, "w") as o, open(self.err_path, "w") as e:
            self.pid = _spawn(args, o, e)
        self.rc = None
        self.maxrss_kb = None
        self.started = time.monotonic()
        self.ended = None
        ALL.append(self)

    def poll(self):
        if self.rc is None:
            pid, status, ru = os.wait4(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.rc = os.waitstatus_to_exitcode(status)
                self.maxrss_kb = ru.ru_maxrss
                self.ended = time.monotonic()
        return self.rc

    def alive(self):
        return self.poll() is None

    def wait(self, timeout=PROC_TIMEOUT):
        """Exit code; 124 if it had to be killed after `timeout` s."""
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() > deadline:
                self.kill()
                return 124
            time.sleep(0.02)
        return self.rc

    def signal(self, sig):
        if self.poll() is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def kill(self):
        self.signal(signal.SIGKILL)
        if self.rc is None:
            _, status, ru = os.wait4(self.pid, 0)
            self.rc = os.waitstatus_to_exitcode(status)
            self.maxrss_kb = ru.ru_maxrss
            self.ended = time.monotonic()

    def out(self):
        with open(self.out_path) as f:
            return f.read()

    def err(self):
        with open(self.err_path) as f:
            return f.read()

    def hwm_kb(self):
        """VmHWM (peak RSS) of a running process, in kB."""
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return -1

    def listening_port(self):
        deadline = time.monotonic() + LISTEN_TIMEOUT
        while time.monotonic() < deadline:
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", self.err())
            if m:
                return int(m.group(1))
            if not self.alive():
                break
            time.sleep(0.02)
        self.kill()
        raise RuntimeError(f"{self.name}: no listening line (exit {self.rc}): "
                           + one_line(self.err()))


def _spawn(args, out, err):
    p = subprocess.Popen(args, stdout=out, stderr=err,
                         stdin=subprocess.DEVNULL)
    p.returncode = 0  # reaped by Proc (wait4); keeps Popen from reaping
    return p.pid


def kill_all():
    for p in ALL:
        if p.rc is None:
            p.kill()


# ---- /proc: a process's TCP connections -------------------------------------

def tcp_table():
    rows = {}
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                lines = f.readlines()[1:]
        except OSError:
            continue
        for line in lines:
            p = line.split()
            rows[p[9]] = (int(p[1].rsplit(":", 1)[1], 16),
                          int(p[2].rsplit(":", 1)[1], 16), p[3])
    return rows


def connections(pid, remote_port, table=None):
    """Local ports of `pid`'s established TCP connections to remote_port."""
    table = table if table is not None else tcp_table()
    ports = []
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return ports
    for fd in fds:
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            row = table.get(link[8:-1])
            if row and row[1] == remote_port and row[2] == "01":
                ports.append(row[0])
    return ports


class ConcurrencySampler:
    """Samples how many dealer connections the server holds (one per running
    session) every 20 ms; `peak` is the largest count seen."""

    def __init__(self, server, dealer_port):
        self.server, self.port, self.peak = server, dealer_port, 0
        self.stop = threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop.is_set():
            n = len(connections(self.server.pid, self.port))
            self.peak = max(self.peak, n)
            time.sleep(0.02)

    def done(self):
        self.stop.set()
        self.t.join()
        return self.peak


def wait_for(cond, timeout, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(step)
    return cond()


# ---- raw peers --------------------------------------------------------------

def frame(seq, payload):
    return struct.pack("<IIQ", MAGIC, seq, len(payload)) + payload


def hello_as(template, role):
    """The 40-byte hello `template` (the server's) with another role."""
    h = bytearray(template)
    struct.pack_into("<I", h, 20, role)
    return bytes(h)


def client_ctx(cert, key, ca):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_verify_locations(ca)
    ctx.load_cert_chain(cert, key)
    return ctx


def read_for(sock, seconds, want=None):
    """Reads until EOF, an error, `want` bytes or `seconds`; returns (bytes,
    how it ended)."""
    got = b""
    deadline = time.monotonic() + seconds
    sock.settimeout(0.1)
    while time.monotonic() < deadline:
        if want is not None and len(got) >= want:
            return got, "enough"
        try:
            d = sock.recv(65536)
        except (socket.timeout, ssl.SSLWantReadError):
            continue
        except (ssl.SSLError, OSError) as e:
            return got, "closed (%s)" % e.__class__.__name__ + \
                (": " + str(e) if str(e) else "")
        if not d:
            return got, "closed (EOF)"
        got += d
    return got, "still open after %.1f s" % seconds


def raw_peer(port, ctx=None, payload=b"", seconds=2.0, want=None):
    """Connects (TLS with `ctx`), sends `payload`, reads for `seconds`.
    Returns (application bytes received, a description)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    how = ""
    try:
        if ctx is not None:
            try:
                s = ctx.wrap_socket(s)
                how = "handshake done, "
            except (ssl.SSLError, OSError) as e:
                return b"", "handshake failed: %s" % e
        try:
            if payload:
                s.sendall(payload)
        except (ssl.SSLError, OSError) as e:
            how += "send failed (%s), " % e.__class__.__name__
        got, end = read_for(s, seconds, want)
        return got, how + end
    finally:
        s.close()


class FakeDealer:
    """A TLS listener holding some certificate that plays the dealer: it
    sends a dealer hello (with the program's hash) and records everything
    the connecting parties send. With `oversize`, it carries on like a real
    dealer (reads the hello and the session id, sends seeds) and then
    announces a HUGE bundle to each party (after the server's bundle
    request)."""

    def __init__(self, cert, key, ca, hello, oversize=False):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        self.ctx.load_cert_chain(cert, key)
        self.ctx.load_verify_locations(ca)
        self.ctx.verify_mode = ssl.CERT_REQUIRED
        self.hello, self.oversize = hello, oversize
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(8)
        self.lsock.settimeout(0.2)
        self.port = self.lsock.getsockname()[1]
        self.conns = []  # (handshake ok, peer role, bytes received, end)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.accept, daemon=True)]
        self.threads[0].start()

    def accept(self):
        while not self.stop.is_set():
            try:
                c, _ = self.lsock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            t = threading.Thread(target=self.serve, args=(c,), daemon=True)
            self.threads.append(t)
            t.start()

    def serve(self, c):
        rec = {"handshake": False, "role": None, "got": b"", "end": ""}
        try:
            c.settimeout(10)
            try:
                c = self.ctx.wrap_socket(c, server_side=True)
            except (ssl.SSLError, OSError) as e:
                rec["end"] = "handshake failed: %s" % e
                return
            rec["handshake"] = True
            c.sendall(frame(0, hello_as(self.hello, 2)))
            if not self.oversize:
                rec["got"], rec["end"] = read_for(c, 3.0)
                return
            got, end = read_for(c, 5.0, want=56 + 32)  # hello + session id
            rec["got"] = got
            if len(got) < 56 + 32:
                rec["end"] = end
                return
            role = struct.unpack_from("<I", got, 16 + 20)[0]
            rec["role"] = role
            c.sendall(frame(1, os.urandom(32 if role == 0 else 16)))
            if role == 0:  # the server asks for each bundle
                more, end = read_for(c, 5.0, want=24)
                rec["got"] += more
                if len(more) < 24:
                    rec["end"] = end
                    return
            c.sendall(struct.pack("<IIQ", MAGIC, 2, HUGE))
            more, rec["end"] = read_for(c, 5.0)
            rec["got"] += more
        except (ssl.SSLError, OSError) as e:
            rec["end"] = "error: %s" % e
        finally:
            with self.lock:
                self.conns.append(rec)
            try:
                c.close()
            except OSError:
                pass

    def close(self):
        self.stop.set()
        self.lsock.close()
        for t in self.threads:
            t.join(timeout=10)


def drip(port, data, seconds=8.0, step=0.5):
    """Sends `data` one byte each `step` s; returns the seconds until the
    peer closed the connection (None if still open after `seconds`) and
    the bytes received."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setblocking(False)
    t0 = time.monotonic()
    got = b""
    try:
        i = 0
        while time.monotonic() - t0 < seconds:
            try:
                s.send(data[i % len(data):i % len(data) + 1])
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                return time.monotonic() - t0, got
            i += 1
            end = time.monotonic() + step
            while time.monotonic() < end:
                r, _, _ = select.select([s], [], [],
                                        max(0, end - time.monotonic()))
                if not r:
                    continue
                try:
                    d = s.recv(4096)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    return time.monotonic() - t0, got
                if not d:
                    return time.monotonic() - t0, got
                got += d
        return None, got
    finally:
        s.close()


def tls_client_hello():
    """The bytes of a TLS 1.3 ClientHello (from Python's own TLS stack)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    inc, outg = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, outg)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outg.read()


def only_tls_alerts(b):
    """True if `b` is empty or a sequence of TLS alert records."""
    i = 0
    while i < len(b):
        if i + 5 > len(b) or b[i] != 21:
            return False
        i += 5 + struct.unpack(">H", b[i + 3:i + 5])[0]
    return i == len(b)


# ---- the test ---------------------------------------------------------------

def main():
    prog, images, local, ref, certs, other, tmp = sys.argv[1:8]
    os.makedirs(tmp, exist_ok=True)
    images, local = np.load(images), np.load(local)
    ref = np.load(ref)
    assert len(images) >= 40 and len(local) >= 40 and len(ref) >= 40
    prog = os.path.abspath(prog)

    def tls(role, d=certs, ca=None):
        return ["--tls-cert", f"{d}/{role}.crt",
                "--tls-key", f"{d}/{role}.key",
                "--tls-ca", ca or f"{certs}/ca.crt"]

    def subset(name, idx):
        path = os.path.join(tmp, name + ".npy")
        np.save(path, images[idx])
        return path

    def start(name, args):
        return Proc(name, [prog] + args, tmp)

    def client(name, port, idx, dealer=None, offline=None, sec=None,
               timeout_ms=SERVICE_MS):
        src = ["--dealer", f"127.0.0.1:{dealer}"] if offline is None \
            else ["--offline", offline]
        p = start(name, ["client", "--connect", f"127.0.0.1:{port}"] + src +
                  (sec if sec is not None else tls("client")) +
                  ["--input", subset(name, idx), "--output",
                   os.path.join(tmp, name + ".logits.npy"), "--json",
                   "--timeout-ms", timeout_ms])
        p.idx = idx
        return p

    def logits_ok(p, what):
        """Exit 0, logits vs LOCAL (1e-2, every top-1), JSON top1, top-1
        and error vs the plaintext reference."""
        rc = p.wait()
        if rc != 0:
            return check(False, f"{what}: exit {rc}: {one_line(p.err())}")
        got = np.load(os.path.join(tmp, p.name + ".logits.npy"))
        got = got.reshape(len(p.idx), -1)
        want = local[p.idx].reshape(len(p.idx), -1)
        plain = ref[p.idx].reshape(len(p.idx), -1)
        err = float(np.abs(got - want).max())
        top = got.argmax(-1)
        run = json.loads(p.out().strip().splitlines()[-1])
        jtop = run["top1"] if isinstance(run["top1"], list) else [run["top1"]]
        srt = np.sort(plain, -1)
        clear = (srt[:, -1] - srt[:, -2]) > 1e-2  # no near tie
        perr = float(np.abs(got - plain).max())
        return check(err < 1e-2 and (top == want.argmax(-1)).all() and
                     jtop == [int(t) for t in top] and
                     (top[clear] == plain.argmax(-1)[clear]).all() and
                     perr < 1e-2,
                     f"{what}: exit 0, {len(p.idx)} logits match `local` "
                     f"(max err {err:.5f}), top-1 agree with local, JSON and "
                     f"plaintext ({int(clear.sum())}/{len(clear)} without "
                     f"near tie, max err {perr:.5f})")

    def alive(svc, what):
        return check(svc.alive(), f"{what}: {svc.name} still running")

    t_start = time.monotonic()

    # ---- the services of A, B, C, E -----------------------------------------
    dealer = start("dealer", ["dealer", "--listen", "127.0.0.1:0",
                              "--max-sessions", "8", "--timeout-ms",
                              SERVICE_MS] + tls("dealer"))
    dp = dealer.listening_port()
    server = start("server", ["server", "--listen", "127.0.0.1:0", "--dealer",
                              f"127.0.0.1:{dp}", "--max-sessions", "4",
                              "--timeout-ms", SERVICE_MS] + tls("server"))
    sp = server.listening_port()

    # ---- A: four concurrent clients -----------------------------------------
    sampler = ConcurrencySampler(server, dp)
    cs = [client(f"a{i}", sp, list(range(10 * i, 10 * i + 10)), dp)
          for i in range(4)]
    for i, c in enumerate(cs):
        logits_ok(c, f"A: client {i} (images {10 * i}-{10 * i + 9})")
    peak = sampler.done()
    overlap = max(c.started for c in cs) < min(c.ended for c in cs)
    check(peak == 4 and overlap,
          f"A: the server ran 4 sessions at once (peak {peak} dealer "
          f"connections, clients overlapped: {overlap})")

    # ---- B: a client killed mid-inference -----------------------------------
    sampler = ConcurrencySampler(server, dp)
    victim = client("victim", sp, list(range(40)), dp)
    in_session = wait_for(lambda: connections(victim.pid, dp), 20)
    to_server = connections(victim.pid, sp)
    cs = [client(f"b{i}", sp, list(range(10 * i + 5, 10 * i + 15))
                 if i < 3 else list(range(0, 10)), dp) for i in range(4)]
    time.sleep(0.5)
    running = sum(c.alive() for c in cs)
    still = victim.alive()
    victim.kill()
    check(bool(in_session) and still and victim.rc == -9,
          f"B: victim (40 images) joined the dealer and was SIGKILLed "
          f"mid-session (exit {victim.rc}, {running} other clients running)")
    for i, c in enumerate(cs):
        logits_ok(c, f"B: client {i} beside the killed one")
    peak = sampler.done()
    check(0 < peak <= 4, f"B: at most --max-sessions 4 sessions at once "
                         f"with 5 clients (peak {peak})")
    vport = to_server[0] if to_server else -1
    line = wait_for(lambda: re.search(
        rf"server: client 127\.0\.0\.1:{vport}: error: .*", server.err()), 10)
    check(line is not None,
          "B: the server logs an error for the victim's connection: " +
          (line.group(0) if line else one_line(server.err())))
    after = client("b-after", sp, [20, 21], dp)
    logits_ok(after, "B: a new client after the kill")
    alive(server, "B")
    alive(dealer, "B")

    # ---- C: refusals --------------------------------------------------------
    def refused(name, sec, pattern, what):
        n0 = len(server.err().splitlines())
        c = client(name, sp, [0], dp, sec=sec)
        rc = c.wait(30)
        log = wait_for(lambda: [l for l in server.err().splitlines()[n0:]
                                if "error:" in l], 5)
        log = "\n".join(log or [])
        check(rc not in (0, 124) and "handshake" in c.err() and
              re.search(pattern, log) is not None,
              f"C: {what}: client exit {rc} ({one_line(c.err())}); "
              f"server: {one_line(log)}")
        alive(server, "C")

    refused("c-insecure", ["--insecure"], r"TLS handshake .* failed",
            "client without TLS (--insecure)")
    refused("c-otherca", tls("client", other), r"certificate",
            "client certificate of another CA")
    refused("c-otherca2", tls("client", other, f"{other}/ca.crt"),
            r"TLS handshake .* failed",
            "client of another CA altogether (trusts only its own CA)")
    refused("c-rogue", tls("rogue"), r"certificate \(CN 'rogue'\) does not "
            r"name the role mpcvit-client", "client with the rogue "
            "certificate (our CA, names no role)")

    # Raw peers: a control with the client certificate gets the hello...
    good = client_ctx(f"{certs}/client.crt", f"{certs}/client.key",
                      f"{certs}/ca.crt")
    got, how = raw_peer(sp, good, b"", 3.0, want=56)
    hello_ok = (len(got) >= 56 and
                struct.unpack_from("<IIQ", got) == (MAGIC, 0, 40) and
                got[16:24] == b"MPCVIT\0\1" and
                struct.unpack_from("<I", got, 36)[0] == 0)
    check(hello_ok, f"C: control raw peer with the client certificate "
                    f"receives the server's hello ({len(got)} bytes, {how})")
    template = got[16:56] if hello_ok else bytes(40)
    as_client = frame(0, hello_as(template, 1)) + frame(1, bytes(16))
    # ... the refused ones get nothing, at the server and at the dealer.
    peers = [("rogue certificate", client_ctx(
                  f"{certs}/rogue.crt", f"{certs}/rogue.key",
                  f"{certs}/ca.crt")),
             ("other CA's certificate", client_ctx(
                  f"{other}/client.crt", f"{other}/client.key",
                  f"{certs}/ca.crt")),
             ("plain TCP", None)]
    for port, where in ((sp, "server"), (dp, "dealer")):
        for what, ctx in peers:
            payload = as_client if where == "server" else \
                frame(0, hello_as(template, 1)) + frame(1, os.urandom(16))
            got, how = raw_peer(port, ctx, payload, 2.0)
            if ctx is None:
                ok = b"MPCV" not in got and only_tls_alerts(got)
            else:
                ok = got == b""
            check(ok, f"C: raw peer with {what} at the {where}: "
                      f"{len(got)} application bytes received "
                      f"({'TLS alerts only, ' if ctx is None and ok else ''}"
                      f"{how})")
    alive(server, "C")
    alive(dealer, "C")

    # A fake dealer holding the client's certificate: a real `PROG dealer`
    # and a raw one that records what it receives.
    fake = start("fake-dealer", ["dealer", "--listen", "127.0.0.1:0",
                                 "--timeout-ms", "5000"] + tls("client"))
    fp = fake.listening_port()
    raw = FakeDealer(f"{certs}/client.crt", f"{certs}/client.key",
                     f"{certs}/ca.crt", template)
    for fport, what in ((fp, "a `dealer` process"), (raw.port, "a raw peer")):
        name = "srv-fake" if fport == fp else "srv-rawfake"
        srv = start(name, ["server", "--listen", "127.0.0.1:0", "--dealer",
                           f"127.0.0.1:{fport}", "--timeout-ms", "5000"] +
                    tls("server"))
        port = srv.listening_port()
        c = client("c-" + name, port, [0], dp, timeout_ms="5000")
        rc = c.wait(30)
        log = wait_for(lambda: re.search(r"error: .*", srv.err()), 5)
        log = log.group(0) if log else one_line(srv.err())
        check(rc not in (0, 124) and "mpcvit-dealer" in log and
              "certificate" in log,
              f"C: server refuses a fake dealer holding the client "
              f"certificate ({what}): {log}; its client fails "
              f"(exit {rc}: {one_line(c.err())})")
        alive(srv, "C")
        srv.signal(signal.SIGTERM)
        srv.wait(20)
    fake.signal(signal.SIGTERM)
    fake.wait(20)
    raw.close()
    got = b"".join(r["got"] for r in raw.conns)
    check(len(raw.conns) >= 1 and all(r["handshake"] for r in raw.conns) and
          got == b"",
          f"C: the raw fake dealer received {len(got)} application bytes "
          f"from the server over {len(raw.conns)} connection(s) "
          f"({'; '.join(r['end'] for r in raw.conns)})")
    logits_ok(client("c-after", sp, [30, 31], dp),
              "C: the server and the dealer serve a good client afterwards")

    # ---- D: slow drip and oversized frames ----------------------------------
    pdealer = start("plain-dealer", ["dealer", "--listen", "127.0.0.1:0",
                                     "--insecure", "--timeout-ms", SERVICE_MS])
    pdp = pdealer.listening_port()
    plain = start("plain-server", ["server", "--listen", "127.0.0.1:0",
                                   "--dealer", f"127.0.0.1:{pdp}",
                                   "--insecure", "--timeout-ms", SHORT_MS])
    pp = plain.listening_port()
    short = start("short-server", ["server", "--listen", "127.0.0.1:0",
                                   "--dealer", f"127.0.0.1:{dp}",
                                   "--timeout-ms", SHORT_MS] + tls("server"))
    shp = short.listening_port()
    for port, srv, data, what in (
            (pp, plain, frame(0, hello_as(template, 1)),
             "a hello frame over plain TCP"),
            (shp, short, tls_client_hello(), "a TLS ClientHello")):
        t, _ = drip(port, data)
        log = wait_for(lambda: re.search(r"error: .*timed out.*", srv.err()),
                       3)
        check(t is not None and t < 6 and log is not None,
              f"D: a peer dripping {what} (1 byte / 0.5 s) is cut off after "
              + (f"{t:.1f} s" if t is not None else "more than 8 s") +
              f" (--timeout-ms {SHORT_MS}): " +
              (log.group(0) if log else one_line(srv.err())))
        alive(srv, "D")

    before = plain.hwm_kb()
    n0 = len(plain.err().splitlines())
    got, how = raw_peer(pp, None, struct.pack("<IIQ", MAGIC, 0, HUGE), 4.0)
    log = wait_for(lambda: [l for l in plain.err().splitlines()[n0:]
                            if "error:" in l], 3)
    hwm = plain.hwm_kb()
    # The server's own hello (sent as it reads the client's) may arrive;
    # nothing after it.
    check(how.startswith("closed") and bool(log) and
          (got == b"" or got == frame(0, template)) and hwm < RSS_LIMIT_KB,
          f"D: a first frame announcing {HUGE} bytes is refused ({how}, "
          f"{len(got)} bytes received: the server's hello at most; "
          f"{one_line(chr(10).join(log or []))}); server peak RSS "
          f"{hwm // 1024} MB (before {before // 1024} MB)")
    alive(plain, "D")

    # A fake dealer with the real dealer certificate announcing a huge bundle.
    big = FakeDealer(f"{certs}/dealer.crt", f"{certs}/dealer.key",
                     f"{certs}/ca.crt", template, oversize=True)
    bsrv = start("srv-bigbundle", ["server", "--listen", "127.0.0.1:0",
                                   "--dealer", f"127.0.0.1:{big.port}",
                                   "--timeout-ms", "5000"] + tls("server"))
    bp = bsrv.listening_port()
    c = client("d-bigbundle", bp, [0], big.port, timeout_ms="5000")
    rc = c.wait(30)
    log = wait_for(lambda: re.search(r"error: .*", bsrv.err()), 5)
    log = log.group(0) if log else one_line(bsrv.err())
    shwm = bsrv.hwm_kb()
    check(rc not in (0, 124) and "exceeds the limit" in c.err() and
          "exceeds the limit" in log and c.maxrss_kb < RSS_LIMIT_KB and
          shwm < RSS_LIMIT_KB,
          f"D: a {HUGE}-byte bundle from a fake dealer (dealer certificate) "
          f"is refused by the client (exit {rc}, {one_line(c.err())}, peak "
          f"RSS {c.maxrss_kb // 1024} MB) and the server ({log}, peak RSS "
          f"{shwm // 1024} MB)")
    alive(bsrv, "D")
    bsrv.signal(signal.SIGTERM)
    bsrv.wait(20)
    big.close()

    logits_ok(client("d-after-plain", pp, [1, 2], pdp, sec=["--insecure"]),
              "D: the plain-TCP server serves a good client afterwards")
    logits_ok(client("d-after-tls", shp, [3, 4], dp),
              "D: the TLS server serves a good client afterwards")
    for s in (plain, short, pdealer):
        s.signal(signal.SIGTERM)
        s.wait(20)

    # ---- G: idle sockets hold no session slot; threads are reaped -----------
    gsrv = start("g-server", ["server", "--listen", "127.0.0.1:0", "--dealer",
                              f"127.0.0.1:{dp}", "--max-sessions", "1",
                              "--timeout-ms", "8000"] + tls("server"))
    gp = gsrv.listening_port()
    idle = [socket.create_connection(("127.0.0.1", gp)) for _ in range(8)]
    t0 = time.monotonic()
    c = client("g-client", gp, [5, 6], dp)
    logits_ok(c, "G: a client beside 8 idle unauthenticated sockets "
                 "(--max-sessions 1)")
    dt = time.monotonic() - t0
    check(dt < 6, f"G: ... is served in {dt:.1f} s, before the idle sockets' "
                  f"8 s handshake deadline")
    for sck in idle:
        sck.close()
    for _ in range(200):
        socket.create_connection(("127.0.0.1", gp)).close()
    threads = wait_for(lambda: (lambda n: n if n <= 4 else None)(
        int(re.search(r"Threads:\s+(\d+)", open(
            f"/proc/{gsrv.pid}/status").read()).group(1))), 20)
    check(threads is not None, f"G: after 200 connect/close the server's "
                               f"threads are reaped ({threads} threads)")
    gsrv.signal(signal.SIGTERM)
    gsrv.wait(20)

    # ---- E: SIGTERM with a session running ----------------------------------
    c = client("e-client", sp, list(range(8)), dp)
    in_session = wait_for(lambda: connections(c.pid, dp), 20)
    time.sleep(0.3)
    was_running = c.alive()
    server.signal(signal.SIGTERM)
    t_term = time.monotonic()
    check(bool(in_session) and was_running,
          "E: SIGTERM sent to the server with a client mid-session")
    logits_ok(c, "E: the running session completes after SIGTERM")
    src = server.wait(20)
    t_exit = time.monotonic() - t_term
    check(src == 0, f"E: the server exits 0 after SIGTERM (exit {src} after "
                    f"{t_exit:.1f} s; stderr tail: "
                    f"{tail(server.err())})")
    try:
        socket.create_connection(("127.0.0.1", sp), timeout=2).close()
        listening = True
    except OSError:
        listening = False
    check(src not in (None, 124) and not listening,
          "E: the server no longer accepts connections")
    dealer.signal(signal.SIGTERM)
    drc = dealer.wait(20)
    check(drc == 0, f"E: the dealer exits 0 after SIGTERM (exit {drc}; stderr "
                    f"tail: "
                    f"{tail(dealer.err())})")

    # ---- F: offline material ------------------------------------------------
    off = os.path.join(tmp, "offline")
    mk = start("dealer-out", ["dealer", "--out", off, "--count", "3"])
    rc = mk.wait()
    bundles = sorted(os.listdir(os.path.join(off, "client"))) if rc == 0 \
        else []
    check(rc == 0 and bundles.count("material.bin") == 1 and len(bundles) == 4,
          f"F: dealer --out writes 3 bundles per party (exit {rc}: "
          f"{bundles})")
    osrv = start("offline-server", ["server", "--listen", "127.0.0.1:0",
                                    "--offline", f"{off}/server",
                                    "--timeout-ms", SERVICE_MS] +
                 tls("server"))
    op = osrv.listening_port()
    logits_ok(client("f1", op, [5, 6], offline=f"{off}/client"),
              "F: offline client and server, no dealer, 2 images")
    c = client("f2", op, [7, 8], offline=f"{off}/client")
    rc = c.wait()
    check(rc not in (0, 124) and "every offline bundle has been used"
          in c.err() and os.path.exists(f"{off}/server/bundle-000002.used"),
          f"F: a second client for 2 images with 1 bundle left fails (exit "
          f"{rc}: {one_line(c.err())})")
    os.rename(f"{off}/client/bundle-000000.used",
              f"{off}/client/bundle-000000.bin")
    n0 = len(osrv.err().splitlines())
    c = client("f3", op, [9], offline=f"{off}/client")
    rc = c.wait()
    log = wait_for(lambda: [l for l in osrv.err().splitlines()[n0:]
                            if "error:" in l], 5)
    log = "\n".join(log or [])
    check(rc not in (0, 124) and "already used" in log,
          f"F: a replayed bundle is refused by the server ({one_line(log)}); "
          f"the client fails (exit {rc}: {one_line(c.err())})")
    alive(osrv, "F")
    osrv.signal(signal.SIGTERM)
    osrv.wait(20)

    print(f"service: done in {time.monotonic() - t_start:.1f} s", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        code = main()
    except Exception as e:  # a harness error is a failure too
        import traceback
        traceback.print_exc()
        print(f"FAILED: the test stopped: {e!r}", flush=True)
        code = 1
    finally:
        kill_all()
    sys.exit(code)
