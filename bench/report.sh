#!/usr/bin/env bash
# Benchmark report (bench/report.py): compile and run every models/fmnist
# model; writes bench/results/report.{json,md} and PNG plots.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec /usr/bin/python3 "$root/bench/report.py" "$@"
