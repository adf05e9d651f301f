// RUN: mpcvit-opt %s --split-input-file --mpcvit-replace-softmax=all=relu_softmax | FileCheck %s --check-prefix=ALL
// RUN: mpcvit-opt %s --split-input-file --mpcvit-replace-softmax=arch=%S/Inputs/arch_2x2.json | FileCheck %s --check-prefix=ARCH

// Two layers of two heads over five tokens: kinds are set in layer order.
// ALL-LABEL: func.func @two_layers
// ALL: vit.attention_norm %{{.*}} kinds [relu_softmax, relu_softmax] head_axis 1
// ALL: vit.attention_norm %{{.*}} kinds [relu_softmax, relu_softmax] head_axis 1
// ARCH-LABEL: func.func @two_layers
// ARCH: vit.attention_norm %{{.*}} kinds [relu_softmax, scale] head_axis 1
// ARCH: vit.attention_norm %{{.*}} kinds [scale, "2quad"] head_axis 1
func.func @two_layers(%s0: tensor<1x2x5x5xf32>, %s1: tensor<1x2x5x5xf32>)
    -> (tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32>) {
  %a0 = vit.attention_norm %s0 kinds [softmax, softmax] head_axis 1 : tensor<1x2x5x5xf32>
  %a1 = vit.attention_norm %s1 kinds [softmax, softmax] head_axis 1 : tensor<1x2x5x5xf32>
  return %a0, %a1 : tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32>
}
