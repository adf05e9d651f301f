// The example programs under models/examples/ parse, verify and keep their
// structure; the demo prints the same statistics.
// RUN: mpcvit-opt %S/../../models/examples/vit_tiny_block.vit.mlir --print-op-stats -o /dev/null 2>&1 | FileCheck %s --check-prefix=VIT
// RUN: mpcvit-opt %S/../../models/examples/vit_tiny_mlp.mpc.mlir --print-op-stats -o /dev/null 2>&1 | FileCheck %s --check-prefix=MPC

// VIT: Operations encountered:
// VIT-DAG: vit.attention_norm , 1
// VIT-DAG: vit.conv_patch , 1
// VIT-DAG: vit.gelu , 1
// VIT-DAG: vit.layer_norm , 3
// VIT-DAG: vit.linear , 5
// VIT-DAG: vit.matmul , 2

// MPC: Operations encountered:
// MPC-DAG: mpc.mmul_sp , 2
// MPC-DAG: mpc.reveal , 1
// MPC-DAG: mpc.share , 1
// MPC-DAG: mpc.trunc , 2
