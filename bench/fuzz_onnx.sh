#!/usr/bin/env bash
# Fuzzes the ONNX importer (lib/onnx) with libFuzzer + AddressSanitizer for
# a given number of minutes and records the run in
# bench/results/onnx_fuzz.json. Not part of the tests.
#
#   bench/fuzz_onnx.sh MINUTES [JOBS]
#
# Builds build-fuzz/ with clang (clang++-22, else clang++) and
# -DMPCVIT_BUILD_FUZZERS=ON; the corpus starts from the committed fixtures
# (test/onnx/fixtures/*.onnx) and lives in build-fuzz/onnx-corpus/;
# crashing inputs are written to build-fuzz/onnx-crashes/. Exit status 1 if
# the fuzzer found a crash.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
minutes="${1:?usage: bench/fuzz_onnx.sh MINUTES [JOBS]}"
jobs="${2:-1}"
build="${MPCVIT_FUZZ_BUILD_DIR:-$root/build-fuzz}"
cxx="$(command -v clang++-22 || command -v clang++ || true)"
cc="$(command -v clang-22 || command -v clang || true)"
[[ -n "$cxx" ]] || { echo "fuzz_onnx.sh: needs clang (apt install clang-22 libclang-rt-22-dev)" >&2; exit 2; }

echo "== configuring $build with $cxx"
cmake -G Ninja -S "$root" -B "$build" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_CXX_FLAGS="-fsanitize=address,fuzzer-no-link" \
  -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
  -DMPCVIT_BUILD_RUNTIME=ON -DMPCVIT_BUILD_FUZZERS=ON >/dev/null
echo "== building mpcvit-onnx-fuzzer"
cmake --build "$build" --target mpcvit-onnx-fuzzer -j "${MPCVIT_JOBS:-2}"

corpus="$build/onnx-corpus"
crashes="$build/onnx-crashes"
mkdir -p "$corpus" "$crashes"
cp -n "$root"/test/onnx/fixtures/*.onnx "$corpus"/ 2>/dev/null || true
log="$build/onnx-fuzz.log"
echo "== fuzzing for $minutes minute(s), log in $log"
start=$(date +%s)
parallel=()
[[ "$jobs" -gt 1 ]] && parallel=(-jobs="$jobs" -workers="$jobs")
set +e
# Run inside the build tree: with -jobs libFuzzer writes fuzz-N.log to the
# working directory.
(cd "$build" && rm -f fuzz-*.log &&
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
  "$build/bin/mpcvit-onnx-fuzzer" "$corpus" \
  -max_total_time=$((minutes * 60)) -timeout=20 -rss_limit_mb=2560 \
  -max_len=131072 -artifact_prefix="$crashes/" -print_final_stats=1 \
  "${parallel[@]}" >"$log" 2>&1)
rc=$?
set -e
end=$(date +%s)
cat "$build"/fuzz-*.log >>"$log" 2>/dev/null || true
execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s+=$2} END {print s+0}')
ncrash=$(find "$crashes" -type f | wc -l)
ncorpus=$(find "$corpus" -type f | wc -l)
mkdir -p "$root/bench/results"
cat >"$root/bench/results/onnx_fuzz.json" <<JSON
{ "bench": "fuzz_onnx", "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "requested_minutes": $minutes, "wall_seconds": $((end - start)),
  "jobs": $jobs, "executions": $execs, "corpus_files": $ncorpus,
  "crash_files": $ncrash, "fuzzer_exit_status": $rc,
  "compiler": "$($cxx --version | head -1)" }
JSON
cat "$root/bench/results/onnx_fuzz.json"
[[ $rc -eq 0 && $ncrash -eq 0 ]]
