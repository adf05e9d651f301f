#!/usr/bin/python3
"""The three roles of a compiled program on three hosts, over mutual TLS.

  twohosts.py PROG IMAGES.npy LOCAL_OUT.npy CERTDIR TMPDIR
  twohosts.py --selftest-net

roles.py runs the roles on 127.0.0.1; this test puts each role on its own
host (a Linux network namespace with its own address, routing and ports),
so that nothing works by accident of sharing one loopback: the addresses a
role listens on and connects to must be the real ones, and every connection
crosses a network device. The hosts are joined by a fourth "switch"
namespace holding a Linux bridge, one veth pair per host:

  server 10.78.0.1 --+
  client 10.78.0.2 --+-- br0 (switch namespace)
  dealer 10.78.0.3 --+

Each role authenticates with its own certificate from CERTDIR (made by
scripts/make-certs.sh: CERTDIR/ca.crt and CERTDIR/<role>.{crt,key}).

Checks (one line each, "ok: ..." or "FAILED: ..."):

1. the three hosts reach each other over TCP (client -> server, client ->
   dealer, server -> dealer), so that a later failure is the program's;
2. dealer (10.78.0.3:7300), server (10.78.0.1:7301) and client, each in its
   namespace with its own certificate, exit 0; the client's JSON line has
   top1; its logits equal LOCAL_OUT.npy (`PROG local`) within 1e-2 (max abs
   diff) and every top-1 agrees (logits and JSON);
3. a client presenting the *server's* certificate (a valid certificate of
   the CA, but for the wrong role) is refused: it exits non-zero and its
   stderr mentions "certificate", and the refusing side (server or dealer)
   logs it;
4. a client with --insecure (plain TCP) against the TLS server and dealer
   fails (non-zero exit).

Prints "twohosts: done" last. When not root, or when the kernel refuses
network namespaces, veth or bridge devices, prints "skipped: REASON" and
exits 0 (lit cannot tell a skip from a pass; the line says which it was).
Exits 1 if any check failed. Every wait is bounded: each process by
TIMEOUT seconds (killed after), each "listening" line by LISTEN_TIMEOUT.
The namespaces, and any process left in them, are removed in a `finally`,
also on failure, timeout, SIGTERM or Ctrl-C.

--selftest-net only builds the network, runs check 1, and tears it down
(no program needed); it exits 1 if the hosts cannot reach each other or a
namespace is left behind.
"""
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

TIMEOUT = 120            # seconds, any role process
LISTEN_TIMEOUT = 60      # seconds, until a role prints its listening line
SHORT_MS = "10000"       # --timeout-ms of the roles in the negative checks
ROLE_MS = "60000"        # --timeout-ms of the roles in the main run

SUBNET = "10.78.0.0/24"
ADDR = {"server": "10.78.0.1", "client": "10.78.0.2", "dealer": "10.78.0.3"}
SHORT = {"server": "s", "client": "c", "dealer": "d"}


class Skip(Exception):
    """The environment cannot run the test (not a failure of the program)."""


def ip(*args, timeout=30):
    """Runs `ip ARGS`; raises RuntimeError with its stderr on failure."""
    try:
        r = subprocess.run(["ip"] + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError("ip %s: timed out after %d s"
                           % (" ".join(args), timeout))
    if r.returncode != 0:
        raise RuntimeError("ip %s: %s" % (" ".join(args),
                                          r.stderr.strip() or
                                          "exit %d" % r.returncode))
    return r.stdout


class Net:
    """Four namespaces (switch + three hosts), created by open() and deleted
    by close() (idempotent), together with any process still running in them (all
    of which this script started: the namespaces are its own)."""

    def __init__(self):
        tag = "mpcvit-tt-%d" % os.getpid()
        self.switch = tag + "-sw"
        self.ns = {role: "%s-%s" % (tag, SHORT[role]) for role in ADDR}
        self.created = []

    def open(self):
        """Builds the network; on any error deletes what it made and raises
        (Skip when the kernel refuses namespaces, bridges or veth pairs)."""
        try:
            self._build()
        except BaseException:
            self.close()
            raise

    def _add(self, name):
        ip("netns", "add", name)
        self.created.append(name)
        ip("-n", name, "link", "set", "lo", "up")

    def _build(self):
        # The first namespace decides whether netns works here at all.
        try:
            self._add(self.switch)
        except RuntimeError as e:
            raise Skip("ip netns is unusable here (%s)" % e)
        try:
            ip("-n", self.switch, "link", "add", "br0", "type", "bridge")
            ip("-n", self.switch, "link", "set", "br0", "up")
        except RuntimeError as e:
            raise Skip("no Linux bridge in a namespace (%s)" % e)
        for role, addr in ADDR.items():
            ns = self.ns[role]
            self._add(ns)
            port = "p" + SHORT[role]  # the switch's end of the veth pair
            try:
                ip("-n", self.switch, "link", "add", port, "type", "veth",
                   "peer", "name", "eth0", "netns", ns)
            except RuntimeError as e:
                raise Skip("no veth pairs between namespaces (%s)" % e)
            ip("-n", self.switch, "link", "set", port, "master", "br0")
            ip("-n", self.switch, "link", "set", port, "up")
            ip("-n", ns, "addr", "add", addr + "/24", "dev", "eth0")
            ip("-n", ns, "link", "set", "eth0", "up")

    def close(self):
        """Kills what runs in the namespaces, then deletes them. Idempotent;
        raises RuntimeError if a namespace could not be deleted."""
        errors = []
        for name in reversed(self.created):
            try:
                pids = ip("netns", "pids", name).split()
            except RuntimeError:
                pids = []
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            try:
                ip("netns", "del", name)
            except RuntimeError as e:
                errors.append(str(e))
        self.created = []
        if errors:
            raise RuntimeError("; ".join(errors))

    def leftovers(self):
        """Names of this run's namespaces that `ip netns list` still shows."""
        ours = set(self.ns.values()) | {self.switch}
        listed = ip("netns", "list").split("\n")
        return sorted(line.split()[0] for line in listed
                      if line.split() and line.split()[0] in ours)

    def exec_args(self, role, args):
        return ["ip", "netns", "exec", self.ns[role]] + list(args)


class Proc:
    """A process in a namespace whose stdout and stderr are read by threads
    (so that a wait for one line can be bounded, and no pipe fills up)."""

    def __init__(self, name, args):
        self.name = name
        self.args = args
        self.started = time.monotonic()
        self.p = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True,
                                  errors="replace", start_new_session=True)
        self.out, self.err = [], []
        self.err_lines = queue.Queue()
        self.threads = [
            threading.Thread(target=self._read, args=(self.p.stdout,
                                                      self.out, None),
                             daemon=True),
            threading.Thread(target=self._read, args=(self.p.stderr,
                                                      self.err,
                                                      self.err_lines),
                             daemon=True)]
        for t in self.threads:
            t.start()

    @staticmethod
    def _read(stream, lines, q):
        for line in stream:
            lines.append(line)
            if q is not None:
                q.put(line)
        if q is not None:
            q.put(None)  # end of stream

    def wait_line(self, pattern, timeout):
        """The first match of `pattern` in a stderr line, within `timeout`
        seconds; None if the stream ended or the time ran out."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                line = self.err_lines.get(timeout=left)
            except queue.Empty:
                return None
            if line is None:
                return None
            m = re.search(pattern, line)
            if m:
                return m

    def kill(self):
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def finish(self, timeout=None):
        """Waits for the exit (at most TIMEOUT s from the start, then kills
        it: exit code 124); returns (code, stdout, stderr)."""
        if timeout is None:
            timeout = max(0.0, TIMEOUT - (time.monotonic() - self.started))
        try:
            code = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            self.p.wait()
            code = 124
        for t in self.threads:
            t.join(timeout=10)
        return code, "".join(self.out), "".join(self.err)

    def stop(self):
        """Kills it (if still running) and returns (code, stdout, stderr)."""
        self.kill()
        return self.finish(timeout=10)


def check_network(net, check):
    """Check 1: TCP from client to server and dealer, from server to dealer.
    A small Python listener in each target namespace accepts the probes."""
    probes = [("client", "server"), ("client", "dealer"), ("server", "dealer")]
    port = 7399
    listener = (
        "import socket, sys\n"
        "s = socket.socket()\n"
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        "s.bind((sys.argv[1], int(sys.argv[2])))\n"
        "s.listen(8)\n"
        "s.settimeout(30)\n"
        "print('listening', flush=True, file=sys.stderr)\n"
        "for _ in range(int(sys.argv[3])):\n"
        "    c, a = s.accept()\n"
        "    c.sendall(sys.argv[1].encode())\n"
        "    c.close()\n")
    connector = (
        "import socket, sys, time\n"
        "deadline = time.monotonic() + 10\n"
        "while True:\n"
        "    try:\n"
        "        c = socket.create_connection((sys.argv[1], int(sys.argv[2])),"
        " timeout=5)\n"
        "        break\n"
        "    except OSError:\n"
        "        if time.monotonic() > deadline:\n"
        "            raise\n"
        "        time.sleep(0.2)\n"
        "c.settimeout(5)\n"
        "got = b''\n"
        "while True:\n"
        "    b = c.recv(64)\n"
        "    if not b:\n"
        "        break\n"
        "    got += b\n"
        "print(got.decode())\n")
    targets = sorted({t for _, t in probes})
    listeners = {}
    results = []
    try:
        for t in targets:
            n = sum(1 for _, x in probes if x == t)
            listeners[t] = Proc("listener@" + t, net.exec_args(
                t, [sys.executable, "-c", listener, ADDR[t], str(port),
                    str(n)]))
            if not listeners[t].wait_line(r"listening", 15):
                code, _, err = listeners[t].stop()
                results.append("no listener on %s (exit %s): %s"
                               % (t, code, err.strip()))
        for src, dst in probes:
            try:
                r = subprocess.run(
                    net.exec_args(src, [sys.executable, "-c", connector,
                                        ADDR[dst], str(port)]),
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    text=True, timeout=30)
                ok = r.returncode == 0 and r.stdout.strip() == ADDR[dst]
                why = (r.stderr.strip().splitlines() or ["exit %d"
                                                         % r.returncode])[-1]
            except subprocess.TimeoutExpired:
                ok, why = False, "timed out"
            if not ok:
                results.append("%s (%s) -> %s (%s): %s"
                               % (src, ADDR[src], dst, ADDR[dst], why))
    finally:
        for p in listeners.values():
            p.stop()
    check(not results,
          "three hosts on a bridge reach each other over TCP (client -> "
          "server, client -> dealer, server -> dealer)"
          + ("" if not results else ": " + "; ".join(results)))
    return not results


def tls(certdir, name):
    return ["--tls-cert", os.path.join(certdir, name + ".crt"),
            "--tls-key", os.path.join(certdir, name + ".key"),
            "--tls-ca", os.path.join(certdir, "ca.crt")]


def start_listening(net, role, prog, args, addr, port, check, log):
    """Starts a dealer or server and waits for its listening line. Returns
    the Proc, or None (after a FAILED line) when it never listened."""
    p = Proc(role, net.exec_args(role, [prog, role] + args))
    m = p.wait_line(r"listening on (\S+):(\d+)", LISTEN_TIMEOUT)
    if m and m.group(1) == addr and int(m.group(2)) == port:
        return p
    code, out, err = p.stop()
    log(role, err)
    check(False, "%s prints 'listening on %s:%d' within %d s (%s): %s"
          % (role, addr, port, LISTEN_TIMEOUT,
             "still running, killed" if code == -signal.SIGKILL
             else exit_text(code), tail(err)))
    return None


def first_line(procs, pattern, timeout):
    """The first stderr match of `pattern` in any of `procs` within
    `timeout` seconds (polled in turn), or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in procs:
            m = p.wait_line(pattern, 0.05)
            if m:
                return m
    return None


def exit_text(code):
    """An exit status for a message: "exit N", or how it was killed."""
    if code == 124:
        return "killed after %d s" % TIMEOUT
    if code < 0:
        return "killed by signal %d" % -code
    return "exit %d" % code


def tail(text, lines=3):
    """The last lines of a process' output, on one line."""
    return " | ".join(text.strip().splitlines()[-lines:]) or "(no output)"


def top1_list(v):
    return [int(x) for x in v] if isinstance(v, list) else [int(v)]


def run_roles(net, prog, images, local_out, certdir, tmp, check):
    import numpy as np

    def log(name, text):
        with open(os.path.join(tmp, "twohosts.%s.log" % name), "w") as f:
            f.write(text)

    # 2. The three roles, each on its host with its certificate.
    out = os.path.join(tmp, "twohosts.npy")
    if os.path.exists(out):
        os.remove(out)
    common = ["--timeout-ms", ROLE_MS]
    d_at, s_at = (ADDR["dealer"], 7300), (ADDR["server"], 7301)
    dealer = start_listening(
        net, "dealer", prog, ["--listen", "%s:%d" % d_at, "--sessions", "1"]
        + tls(certdir, "dealer") + common, *d_at, check, log)
    if not dealer:
        return
    server = start_listening(
        net, "server", prog, ["--listen", "%s:%d" % s_at,
                              "--dealer", "%s:%d" % d_at, "--sessions", "1"]
        + tls(certdir, "server") + common, *s_at, check, log)
    if not server:
        dealer.stop()
        return
    client = Proc("client", net.exec_args("client", [
        prog, "client", "--connect", "%s:%d" % s_at,
        "--dealer", "%s:%d" % d_at, "--input", images, "--output", out,
        "--json"] + tls(certdir, "client") + common))
    rc = {}
    for p in (client, server, dealer):
        rc[p.name] = p.finish()
        log(p.name, rc[p.name][2])
    codes = {k: v[0] for k, v in rc.items()}
    ok = all(c == 0 for c in codes.values())
    check(ok, "dealer, server and client on three hosts over TLS exit 0 "
          "(got %s)" % ", ".join("%s %s" % (k, exit_text(c))
                                 for k, c in sorted(codes.items())))
    if not ok:
        for name, (code, _, err) in sorted(rc.items()):
            if code != 0:
                print("  %s: %s" % (name, tail(err, 5)))
    else:
        ref = np.load(local_out)
        try:
            run = json.loads(rc["client"][1].strip().splitlines()[-1])
            top1 = top1_list(run["top1"])
        except (ValueError, IndexError, KeyError, TypeError) as e:
            check(False, "client JSON line with top1: %s (%r)"
                  % (e, tail(rc["client"][1], 1)))
            top1 = None
        if top1 is not None:
            check(top1 == [int(x) for x in ref.argmax(-1)],
                  "client JSON top1 %s agrees with `local`" % top1)
        got = np.load(out) if os.path.exists(out) else None
        if got is None or got.shape != ref.shape:
            check(False, "client logits %s: shape %s, `local` %s"
                  % (out, None if got is None else got.shape, ref.shape))
        else:
            err = float(np.abs(got.astype(np.float64) - ref).max())
            agree = int((got.argmax(-1) == ref.argmax(-1)).sum())
            check(err < 1e-2 and agree == ref.shape[0],
                  "three-host logits match `local` (max abs diff %.5f, "
                  "top-1 agree %d/%d)" % (err, agree, ref.shape[0]))

    # 3. A client with a valid certificate of the CA, but the server's.
    short = ["--timeout-ms", SHORT_MS]

    def tls_services(d_at, s_at):
        """A TLS dealer and server (one session each) on fresh ports;
        (dealer, server), each None when it did not start."""
        dealer = start_listening(
            net, "dealer", prog, ["--listen", "%s:%d" % d_at,
                                  "--sessions", "1"]
            + tls(certdir, "dealer") + short, *d_at, check, log)
        server = dealer and start_listening(
            net, "server", prog, ["--listen", "%s:%d" % s_at,
                                  "--dealer", "%s:%d" % d_at, "--sessions", "1"]
            + tls(certdir, "server") + short, *s_at, check, log)
        return dealer, server

    d_at, s_at = (ADDR["dealer"], 7310), (ADDR["server"], 7311)
    dealer, server = tls_services(d_at, s_at)
    if server:
        client = Proc("client", net.exec_args("client", [
            prog, "client", "--connect", "%s:%d" % s_at,
            "--dealer", "%s:%d" % d_at, "--input", images, "--output",
            os.path.join(tmp, "twohosts.wrongcert.npy")]
            + tls(certdir, "server") + short))
        code, _, err = client.finish()
        log("wrongcert.client", err)
        check(code not in (0, 124) and "certificate" in err,
              "client with the server's certificate is refused (%s): %s"
              % (exit_text(code), tail(err, 2)))
        # The refusing side logs it: whichever of server and dealer the
        # client reached (both keep waiting for a proper client: killed).
        refused = first_line([server, dealer], r"certificate", 5)
        (_, _, serr), (_, _, derr) = server.stop(), dealer.stop()
        log("wrongcert.server", serr)
        log("wrongcert.dealer", derr)
        check(bool(refused),
              "the server or dealer logs the refusal: %s"
              % (refused.string.strip() if refused else
                 "server: %s; dealer: %s" % (tail(serr, 2), tail(derr, 2))))
    elif dealer:
        dealer.stop()

    # 4. A plain-TCP client against the TLS server and dealer.
    d_at, s_at = (ADDR["dealer"], 7320), (ADDR["server"], 7321)
    dealer, server = tls_services(d_at, s_at)
    if server:
        client = Proc("client", net.exec_args("client", [
            prog, "client", "--connect", "%s:%d" % s_at,
            "--dealer", "%s:%d" % d_at, "--input", images, "--output",
            os.path.join(tmp, "twohosts.insecure.npy"), "--insecure"]
            + short))
        code, _, err = client.finish()
        log("insecure.client", err)
        server.stop()
        dealer.stop()
        check(code not in (0, 124),
              "--insecure client against the TLS server fails (%s): %s"
              % (exit_text(code), tail(err, 2)))
    elif dealer:
        dealer.stop()


def skip_reason():
    """Why this host cannot run the test, or None."""
    if not sys.platform.startswith("linux"):
        return "needs Linux network namespaces"
    if os.geteuid() != 0:
        return "needs root for ip netns (run as root to test three hosts)"
    if not shutil.which("ip"):
        return "needs the ip command (iproute2)"
    return None


def main(argv):
    selftest = argv[1:] == ["--selftest-net"]
    if not selftest and (len(argv) != 6 or argv[1].startswith("-")):
        print("\n\n".join(__doc__.split("\n\n")[:2]), file=sys.stderr)
        return 2
    failures = []

    def check(cond, what):
        print(("ok: " if cond else "FAILED: ") + what, flush=True)
        if not cond:
            failures.append(what)
        return cond

    reason = skip_reason()
    if not reason and not selftest:
        prog, images, local_out, certdir, tmp = argv[1:6]
        missing = [f for f in (prog, images, local_out,
                               os.path.join(certdir, "ca.crt"))
                   if not os.path.exists(f)]
        if missing:
            print("twohosts.py: missing: " + ", ".join(missing),
                  file=sys.stderr)
            return 2
        os.makedirs(tmp, exist_ok=True)
        prog = os.path.abspath(prog)

    # SIGTERM (e.g. a test runner's timeout) unwinds like Ctrl-C, so that
    # the namespaces are deleted.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    net = None
    if not reason:
        try:
            net = Net()
            net.open()
        except Skip as e:
            reason = str(e)
    if reason:
        print("skipped: " + reason)
        print("twohosts: done")
        return 0
    try:
        if check_network(net, check) and not selftest:
            run_roles(net, prog, images, local_out, certdir, tmp, check)
    finally:
        net.close()
    left = net.leftovers()
    check(not left, "no namespace left behind" +
          (": " + ", ".join(left) if left else ""))
    print("twohosts: done")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
