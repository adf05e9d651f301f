#!/usr/bin/env bash
# Predicted cost of a2b vs fss side by side (bench/protocols_cost.py):
# bytes per party, rounds, rounds per layer and dealer bytes per inference
# of vit_7_4_32 and ViT-Base/16 from the compiler's cost model (= the
# runtime's counters). Writes bench/results/protocols_cost.json.
#
#   bench/protocols_cost.sh [--models vit_7_4_32,vit_base,DIR,...] [--out FILE]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec /usr/bin/python3 "$root/bench/protocols_cost.py" "$@"
