#!/usr/bin/env bash
# Benchmark report (issue 9). Runs, in order:
#   1. bench/netem.sh (root): measured online latency under lan and wan for
#      every model, server and client in two network namespaces, written to
#      bench/results/cost_netem.json (skipped with --no-netem, or when not
#      root: the report then falls back to the committed file, or to the
#      cost model's prediction, marked so);
#   2. bench/report.py: compiles and runs every models/fmnist model on
#      loopback, writes bench/results/report.{json,md} and the PNG plots.
# The scale rows (vit_7_4_32, ViT-Base/16) come from bench/scale.sh, run
# separately (ViT-Base takes long); report.md includes bench/results/
# scale.json when present.
#
#   bench/report.sh [--no-netem] [--count 100] [--models NAME|DIR,...] [--out DIR]
# (NAME: models/fmnist/NAME; DIR: any model directory, bench/model_dirs.py)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
netem=1
args=()
for a in "$@"; do
  if [[ "$a" == --no-netem ]]; then netem=0; else args+=("$a"); fi
done
if [[ $netem == 1 ]]; then
  bash "$root/bench/netem.sh"
fi
exec /usr/bin/python3 "$root/bench/report.py" "${args[@]}"
