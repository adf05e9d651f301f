#!/usr/bin/env bash
# The main job. Until the ONNX importer, the lowering and the runtime land,
# it installs and builds, then compiles the bundled example programs with
# mpcvit-opt and prints the pipeline stage by stage.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MPCVIT_BUILD_DIR:-$root/build}"
"$root/scripts/setup.sh"
opt="$build/bin/mpcvit-opt"

cat <<'TXT'

mpcvit pipeline (DESIGN.md §1)
  model.onnx --import-onnx-->           vit dialect            [pending: issue onnx]
  --mpcvit-raise-patterns                                     [pending: issue onnx]
  --mpcvit-replace-softmax / --mpcvit-linearize-gelu /
  --mpcvit-fuse-linear   (driven by arch.json)                [pending: issue passes]
  --mpcvit-lower-to-mpc                  mpc dialect            [pending: issue lowering]
  --mpcvit-cost-report                                        [pending: issue cost]
  --emit-cpp -> private executable (dealer | server | client)  [pending: issue lowering]
  available now: vit and mpc dialects with verifiers, CommCostOpInterface, mpcvit-opt

TXT

echo "== vit dialect: a one-block ViT with fmnist-tiny shapes (models/examples/vit_tiny_block.vit.mlir)"
"$opt" "$root/models/examples/vit_tiny_block.vit.mlir" --print-op-stats -o /dev/null
echo
echo "== attention_norm as the NAS passes will address it:"
"$opt" "$root/models/examples/vit_tiny_block.vit.mlir" | grep attention_norm
echo
echo "== mpc dialect: its MLP as the lowering will emit it (models/examples/vit_tiny_mlp.mpc.mlir)"
"$opt" "$root/models/examples/vit_tiny_mlp.mpc.mlir"
