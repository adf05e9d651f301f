#!/usr/bin/python3
"""Round-trip time of an emulated link, as `ping` measures a real one.

    ping.py echo --listen HOST:PORT [--count N] [--timeout-s S]
    ping.py ping --connect HOST:PORT [--count N] [--timeout-s S]

`echo` accepts one TCP connection and returns every byte it receives; `ping`
connects (retrying for up to 10 s), sends one byte and waits for it N times
(default 300; TCP_NODELAY on both ends), and prints one JSON line:
{"rtt_s_median": ..., "rtt_s_p10": ..., "rtt_s_p90": ..., "count": N}.
bench/netem.sh predicts with this measured RTT beside the nominal one: like
a real network's ping it includes the emulator's and the hosts' own
per-message latency (wake-ups, TCP stack, the relay's extra hop), which the
nominal profile RTT does not. Errors (bad address, timeout, peer closed)
print a message and exit 1.
"""

import argparse
import json
import socket
import statistics
import sys
import time


def endpoint(text):
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host, int(port)


def echo(addr, count, timeout):
    with socket.create_server(addr) as srv:
        srv.settimeout(timeout)
        conn, _ = srv.accept()
        with conn:
            conn.settimeout(timeout)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for _ in range(count):
                b = conn.recv(1)
                if not b:
                    return
                conn.sendall(b)


def ping(addr, count, timeout):
    deadline = time.monotonic() + 10
    while True:
        try:
            s = socket.create_connection(addr, timeout=timeout)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    with s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        rtts = []
        for _ in range(count):
            t0 = time.perf_counter()
            s.sendall(b"x")
            if s.recv(1) != b"x":
                raise RuntimeError("ping: the echo peer closed the connection")
            rtts.append(time.perf_counter() - t0)
    q = statistics.quantiles(rtts, n=10)
    print(json.dumps({"rtt_s_median": statistics.median(rtts), "rtt_s_p10": q[0],
                      "rtt_s_p90": q[-1], "count": count}))


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["echo", "ping"])
    p.add_argument("--listen", type=endpoint)
    p.add_argument("--connect", type=endpoint)
    p.add_argument("--count", type=int, default=300)
    p.add_argument("--timeout-s", type=float, default=30)
    a = p.parse_args()
    try:
        if a.mode == "echo":
            if not a.listen:
                p.error("echo needs --listen HOST:PORT")
            echo(a.listen, a.count, a.timeout_s)
        else:
            if not a.connect:
                p.error("ping needs --connect HOST:PORT")
            ping(a.connect, a.count, a.timeout_s)
    except (OSError, RuntimeError) as e:
        print(f"ping.py {a.mode}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
