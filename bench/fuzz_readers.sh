#!/usr/bin/env bash
# Fuzzes the readers that take bytes from a user or a peer (issue 14) with
# libFuzzer + AddressSanitizer + UndefinedBehaviorSanitizer, MINUTES each,
# and records the runs in bench/results/fuzz_readers.json. Not a test.
#
#   bench/fuzz_readers.sh MINUTES [TARGETS]   (default: npy handshake weights arch)
#
# npy, handshake (frame header + hello), weights: the runtime built
# standalone with clang into build-fuzz-rt/; arch: the compiler's arch.json
# reader in build-fuzz/ (the tree bench/fuzz_onnx.sh also uses). Seeds:
# files of this tree (.npy fixtures, arch.json of the committed models, a
# weights file compiled here when present). Crashes go to
# build-fuzz-rt/crashes-TARGET/; exit status 1 if any target crashed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
minutes="${1:?usage: bench/fuzz_readers.sh MINUTES [TARGETS]}"
targets="${2:-npy handshake weights arch}"
cxx="$(command -v clang++-22 || command -v clang++ || true)"
cc="$(command -v clang-22 || command -v clang || true)"
[[ -n "$cxx" ]] || { echo "fuzz_readers.sh: needs clang (apt install clang libclang-rt-14-dev)" >&2; exit 2; }
rt="$root/build-fuzz-rt"
full="$root/build-fuzz"
flags="-fsanitize=address,undefined,fuzzer-no-link -fno-omit-frame-pointer"

if [[ " $targets " =~ " npy "|" handshake "|" weights " ]]; then
  echo "== building the runtime fuzzers in $rt"
  cmake -G Ninja -S "$root/runtime" -B "$rt" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_CXX_FLAGS="$flags" \
    -DMPCVIT_BUILD_FUZZERS=ON -DMPCVIT_RUNTIME_BENCH=OFF >/dev/null
  cmake --build "$rt" --target mpcvit-npy-fuzzer mpcvit-handshake-fuzzer \
    mpcvit-weights-fuzzer -j "${MPCVIT_JOBS:-2}"
fi
if [[ " $targets " =~ " arch " ]]; then
  echo "== building the arch.json fuzzer in $full"
  cmake -G Ninja -S "$root" -B "$full" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_CXX_FLAGS="$flags" \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir -DMPCVIT_BUILD_FUZZERS=ON >/dev/null
  cmake --build "$full" --target mpcvit-arch-fuzzer -j "${MPCVIT_JOBS:-2}"
fi

results=()
status=0
for t in $targets; do
  case "$t" in
    arch) bin="$full/bin/mpcvit-arch-fuzzer" ;;
    *) bin="$rt/mpcvit-$t-fuzzer" ;;
  esac
  corpus="$rt/corpus-$t"; crashes="$rt/crashes-$t"
  mkdir -p "$corpus" "$crashes"
  case "$t" in
    npy) find "$root/test" "$root/models" -name '*.npy' -size -256k -exec cp -n {} "$corpus"/ \; 2>/dev/null || true ;;
    arch) for a in "$root"/models/fmnist/*/arch.json; do cp -n "$a" "$corpus/$(basename "$(dirname "$a")").json"; done ;;
    weights) find "$root/build" -name '*.weights' -size -64k -exec cp -n {} "$corpus"/ \; 2>/dev/null || true ;;
  esac
  log="$rt/fuzz-$t.log"
  echo "== fuzzing $t for $minutes minute(s), log in $log"
  set +e
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$bin" "$corpus" -max_total_time=$((minutes * 60)) -timeout=10 \
    -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$crashes/" \
    -print_final_stats=1 >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  ncrash=$(find "$crashes" -type f | wc -l)
  [[ $rc -ne 0 || $ncrash -ne 0 ]] && status=1
  results+=("{\"target\": \"$t\", \"seconds\": $((minutes * 60)), \"execs\": ${execs:-0}, \"exit\": $rc, \"crashes\": $ncrash, \"corpus_files\": $(find "$corpus" -type f | wc -l)}")
  echo "   $t: exit $rc, ${execs:-0} execs, $ncrash crash files"
done
out="$root/bench/results/fuzz_readers.json"
{
  echo "{\"date\": \"$(date -Iseconds)\", \"machine\": \"$(hostname) ($(nproc) cores)\","
  echo " \"command\": \"bench/fuzz_readers.sh $minutes\", \"sanitizers\": \"address,undefined\","
  echo " \"runs\": ["
  (IFS=$'\n'; echo "${results[*]}" | sed '$!s/$/,/')
  echo "]}"
} >"$out"
echo "== wrote $out"
exit $status
