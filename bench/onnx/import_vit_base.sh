#!/usr/bin/env bash
# Import benchmark (issue 3): ViT-Base/16 (224x224, 86M parameters, random
# weights from python/mpcvit/onnx_fixtures.py, not committed) through
# `mpcvit-translate --import-onnx`, as MLIR text and as bytecode, and
# through --mpcvit-raise-patterns. Records wall time and peak RSS in
# bench/results/onnx_import_vit_base.json. Target: < 10 s, < 2 GiB.
#
#   bench/onnx/import_vit_base.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-${MPCVIT_BUILD_DIR:-$root/build}}"
work="$build/bench-onnx"
mkdir -p "$work"
if [[ ! -f "$work/vit_base.onnx" ]]; then
  echo "== exporting ViT-Base/16 with PyTorch (once)"
  /usr/bin/python3 "$root/python/mpcvit/onnx_fixtures.py" --out "$work" --only vit_base
fi

# Runs a command, prints "wall_seconds max_rss_kib".
measure() {
  /usr/bin/python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
rc = subprocess.call(sys.argv[1:])
wall = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
if rc:
    sys.exit("command failed: %s" % " ".join(sys.argv[1:]))
print("%.2f %d" % (wall, rss))
PY
}

bin="$build/bin"
read -r t_text rss_text < <(measure "$bin/mpcvit-translate" --import-onnx "$work/vit_base.onnx" -o "$work/vit_base.mlir")
read -r t_bc rss_bc < <(measure "$bin/mpcvit-translate" --import-onnx "$work/vit_base.onnx" --emit-bytecode -o "$work/vit_base.mlirbc")
read -r t_raise rss_raise < <(measure "$bin/mpcvit-opt" --mpcvit-raise-patterns "$work/vit_base.mlirbc" --emit-bytecode -o "$work/vit_base.raised.mlirbc")
params=$(/usr/bin/python3 -c "
import onnx, numpy as np
m = onnx.load('$work/vit_base.onnx', load_external_data=False)
print(sum(int(np.prod(t.dims)) for t in m.graph.initializer))")
mkdir -p "$root/bench/results"
cat >"$root/bench/results/onnx_import_vit_base.json" <<JSON
{ "bench": "onnx_import_vit_base", "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "model": "torchvision vit_b_16, 224x224, random weights, opset 14",
  "onnx_bytes": $(stat -c %s "$work/vit_base.onnx"), "parameters": $params,
  "cpu": "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)",
  "import_to_text":     { "wall_s": $t_text,  "peak_rss_mib": $((rss_text / 1024)) },
  "import_to_bytecode": { "wall_s": $t_bc,    "peak_rss_mib": $((rss_bc / 1024)) },
  "raise_patterns_bytecode": { "wall_s": $t_raise, "peak_rss_mib": $((rss_raise / 1024)) },
  "target": { "wall_s": 10, "peak_rss_mib": 2048 } }
JSON
cat "$root/bench/results/onnx_import_vit_base.json"
