#!/usr/bin/env bash
# Scale rows of the benchmark report (bench/scale.py): vit_7_4_32 and
# ViT-Base/16 (224x224, random weights) under 2PC on loopback and wan:
# online latency, bytes, rounds and peak memory of each party. Writes
# bench/results/scale.json; bench/report.sh copies it into report.md.
#
#   bench/scale.sh [--models vit_7_4_32,vit_base,DIR,...] [--networks loopback,wan] [--count N] [--out FILE]
# (DIR: any model directory: ONNX + optional arch.json + optional inputs.npy)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec /usr/bin/python3 "$root/bench/scale.py" "$@"
