#!/usr/bin/python3
"""The roles of a compiled program as separate processes (issue 6).

  roles.py PROG OTHER IMAGES.npy LOCAL_OUT.npy CERTDIR TMPDIR

PROG and OTHER are two executables of different programs (each with its
PROG.weights beside it); CERTDIR holds the test certificates of
scripts/make-certs.sh (ca.crt, {dealer,server,client}.{crt,key}). On
127.0.0.1 with ephemeral ports; the dealer starts first, the server connects
to it (--dealer), the client connects to both:

1. dealer, server and client of PROG as three processes over mutual TLS
   (each with its role certificate; dealer and server with --sessions 1):
   all three exit 0; the client's logits must equal those of `PROG local`
   (LOCAL_OUT.npy) within 1e-2 and agree on every top-1; the JSON line must
   carry the issue's keys.
2. PROG's server started with OTHER's weights file is refused.
3. OTHER's client against PROG's dealer and server is refused in its
   handshake with the server (program hash mismatch); the server logs the
   refusal on stderr and keeps serving: the refused handshake is not a
   session, and a client of PROG is then served (the server and the dealer,
   with --sessions 1, exit 0 after it).
4. Each networked role (dealer, server, client) started with neither TLS
   files nor --insecure refuses to start (exit 2).
5. With --insecure on all three roles (plain TCP) one image runs and agrees
   with `local`.

Prints one line per check ("ok: ..." or "FAILED: ..."); exits 1 on any
failure. Every process is bounded by a timeout.
"""
import json
import os
import re
import select
import subprocess
import sys
import time

import numpy as np

TIMEOUT = 120         # seconds, any role process
LISTEN_TIMEOUT = 60   # seconds, until a service prints its listening line


def start(args):
    return subprocess.Popen(args, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def listening_port(proc, lines):
    """Reads the stderr of a dealer or server up to its 'listening on H:P'
    line (within LISTEN_TIMEOUT; the lines read are appended to `lines`).
    Returns the port, or None (the process is then killed)."""
    # Byte by byte from the descriptor: nothing after the line is buffered
    # here, so communicate() later gets all the rest.
    fd = proc.stderr.fileno()
    deadline = time.monotonic() + LISTEN_TIMEOUT
    line = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [],
                                    max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        c = os.read(fd, 1)
        if not c:
            break
        line += c
        if c != b"\n":
            continue
        text, line = line.decode(errors="replace"), b""
        lines.append(text)
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", text)
        if m:
            return int(m.group(1))
    if line:
        lines.append(line.decode(errors="replace"))
    proc.kill()
    return None


def finish(proc, timeout=TIMEOUT):
    """Waits for `proc` (killed after `timeout` s: code 124). Returns
    (code, stdout, stderr)."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return 124, out, err
    return proc.returncode, out, err


def terminate(proc):
    """SIGTERM (the services finish and exit), then SIGKILL after 10 s."""
    if proc.poll() is None:
        proc.terminate()
    try:
        out, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return 124, out, err
    return proc.returncode, out, err


def services_after(client, server, dealer):
    """Waits for the client, then for the server and the dealer (with
    --sessions 1 they exit after its session). A client that failed before
    its session began leaves them waiting: they are then terminated (and
    reported as 124 when they were still running). Returns [(code, stdout,
    stderr)] of client, server, dealer."""
    rc = [finish(client)]
    for p in (server, dealer):
        if rc[0][0] == 0:
            rc.append(finish(p, 30))
        else:
            running = p.poll() is None
            code, out, err = terminate(p)
            rc.append((124 if running else code, out, err))
    return rc


def one_line(text):
    return " | ".join(text.strip().splitlines()) or "(no output)"


def main():
    if len(sys.argv) != 7:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    prog, other, images, local_out, certdir, tmp = sys.argv[1:7]
    failures = 0

    def check(cond, what):
        nonlocal failures
        print(("ok: " if cond else "FAILED: ") + what, flush=True)
        failures += 0 if cond else 1

    def tls(role):
        return ["--tls-cert", os.path.join(certdir, role + ".crt"),
                "--tls-key", os.path.join(certdir, role + ".key"),
                "--tls-ca", os.path.join(certdir, "ca.crt")]

    def services(binary, common, dealer_sec, server_sec, server_extra=()):
        """Starts a dealer and a server of `binary` (each with --sessions 1)
        and reads their ports. Returns (dealer, server, dealer_port,
        server_port, stderr lines read); server is None (and a FAILED line
        printed) when either never listened."""
        lines = []
        dealer = start([binary, "dealer", "--listen", "127.0.0.1:0",
                        "--sessions", "1"] + dealer_sec + common)
        dp = listening_port(dealer, lines)
        if dp is None:
            _, _, err = finish(dealer)
            check(False, "dealer prints its listening line: "
                  + one_line("".join(lines) + err))
            return dealer, None, None, None, lines
        server = start([binary, "server", "--listen", "127.0.0.1:0",
                        "--dealer", f"127.0.0.1:{dp}", "--sessions", "1"]
                       + list(server_extra) + server_sec + common)
        sp = listening_port(server, lines)
        if sp is None:
            _, _, err = finish(server)
            terminate(dealer)
            check(False, "server prints its listening line: "
                  + one_line("".join(lines) + err))
            return dealer, None, dp, None, lines
        return dealer, server, dp, sp, lines

    os.makedirs(tmp, exist_ok=True)
    out = os.path.join(tmp, "client.out.npy")
    ref = np.load(local_out)
    count = int(np.load(images).shape[0])
    common = ["--timeout-ms", "20000"]

    # 1. Three processes over mutual TLS.
    dealer, server, dp, sp, _ = services(prog, common, tls("dealer"),
                                         tls("server"))
    if server:
        client = start([prog, "client", "--connect", f"127.0.0.1:{sp}",
                        "--dealer", f"127.0.0.1:{dp}", "--input", images,
                        "--output", out, "--json"] + tls("client") + common)
        rc = services_after(client, server, dealer)
        check(all(r[0] == 0 for r in rc),
              "dealer, server and client exit 0 (got client %s, server %s, "
              "dealer %s)" % tuple(r[0] for r in rc))
        if rc[0][0] == 0:
            run = json.loads(rc[0][1].strip().splitlines()[-1])
            keys = ["top1", "count", "online_s", "offline_s",
                    "online_bytes_sent_per_party",
                    "online_bytes_sent_per_party_max", "online_rounds",
                    "offline_bytes"]
            check(all(k in run for k in keys),
                  "client JSON has " + ", ".join(keys))
            got = np.load(out)
            err = float(np.abs(got - ref).max())
            check(err < 1e-2 and (got.argmax(-1) == ref.argmax(-1)).all()
                  and run["count"] == count,
                  f"three-process logits match `local` over mutual TLS (max "
                  f"err {err:.5f}, {count} inferences, "
                  f"{run['online_rounds']} rounds, bytes per party "
                  f"{run['online_bytes_sent_per_party']})")
        else:
            for name, r in zip(("client", "server", "dealer"), rc):
                print(f"  {name}: {one_line(r[2])}")

    # 2. Another model's weights.
    srv = start([prog, "server", "--weights", other + ".weights",
                 "--listen", "127.0.0.1:0", "--dealer", "127.0.0.1:1"]
                + tls("server") + common)
    code, _, err = finish(srv)
    check(code == 1 and "belongs to program" in err,
          "server refuses another model's weights: " + one_line(err))

    # 3. A client of another program: refused by the server's handshake;
    # the server logs it and keeps serving (a client of PROG afterwards).
    short = ["--timeout-ms", "5000"]
    dealer, server, dp, sp, lines = services(prog, short, tls("dealer"),
                                             tls("server"))
    if server:
        client = start([other, "client", "--connect", f"127.0.0.1:{sp}",
                        "--dealer", f"127.0.0.1:{dp}", "--input", images]
                       + tls("client") + short)
        cc, _, ce = finish(client)
        check(cc == 1 and "program hash mismatch" in ce,
              "client of another program refused: " + one_line(ce))
        good = start([prog, "client", "--connect", f"127.0.0.1:{sp}",
                      "--dealer", f"127.0.0.1:{dp}", "--input", images,
                      "--output", os.path.join(tmp, "after.npy")]
                     + tls("client") + short)
        # With --sessions 1 both services exit after the good session.
        (gc, _, ge), (sc, _, se), (dc, _, _) = services_after(good, server,
                                                              dealer)
        se = "".join(lines) + se
        mismatch = [l for l in se.splitlines() if "mismatch" in l]
        check("program hash mismatch" in se,
              "the server logs the refusal: "
              + one_line("\n".join(mismatch) if mismatch else se))
        check(gc == 0 and sc == 0 and dc == 0,
              "the server keeps serving: a client of the program is served "
              "next and the services exit 0 after that one session "
              "(client %s, server %s, dealer %s)%s"
              % (gc, sc, dc, "" if gc == 0 else ": " + one_line(ge)))

    # 4. Without TLS material and without --insecure: refused at start.
    for role, args in (("dealer", ["--listen", "127.0.0.1:0"]),
                       ("server", ["--listen", "127.0.0.1:0",
                                   "--dealer", "127.0.0.1:1"]),
                       ("client", ["--connect", "127.0.0.1:1",
                                   "--dealer", "127.0.0.1:1",
                                   "--input", images])):
        code, _, err = finish(start([prog, role] + args + common), 30)
        first = err.strip().splitlines()[0] if err.strip() else "(no output)"
        check(code == 2 and "refuses to start without TLS" in err,
              f"{role} without TLS files or --insecure refuses to start "
              f"(exit {code}): {first}")

    # 5. Plain TCP with --insecure, one image.
    one = os.path.join(tmp, "one.npy")
    np.save(one, np.load(images)[:1])
    out1 = os.path.join(tmp, "insecure.out.npy")
    dealer, server, dp, sp, lines = services(prog, common, ["--insecure"],
                                             ["--insecure"])
    if server:
        client = start([prog, "client", "--connect", f"127.0.0.1:{sp}",
                        "--dealer", f"127.0.0.1:{dp}", "--input", one,
                        "--output", out1, "--json", "--insecure"] + common)
        rc = services_after(client, server, dealer)
        ok = all(r[0] == 0 for r in rc) and os.path.exists(out1)
        detail = "exit client %s, server %s, dealer %s" % tuple(
            r[0] for r in rc)
        if ok:
            got = np.load(out1).reshape(ref[:1].shape)
            err = float(np.abs(got - ref[:1]).max())
            ok = err < 1e-2 and (got.argmax(-1) == ref[:1].argmax(-1)).all()
            detail += f", max err {err:.5f}"
        else:
            detail += ": " + one_line(rc[0][2])
        check(ok and "INSECURE" in "".join(lines),
              "--insecure (plain TCP) dealer, server and client run one "
              "image like `local` (%s)" % detail)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
