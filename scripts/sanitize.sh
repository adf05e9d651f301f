#!/usr/bin/env bash
# The 2PC runtime under AddressSanitizer + UndefinedBehaviorSanitizer
# (issue 14): builds the runtime and its GoogleTest suite standalone with
# -fsanitize=address,undefined into ${MPCVIT_ASAN_BUILD_DIR:-build-asan},
# runs the suite, then compiles a committed model against that runtime and
# runs one private inference (`local`: dealer, server and client) on 4
# Fashion-MNIST test images, checking its top-1 against the regular build's.
# Any sanitizer report fails the run (halt_on_error). Part of
# scripts/test.sh; needs the regular build (mpcvit-compile) first.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MPCVIT_BUILD_DIR:-$root/build}"
asan="${MPCVIT_ASAN_BUILD_DIR:-$root/build-asan}"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

echo "== sanitizer build of the runtime ($asan)"
cmake -G Ninja -S "$root/runtime" -B "$asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="$san" -DMPCVIT_RUNTIME_BENCH=OFF >/dev/null
cmake --build "$asan" -j "${MPCVIT_JOBS:-2}"

echo "== runtime tests under ASan + UBSan"
"$asan/test/mpcvit_runtime_tests" --gtest_brief=1

echo "== one private inference under ASan + UBSan"
work="$asan/e2e"
mkdir -p "$work"
cat >"$work/cxx" <<WRAP
#!/bin/sh
exec c++ $san "\$@"
WRAP
chmod +x "$work/cxx"
model="$root/models/fmnist/mpcvit_mu0.5"
CXX="$work/cxx" MPCVIT_RUNTIME_LIB="$asan/libmpcvit_runtime.a" \
  "$build/bin/mpcvit-compile" "$model/model.onnx" --arch "$model/arch.json" -o "$work/prog"
"$build/bin/mpcvit-compile" "$model/model.onnx" --arch "$model/arch.json" -o "$work/plain"
PYTHONPATH="$root/python" /usr/bin/python3 -c "
import numpy as np
from mpcvit import data
x, _ = data.load_split('test')
np.save('$work/x.npy', data.normalize(x[:4]).astype(np.float32))"
"$work/prog" local --input "$work/x.npy" --json --threads 1 >"$work/asan.json"
"$work/plain" local --input "$work/x.npy" --json >"$work/plain.json"
/usr/bin/python3 - "$work/asan.json" "$work/plain.json" <<'PY'
import json, sys
a, b = (json.loads(open(p).read().strip().splitlines()[-1]) for p in sys.argv[1:3])
assert a["top1"] == b["top1"], (a["top1"], b["top1"])
print(f"sanitize.sh: private inference clean under ASan+UBSan, top-1 {a['top1']} "
      f"= regular build, {a['online_rounds']} rounds")
PY
