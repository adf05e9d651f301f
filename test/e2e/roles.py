#!/usr/bin/python3
"""The roles of a compiled program as separate processes (issue 6).

  roles.py PROG OTHER IMAGES.npy LOCAL_OUT.npy TMPDIR

PROG and OTHER are two executables of different programs (each with its
PROG.weights beside it). On 127.0.0.1 with ephemeral ports:

1. dealer, server and client of PROG as three processes: the client's
   logits must equal those of `PROG local` (LOCAL_OUT.npy) within 1e-2 and
   agree on every top-1; the JSON line must carry the issue's keys.
2. PROG's server started with OTHER's weights file is refused.
3. OTHER's client against PROG's dealer and server is refused on both
   sides of the handshake (program hash mismatch).

Prints one line per check ("ok: ..." or "FAILED: ..."); exits 1 on any
failure. Every process is bounded by a timeout.
"""
import json
import os
import re
import subprocess
import sys

import numpy as np

TIMEOUT = 120


def start(args):
    return subprocess.Popen(args, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def listening_port(proc):
    """Reads the 'listening on H:P' line of a server or client."""
    line = proc.stderr.readline()
    m = re.search(r"listening .*on 127\.0\.0\.1:(\d+)", line)
    if not m:
        proc.kill()
        raise RuntimeError("no listening line, got: " + line)
    return int(m.group(1))


def finish(proc):
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return 124, out, err
    return proc.returncode, out, err


def main():
    prog, other, images, local_out, tmp = sys.argv[1:6]
    failures = 0

    def check(cond, what):
        nonlocal failures
        print(("ok: " if cond else "FAILED: ") + what)
        failures += 0 if cond else 1

    os.makedirs(tmp, exist_ok=True)
    out = os.path.join(tmp, "client.out.npy")
    count = int(np.load(images).shape[0])
    common = ["--timeout-ms", "20000"]

    # 1. Three processes.
    server = start([prog, "server", "--listen", "127.0.0.1:0"] + common)
    sp = listening_port(server)
    client = start([prog, "client", "--connect", f"127.0.0.1:{sp}",
                    "--listen", "127.0.0.1:0", "--input", images,
                    "--output", out, "--json"] + common)
    cp = listening_port(client)
    dealer = start([prog, "dealer", "--server", f"127.0.0.1:{sp}",
                    "--client", f"127.0.0.1:{cp}", "--count", str(count)]
                   + common)
    rc = [finish(p) for p in (dealer, server, client)]
    check(all(r[0] == 0 for r in rc),
          "dealer, server and client exit 0 (got %s)" % [r[0] for r in rc])
    if rc[2][0] == 0:
        run = json.loads(rc[2][1].strip().splitlines()[-1])
        keys = ["top1", "online_s", "offline_s", "online_bytes_sent_per_party",
                "online_bytes_sent_per_party_max", "online_rounds",
                "offline_bytes"]
        check(all(k in run for k in keys), "client JSON has " + ", ".join(keys))
        got, ref = np.load(out), np.load(local_out)
        err = float(np.abs(got - ref).max())
        check(err < 1e-2 and (got.argmax(-1) == ref.argmax(-1)).all(),
              f"three-process logits match `local` (max err {err:.5f}, "
              f"{count} inferences, {run['online_rounds']} rounds, "
              f"bytes per party {run['online_bytes_sent_per_party']})")
    else:
        print(rc[2][2])

    # 2. Another model's weights.
    srv = start([prog, "server", "--weights", other + ".weights",
                 "--listen", "127.0.0.1:0"] + common)
    code, _, err = finish(srv)
    check(code == 1 and "belongs to program" in err,
          "server refuses another model's weights: " + err.strip())

    # 3. A client of another program.
    short = ["--timeout-ms", "3000"]
    server = start([prog, "server", "--listen", "127.0.0.1:0"] + short)
    sp = listening_port(server)
    client = start([other, "client", "--connect", f"127.0.0.1:{sp}",
                    "--listen", "127.0.0.1:0", "--input", images] + short)
    cp = listening_port(client)
    dealer = start([prog, "dealer", "--server", f"127.0.0.1:{sp}",
                    "--client", f"127.0.0.1:{cp}", "--count", str(count)]
                   + short)
    (dc, _, de), (sc, _, se), (cc, _, ce) = [finish(p)
                                             for p in (dealer, server, client)]
    check(cc == 1 and "program hash mismatch" in ce,
          "client of another program refused: " + ce.strip())
    check(dc == 1 and "program hash mismatch" in de,
          "the dealer refuses it too: " + de.strip())
    check(sc == 1, "the server stops with an error: " + se.strip())
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
