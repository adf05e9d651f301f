#!/usr/bin/python3
"""Swapped or missing addresses name the flag to fix (issue 20, item 4).

  addresses.py PROG CERTDIR X.npy

On 127.0.0.1 with ephemeral ports, a dealer and a server of PROG (mutual
TLS, then plain TCP with --insecure), and clients given the wrong
addresses:
  1. client --connect DEALER (the dealer's address as the server's),
  2. client --dealer SERVER (the server's address as the dealer's),
  3. a second server whose --dealer is the first server's address (its
     log, and the first server's log, say what to change),
  4. the same as 1 over plain TCP (the refusal comes from the hello, not
     from the certificate),
  5. client --connect to a port nobody listens on,
  6. client without --dealer/--offline (usage error).
Prints "ok: ..." or "FAILED: ..." per check; exits 1 on any failure.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from roles import finish, listening_port, start, terminate  # noqa: E402

prog, certs, x = sys.argv[1:4]
failed = False


def check(ok, what, detail=""):
    global failed
    print(("ok: " if ok else "FAILED: ") + what + ("" if ok else f"\n{detail}"))
    failed |= not ok


def tls(role):
    return ["--tls-cert", f"{certs}/{role}.crt", "--tls-key", f"{certs}/{role}.key",
            "--tls-ca", f"{certs}/ca.crt"]


def services(sec):
    """A dealer and a server (both services); returns (procs, ports, logs)."""
    logs = {"dealer": [], "server": []}
    d = start([prog, "dealer", "--listen", "127.0.0.1:0", "--timeout-ms", "3000"]
              + sec("dealer"))
    dp = listening_port(d, logs["dealer"])
    s = start([prog, "server", "--listen", "127.0.0.1:0", "--dealer", f"127.0.0.1:{dp}",
               "--timeout-ms", "3000"] + sec("server"))
    sp = listening_port(s, logs["server"])
    return (d, s), (dp, sp), logs


def client(connect, dealer, sec, extra=()):
    args = [prog, "client", "--connect", connect, "--input", x, "--timeout-ms", "3000"]
    if dealer:
        args += ["--dealer", dealer]
    return finish(start(args + sec("client") + list(extra)), 60)


(d, s), (dp, sp), logs = services(tls)
code, _, err = client(f"127.0.0.1:{dp}", f"127.0.0.1:{dp}", tls)
check(code == 1 and "--connect is not the server's address: give --connect the server's "
      "--listen address (the dealer's goes to --dealer)" in err,
      "client --connect DEALER names --connect (TLS)", err)
code, _, err = client(f"127.0.0.1:{sp}", f"127.0.0.1:{sp}", tls)
check(code == 1 and "--dealer is not the dealer's address: give --dealer the dealer's "
      "--listen address (the server's goes to --connect)" in err,
      "client --dealer SERVER names --dealer (TLS)", err)
lines2 = []
s2 = start([prog, "server", "--listen", "127.0.0.1:0", "--dealer", f"127.0.0.1:{sp}",
            "--timeout-ms", "3000"] + tls("server"))
sp2 = listening_port(s2, lines2)
code, _, err = client(f"127.0.0.1:{sp2}", f"127.0.0.1:{dp}", tls)
_, _, err2 = terminate(s2)
check(code != 0 and "--dealer is not the dealer's address: give --dealer the dealer's "
      "--listen address" in err2, "server --dealer SERVER: that server's log names --dealer",
      err2)
_, _, err1 = terminate(s)
terminate(d)
check("only clients connect to a server: the peer's --dealer names this server's address"
      in err1, "the server a server connected to says so", err1)

(d, s), (dp, sp), logs = services(lambda role: ["--insecure"])
code, _, err = client(f"127.0.0.1:{dp}", f"127.0.0.1:{dp}", lambda role: ["--insecure"])
check(code == 1 and "peer says it is the dealer" in err and
      "--connect is not the server's address" in err,
      "client --connect DEALER names --connect (plain TCP)", err)
terminate(s)
terminate(d)

code, _, err = client("127.0.0.1:1", "127.0.0.1:1", tls)
check(code == 1 and "is the server running, and is --connect the server's --listen "
      "address?" in err, "nothing listening: names --connect", err)
code, _, err = client(f"127.0.0.1:{sp}", None, tls)
check(code == 2 and "client needs exactly one of --dealer H:P and --offline DIR" in err,
      "missing --dealer: usage error naming --dealer", err)
sys.exit(1 if failed else 0)
