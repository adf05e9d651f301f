#!/usr/bin/python3
"""Round-trip time of an emulated link, as `ping` measures a real one.

    ping.py echo --listen HOST:PORT [--count N] [--timeout-s S]
    ping.py ping --connect HOST:PORT [--count N] [--timeout-s S]
    ping.py calibrate --host IP [--relay BIN --rtt-ms R --rate-mbit BW]
                      [--server-ns NS] [--client-ns NS] [--port P]

`echo` accepts one TCP connection and returns every byte it receives; `ping`
connects (retrying for up to 10 s), sends one byte and waits for it N times
(default 300; TCP_NODELAY on both ends), and prints one JSON line:
{"rtt_s_median": ..., "rtt_s_p10": ..., "rtt_s_p90": ..., "count": N}.
bench/netem.sh predicts with this measured RTT beside the nominal one: like
a real network's ping it includes the emulator's and the hosts' own
per-message latency (wake-ups, TCP stack, the relay's extra hop), which the
nominal profile RTT does not. Errors (bad address, timeout, peer closed)
print a message and exit 1.

`calibrate` measures and, with --relay, calibrates an emulated link for
bench/netem.sh and bench/scale.py: an echo listens on IP:P (in network
namespace --server-ns when given) and pings come from --client-ns.
  host_ping_ms   the hosts' own RTT (straight to the echo);
  without --relay: ping_rtt_ms = host_ping_ms (the link as it is, e.g.
  under kernel netem);
  with --relay (mpcvit-netem-relay on IP:P+1 in front of the echo): the
  relay adds its own per-message latency (its extra TCP hop, thread and
  timer wake-ups) to its configured delay, so it is first run at R
  (uncalibrated_ping_ms), then set to relay_rtt_ms = max(0, 2R −
  uncalibrated_ping_ms + host_ping_ms), where a netem link of RTT R would
  ping R + host_ping_ms; ping_rtt_ms is measured again at that setting.
Prints one JSON line with these keys (milliseconds).
"""

import argparse
import json
import socket
import statistics
import subprocess
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


def ping_ms(host, port, server_ns, client_ns, relay=None):
    """Median RTT (ms) from client_ns to an echo on host:port in server_ns,
    through `relay` = (binary, rtt_ms, mbit) on host:port+1 when given."""
    def ns(name):
        return ["ip", "netns", "exec", name] if name else []
    me = [sys.executable, __file__]
    echo = subprocess.Popen(ns(server_ns) + me + ["echo", "--listen", f"{host}:{port}"])
    procs, target = [echo], f"{host}:{port}"
    if relay:
        binary, rtt, mbit = relay
        procs.append(subprocess.Popen(
            ns(server_ns) + [binary, "--listen", f"{host}:{port + 1}", "--connect",
                             f"{host}:{port}", "--rtt-ms", str(rtt), "--rate-mbit",
                             str(mbit), "--idle-timeout-s", "60"],
            stderr=subprocess.DEVNULL))
        target = f"{host}:{port + 1}"
    try:
        out = subprocess.run(ns(client_ns) + me + ["ping", "--connect", target],
                             capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(out.stderr.strip())
        return json.loads(out.stdout)["rtt_s_median"] * 1e3
    finally:
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()


def calibrate(a):
    host = ping_ms(a.host, a.port, a.server_ns, a.client_ns)
    r = {"host_ping_ms": round(host, 4)}
    if not a.relay:
        r["ping_rtt_ms"] = r["host_ping_ms"]
    else:
        p1 = ping_ms(a.host, a.port, a.server_ns, a.client_ns,
                     (a.relay, a.rtt_ms, a.rate_mbit))
        delay = max(0.0, 2 * a.rtt_ms - p1 + host)
        p2 = ping_ms(a.host, a.port, a.server_ns, a.client_ns,
                     (a.relay, delay, a.rate_mbit))
        r.update({"nominal_rtt_ms": a.rtt_ms, "uncalibrated_ping_ms": round(p1, 4),
                  "relay_rtt_ms": round(delay, 4), "ping_rtt_ms": round(p2, 4)})
    print(json.dumps(r))


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["echo", "ping", "calibrate"])
    p.add_argument("--listen", type=endpoint)
    p.add_argument("--connect", type=endpoint)
    p.add_argument("--host", help="calibrate: the echo's IPv4 address")
    p.add_argument("--port", type=int, default=7200, help="calibrate: echo port (relay: +1)")
    p.add_argument("--relay", help="calibrate: mpcvit-netem-relay binary")
    p.add_argument("--rtt-ms", type=float, help="calibrate: nominal RTT (ms)")
    p.add_argument("--rate-mbit", type=float, help="calibrate: bandwidth (Mbit/s)")
    p.add_argument("--server-ns", help="calibrate: the echo's network namespace")
    p.add_argument("--client-ns", help="calibrate: the pinger's network namespace")
    p.add_argument("--count", type=int, default=300)
    p.add_argument("--timeout-s", type=float, default=30)
    a = p.parse_args()
    try:
        if a.mode == "calibrate":
            if not a.host:
                p.error("calibrate needs --host IP")
            if a.relay and (a.rtt_ms is None or not a.rate_mbit):
                p.error("calibrate --relay needs --rtt-ms and --rate-mbit")
            calibrate(a)
        elif a.mode == "echo":
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
