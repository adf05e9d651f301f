// A layer whose head count differs from the arch file: both numbers named.
// RUN: mpcvit-opt %s -verify-diagnostics --mpcvit-replace-softmax=arch=%S/Inputs/arch_heads4.json -o /dev/null
func.func @two_layers(%s0: tensor<1x2x5x5xf32>, %s1: tensor<1x2x5x5xf32>)
    -> (tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32>) {
  // expected-error @+1 {{arch_heads4.json has 4 heads per layer but this attention has 2 heads}}
  %a0 = vit.attention_norm %s0 kinds [softmax, softmax] head_axis 1 : tensor<1x2x5x5xf32>
  %a1 = vit.attention_norm %s1 kinds [softmax, softmax] head_axis 1 : tensor<1x2x5x5xf32>
  return %a0, %a1 : tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32>
}
