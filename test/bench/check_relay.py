#!/usr/bin/python3
"""Checks mpcvit-netem-relay's delay and rate (test/bench/netem-relay.test).

    check_relay.py PING_PY

Starts an echo server, the relay in front of it (RTT 20 ms, 100 Mbit/s),
pings across it with PING_PY, then sends 2 MB through the relay and times
the echo. Prints one line per check; exits 1 on a failed bound.
"""
import json
import socket
import subprocess
import sys
import threading
import time

RTT, MBIT, N = 0.020, 100, 2_000_000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def relay(listen, upstream):
    return subprocess.Popen(["mpcvit-netem-relay", "--listen", f"127.0.0.1:{listen}",
                             "--connect", f"127.0.0.1:{upstream}", "--rtt-ms", str(RTT * 1e3),
                             "--rate-mbit", str(MBIT), "--idle-timeout-s", "30"])


def main():
    ping_py = sys.argv[1]
    ok = True
    # 1. ping: nothing returns before the RTT.
    ep, rp = free_port(), free_port()
    echo = subprocess.Popen([sys.executable, ping_py, "echo", "--listen", f"127.0.0.1:{ep}",
                             "--count", "20"])
    r = relay(rp, ep)
    out = subprocess.run([sys.executable, ping_py, "ping", "--connect", f"127.0.0.1:{rp}",
                          "--count", "20"], capture_output=True, text=True, timeout=60)
    echo.wait(30)
    r.wait(30)
    rtt = json.loads(out.stdout)["rtt_s_p10"]
    good = RTT <= rtt < RTT + 0.080
    ok &= good
    print(f"ping: rtt >= {RTT:.3f} s: {'ok' if good else 'FAILED'} (p10 {rtt:.4f} s)")

    # 2. transfer: 2 MB one way at 100 Mbit/s takes at least 0.16 s.
    up = free_port()
    srv = socket.create_server(("127.0.0.1", up))
    got = bytearray()

    def serve():
        c, _ = srv.accept()
        with c:
            while len(got) < N:
                b = c.recv(1 << 16)
                if not b:
                    break
                got.extend(b)
            c.sendall(b"k")

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    lp = free_port()
    r = relay(lp, up)
    deadline = time.monotonic() + 10
    while True:
        try:
            s = socket.create_connection(("127.0.0.1", lp), timeout=30)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    payload = bytes(range(256)) * (N // 256) + bytes(N % 256)
    t0 = time.monotonic()
    s.sendall(payload)
    ack = s.recv(1)
    dt = time.monotonic() - t0 - RTT  # minus the ack's way back (RTT/2) and
    # the first byte's way out (RTT/2)
    s.close()
    r.wait(30)
    floor = N * 8 / (MBIT * 1e6)
    good = ack == b"k" and floor <= dt < floor + 2.0
    ok &= good
    print(f"transfer: {N} bytes >= {floor:.3f} s: {'ok' if good else 'FAILED'} ({dt:.4f} s)")
    intact = bytes(got) == payload
    ok &= intact
    print(f"echo: {N} bytes {'intact' if intact else 'CORRUPTED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
