// A model whose token count differs from the arch file: both numbers named.
// RUN: mpcvit-opt %s -verify-diagnostics --mpcvit-replace-softmax=arch=%S/Inputs/arch_tokens7.json -o /dev/null
func.func @two_layers(%s0: tensor<1x2x5x5xf32>, %s1: tensor<1x2x5x5xf32>)
    -> (tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32>) {
  // expected-error @+1 {{arch_tokens7.json has 7 tokens but the attention rows of this layer have 5 tokens}}
  %a0 = vit.attention_norm %s0 kinds [softmax, softmax] head_axis 1 : tensor<1x2x5x5xf32>
  %a1 = vit.attention_norm %s1 kinds [softmax, softmax] head_axis 1 : tensor<1x2x5x5xf32>
  return %a0, %a1 : tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32>
}
