#!/bin/bash
# Measured vs predicted online latency under emulated networks (issue 7).
#
#   bench/netem.sh [OUT.json] [MODEL_FILTER]
#       (root; default bench/results/cost_netem.json; MODEL_FILTER: a grep -E
#        pattern over the model names, default all)
#   PROTOCOLS="a2b fss" bench/netem.sh OUT FILTER
#       every model once per protocol suite (mpcvit-compile --protocols=P),
#       named MODEL[P], side by side in one run (issue [fss]); default: the
#       compiler's default suite only, names without a suffix.
#
# For each profile (lan: 1 Gbit/s, 0.5 ms RTT; wan: 400 Mbit/s, 4 ms RTT) the
# server runs in network namespace mpcvit-s and the client in mpcvit-c,
# joined by a veth pair. The link is emulated by
#   * `tc qdisc netem delay RTT/2 rate BW` on both veth ends, where the
#     kernel has sch_netem (emulator "netem"), else
#   * bench/netem/netem_relay.cpp (mpcvit-netem-relay, emulator "relay"):
#     the same delay + rate model in a TCP relay in the server's namespace;
#     the client connects to it across the veth. The kernel here (a
#     Firecracker VM) has tbf/htb but no netem, hence the relay. The relay's
#     own per-message latency is calibrated out first, so that `ping`
#     across the emulated link reads the nominal RTT plus the hosts' own
#     RTT, as it would across netem (see "Relay calibration" below).
# Each row also has the prediction at the measured ping RTT
# (custom:BW,RTT), which is how a real deployment would be predicted.
# The dealer runs in the server's namespace as a service (10.77.0.1:7200,
# started first, one session); the server connects to it there, and the
# client connects to it directly across the veth (offline traffic; not shaped
# by the relay, but shaped like every veth packet under kernel netem). The
# client reaches the server through the emulated link. The roles run with
# --insecure (plain TCP): a benchmark of the protocol, not of TLS. Each model is compiled with mpcvit-compile, its cost report
# (with the committed calibration bench/results/cost_calibration.json)
# gives the prediction, and the client's `--json` online_s (mean over 4
# images) the measurement.
# Models: the fmnist-tiny variants of the e2e fixtures (build/test/
# e2e-fixtures, made by the e2e tests), every models/**/*.onnx, and
# vit_7_4_32 when build/test/onnx holds it. Not root, or no `ip`/`tc`: says
# so and exits 0. Every process is bounded by `timeout`; the namespaces are
# removed on exit. This machine has 2 cores shared by server, client, dealer
# and relay: the measured latency includes that contention. Each row also has
# every role's peak resident memory (the roles' --json peak_rss_bytes) and the
# dealer's bytes per inference (offline, not shaped by the relay).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${MPCVIT_BUILD_DIR:-$ROOT/build}
OUT=${1:-$ROOT/bench/results/cost_netem.json}
FILTER=${2:-.}
RELAY=$BUILD/bin/mpcvit-netem-relay
PING=$ROOT/bench/netem/ping.py
CAL=$ROOT/bench/results/cost_calibration.json
if [ "$(id -u)" != 0 ]; then
  echo "bench/netem.sh: needs root (network namespaces, tc); skipped"; exit 0
fi
for t in ip tc timeout; do
  command -v $t >/dev/null || { echo "bench/netem.sh: '$t' missing; skipped"; exit 0; }
done
WORK=$(mktemp -d /tmp/mpcvit-netem.XXXXXX)
cleanup() {
  ip netns del mpcvit-s 2>/dev/null; ip netns del mpcvit-c 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
if ! ip netns add mpcvit-s 2>/dev/null || ! ip netns add mpcvit-c; then
  echo "bench/netem.sh: cannot create network namespaces here; skipped"; exit 0
fi
ip link add mv-s type veth peer name mv-c || { echo "bench/netem.sh: no veth; skipped"; exit 0; }
ip link set mv-s netns mpcvit-s; ip link set mv-c netns mpcvit-c
ip -n mpcvit-s addr add 10.77.0.1/24 dev mv-s; ip -n mpcvit-c addr add 10.77.0.2/24 dev mv-c
for ns in mpcvit-s mpcvit-c; do ip -n $ns link set lo up; done
ip -n mpcvit-s link set mv-s up; ip -n mpcvit-c link set mv-c up

EMU=netem
if ! tc -n mpcvit-s qdisc replace dev mv-s root netem delay 1ms 2>/dev/null; then
  EMU=relay
  if [ ! -x "$RELAY" ]; then
    echo "bench/netem.sh: no sch_netem in this kernel and no $RELAY; skipped"; exit 0
  fi
  echo "bench/netem.sh: tc netem unavailable (kernel lacks sch_netem); emulating the link with $RELAY"
fi
tc -n mpcvit-s qdisc del dev mv-s root 2>/dev/null
# PROFILES="loopback lan wan" adds the unshaped veth (predicted as
# custom:100000,0.05: 100 Gbit/s, 0.05 ms RTT).
PROFILES=${PROFILES:-lan wan}
declare -A MBIT=([lan]=1000 [wan]=400 [loopback]=100000) RTT=([lan]=0.5 [wan]=4 [loopback]=0.05)

# Link calibration (bench/netem/ping.py calibrate): the relay's own
# per-message latency (its extra TCP hop, thread and timer wake-ups;
# ~0.05-0.2 ms per round trip here) comes on top of its configured delay.
# As netem's link would, the emulated link must show `ping` = nominal RTT +
# the hosts' own RTT across the veth, so the relay's delay is set to the
# value that gives it; ping_rtt_ms is the ping at that setting. Under kernel
# netem the link is only measured (per profile, once the qdisc is set).
# link_json PROF [relay]: ping.py's JSON line for the profile.
link_json() {
  local relay=()
  [ "${2:-}" = relay ] && relay=(--relay "$RELAY" --rtt-ms ${RTT[$1]} --rate-mbit ${MBIT[$1]})
  timeout 300 /usr/bin/python3 "$PING" calibrate --host 10.77.0.1 --server-ns mpcvit-s \
    --client-ns mpcvit-c "${relay[@]}"
}
# wait_listening LOG PID: waits (up to 60 s) for a service's "listening on"
# line in LOG; returns 1 if PID died first or the line never came.
wait_listening() {
  local _
  for _ in $(seq 600); do
    grep -q "listening on" "$1" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
jget() { /usr/bin/python3 -c "import json,sys; print(json.loads(sys.argv[1])['$2'])" "$1"; }
declare -A RELAY_RTT PING_RTT HOST_PING
if [ $EMU = relay ]; then
  for prof in $PROFILES; do
    [ "$prof" = loopback ] && { PING_RTT[$prof]=${RTT[$prof]}; HOST_PING[$prof]=None; continue; }
    link=$(link_json $prof relay)
    RELAY_RTT[$prof]=$(jget "$link" relay_rtt_ms)
    PING_RTT[$prof]=$(jget "$link" ping_rtt_ms)
    HOST_PING[$prof]=$(jget "$link" host_ping_ms)
    echo "bench/netem.sh: $prof: $link"
  done
fi

# cost MLIR PROFILE: predicted total, network, compute seconds, rounds, bytes.
cost() {
  "$BUILD/bin/mpcvit-opt" "$1" --mpcvit-cost-report="json calibration=$CAL profiles=$2" -o /dev/null |
    /usr/bin/python3 -c "import json,sys; r=json.load(sys.stdin); l=r['latency'][0]; t=r['total']; print(l['total_s'], l['network_s'], l['compute_s'], t['online_rounds'], t['online_bytes_sent_per_party_max'])"
}

# name|onnx|compile flags
MODELS=()
FX=$BUILD/test/e2e-fixtures
[ -f "$FX/softmax.onnx" ] && MODELS+=("fmnist-tiny-softmax|$FX/softmax.onnx|")
[ -f "$FX/mpcvit.onnx" ] && MODELS+=("fmnist-tiny-mpcvit-dealer|$FX/mpcvit.onnx|--arch $FX/mpcvit.arch.json --trunc exact")
[ -f "$FX/mpcvitplus.onnx" ] && MODELS+=("fmnist-tiny-mpcvitplus|$FX/mpcvitplus.onnx|--arch $FX/mpcvitplus.arch.json")
# Independent branches in lock-step (issue [rounds]) against one after
# another: layers mixing softmax, relu_softmax and scale heads
# (test/cost/critical_path.py), the uniform relu_softmax model, and MPCViT+.
if [ -f "$FX/softmax.onnx" ] && [ -f "$FX/mpcvitplus.arch.json" ] &&
   /usr/bin/python3 "$ROOT/test/cost/critical_path.py" archs "$WORK" "$FX/mpcvitplus.arch.json"; then
  MODELS+=("fmnist-tiny-mixed-lockstep|$FX/softmax.onnx|--arch $WORK/mixed.arch.json")
  MODELS+=("fmnist-tiny-mixed-sequential|$FX/softmax.onnx|--arch $WORK/mixed.arch.json --schedule=sequential")
  MODELS+=("fmnist-tiny-all-relu_softmax|$FX/softmax.onnx|--arch $WORK/relu_softmax.arch.json")
  MODELS+=("fmnist-tiny-mpcvitplus-sequential|$FX/mpcvitplus.onnx|--arch $FX/mpcvitplus.arch.json --schedule=sequential")
fi
V7=$(find "$BUILD/test" -name 'vit_7_4_32*.onnx' 2>/dev/null | head -1)
[ -n "$V7" ] && MODELS+=("vit_7_4_32|$V7|")
while IFS= read -r m; do
  a=$(dirname "$m")/arch.json
  f=""; [ -f "$a" ] && f="--arch $a"
  MODELS+=("$(basename "$(dirname "$m")")|$m|$f")
done < <(find "$ROOT/models" -name '*.onnx' 2>/dev/null | sort)
IMG=$FX/images.npy
# One entry per protocol suite when PROTOCOLS is set: NAME[P] with --protocols=P.
if [ -n "${PROTOCOLS:-}" ]; then
  SUITED=()
  for entry in "${MODELS[@]}"; do
    IFS='|' read -r name onnx flags <<< "$entry"
    for pr in $PROTOCOLS; do SUITED+=("$name[$pr]|$onnx|$flags --protocols=$pr"); done
  done
  MODELS=("${SUITED[@]}")
fi

/usr/bin/python3 - "$EMU" > "$OUT.tmp" <<'PY'
import datetime, json, os, platform, sys
print("{")
print(' "bench": "bench/netem.sh: online latency, measured vs the cost model, server and client in two network namespaces",')
print(' "date": %s,' % json.dumps(datetime.date.today().isoformat()))
print(' "machine": %s,' % json.dumps(f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}"))
print(' "emulator": %s,' % json.dumps(sys.argv[1]))
print(' "rows": [')
PY
first=1
for entry in "${MODELS[@]}"; do
  IFS='|' read -r name onnx flags <<< "$entry"
  echo "$name" | grep -Eq "$FILTER" || continue
  d=$WORK/$(echo "$name" | tr '[]' '__'); mkdir -p "$d"
  # shellcheck disable=SC2086
  if ! timeout 600 "$BUILD/bin/mpcvit-compile" "$onnx" $flags -o "$d/p" >"$d/compile.log" 2>&1; then
    echo "$name: compile failed (see below)"; tail -3 "$d/compile.log"; continue
  fi
  shape=$(grep -o 'func.func @main(%arg0: !mpc.tensor<[0-9x]*' "$d/p.mlir" | sed 's/.*<//')
  /usr/bin/python3 - "$IMG" "$shape" "$d/x.npy" <<'PY'
import sys, numpy as np
img, shape, out = sys.argv[1], [int(s) for s in sys.argv[2].split("x")], sys.argv[3]
try:
    x = np.load(img)[:4].astype(np.float32)
    if list(x.shape[1:]) != shape[1:]: raise ValueError
except Exception:
    x = np.random.default_rng(0).standard_normal([4] + shape[1:]).astype(np.float32)
np.save(out, x)
PY
  for prof in $PROFILES; do
    mbit=${MBIT[$prof]}; rtt=${RTT[$prof]}
    target=10.77.0.1:7000; rp=""
    if [ "$prof" = loopback ]; then
      for p in "mpcvit-s mv-s" "mpcvit-c mv-c"; do
        set -- $p; tc -n $1 qdisc del dev $2 root 2>/dev/null
      done
      PING_RTT[$prof]=${RTT[$prof]}; HOST_PING[$prof]=None
    elif [ $EMU = netem ]; then
      half=$(/usr/bin/python3 -c "print($rtt/2)")ms
      for p in "mpcvit-s mv-s" "mpcvit-c mv-c"; do
        set -- $p
        tc -n $1 qdisc replace dev $2 root netem delay $half rate ${mbit}mbit limit 100000
      done
      if [ -z "${PING_RTT[$prof]:-}" ]; then
        link=$(link_json $prof)
        PING_RTT[$prof]=$(jget "$link" ping_rtt_ms); HOST_PING[$prof]=$(jget "$link" host_ping_ms)
      fi
    else
      ip netns exec mpcvit-s timeout 600 "$RELAY" --listen 10.77.0.1:7100 --connect 10.77.0.1:7000 \
        --rtt-ms ${RELAY_RTT[$prof]} --rate-mbit $mbit --idle-timeout-s 300 2>"$d/relay.$prof.log" &
      rp=$!
      target=10.77.0.1:7100
    fi
    ping=${PING_RTT[$prof]}
    cprof=$prof; [ "$prof" = loopback ] && cprof="custom:${MBIT[$prof]},${RTT[$prof]}"
    pred=$(cost "$d/p.mlir" $cprof)
    pred_ping=$(cost "$d/p.mlir" "custom:$mbit,$ping" | cut -d' ' -f1)
    # Dealer first (it listens), then the server (connects to the dealer),
    # then the client (to the server through $target, to the dealer directly).
    ip netns exec mpcvit-s timeout 300 "$d/p" dealer --listen 10.77.0.1:7200 --sessions 1 --insecure --json --timeout-ms 120000 >"$d/dl.$prof.log" 2>&1 &
    dp=$!
    if ! wait_listening "$d/dl.$prof.log" $dp; then
      echo "$name/$prof: dealer did not start"; tail -3 "$d/dl.$prof.log"
      kill $dp ${rp:-} 2>/dev/null; wait; continue
    fi
    ip netns exec mpcvit-s timeout 300 "$d/p" server --listen 10.77.0.1:7000 --dealer 10.77.0.1:7200 --sessions 1 --weights "$d/p.weights" --insecure --json --timeout-ms 120000 >"$d/srv.$prof.log" 2>&1 &
    sp=$!
    if ! wait_listening "$d/srv.$prof.log" $sp; then
      echo "$name/$prof: server did not start"; tail -3 "$d/srv.$prof.log"
      kill $sp $dp ${rp:-} 2>/dev/null; wait; continue
    fi
    ip netns exec mpcvit-c timeout 300 "$d/p" client --connect $target --dealer 10.77.0.1:7200 --input "$d/x.npy" --json --insecure --timeout-ms 120000 >"$d/cli.$prof.json" 2>"$d/cli.$prof.log"
    crc=$?
    if [ $crc != 0 ]; then
      # the services would wait for a session that never comes
      kill $sp $dp 2>/dev/null
    fi
    wait $sp; wait $dp
    if [ -n "$rp" ]; then
      [ $crc = 0 ] || kill $rp 2>/dev/null
      wait $rp || { echo "$name/$prof: relay failed"; cat "$d/relay.$prof.log"; }
    fi
    if [ $crc != 0 ]; then echo "$name/$prof: client failed"; tail -3 "$d/cli.$prof.log"; continue; fi
    meas=$(tail -1 "$d/cli.$prof.json" | /usr/bin/python3 -c "import json,sys,statistics as st; r=json.load(sys.stdin); print(r['online_s'], st.median(r['online_s_each']), r['online_rounds'], r['online_bytes_sent_per_party_max'], r['offline_bytes'], r['peak_rss_bytes'])")
    read -r pt pn pc pr pb <<< "$pred"; read -r mt mmed mr mb mdl mrc <<< "$meas"
    # the services' last line is their --json report (peak_rss_bytes)
    rss() { grep '^{' "$1" 2>/dev/null | tail -1 | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin).get('peak_rss_bytes', 'None'))" 2>/dev/null || echo None; }
    mrs=$(rss "$d/srv.$prof.log"); mrd=$(rss "$d/dl.$prof.log")
    line=$(/usr/bin/python3 -c "import json; print(json.dumps({'model': '$name', 'profile': '$prof', 'emulator': '$EMU', 'predicted_s': $pt, 'predicted_network_s': $pn, 'predicted_compute_s': $pc, 'measured_online_s': $mt, 'measured_online_s_median': $mmed, 'error_pct': round(100*($mt-$pt)/$pt, 1), 'ping_rtt_ms': $ping, 'host_ping_ms': ${HOST_PING[$prof]}, 'relay_rtt_ms': ${RELAY_RTT[$prof]:-None}, 'predicted_at_ping_rtt_s': $pred_ping, 'error_at_ping_rtt_pct': round(100*($mt-$pred_ping)/$pred_ping, 1), 'predicted_rounds': $pr, 'measured_rounds': $mr, 'predicted_bytes_max': $pb, 'measured_bytes_max': $mb, 'dealer_bytes': $mdl, 'peak_rss_bytes': {'server': $mrs, 'client': $mrc, 'dealer': $mrd}}))")
    echo "$line"
    [ $first = 1 ] || echo "," >> "$OUT.tmp"; first=0
    echo "  $line" >> "$OUT.tmp"
  done
done
echo " ]}" >> "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "bench/netem.sh: wrote $OUT"
