// RUN: mpcvit-opt %s -verify-diagnostics --mpcvit-linearize-gelu=arch=%S/Inputs/arch_2x2.json -o /dev/null
// RUN: not mpcvit-opt %s --mpcvit-linearize-gelu=all=tanh -o /dev/null 2>&1 | FileCheck %s --check-prefix=ALL
// RUN: not mpcvit-opt %s --mpcvit-linearize-gelu=arch=%S/Inputs/bad_tokens.json -o /dev/null 2>&1 | FileCheck %s --check-prefix=BETA
// RUN: not mpcvit-opt %s --mpcvit-linearize-gelu=arch=%S/Inputs/arch_depth3.json -o /dev/null 2>&1 | FileCheck %s --check-prefix=DEPTH
// ALL: all=tanh: expected quad or identity
// BETA: bad_tokens.json: layers[1].gelu.tokens[2]: expected 0 or 1, got 2
// DEPTH: arch_depth3.json describes 3 layers but the model has 2 vit.gelu ops

// Layer 1 is linearized token-wise, but its GeLU output feeds an add, not
// a second linear.
func.func @not_an_mlp(%x: tensor<1x5x8xf32>, %w1: tensor<16x8xf32>, %b1: tensor<16xf32>,
                      %w2: tensor<8x16xf32>, %b2: tensor<8xf32>) -> tensor<1x5x16xf32> {
  %h0 = vit.linear %x, %w1, %b1 : (tensor<1x5x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<1x5x16xf32>
  %g0 = vit.gelu erf %h0 : tensor<1x5x16xf32>
  %y0 = vit.linear %g0, %w2, %b2 : (tensor<1x5x16xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<1x5x8xf32>
  %h1 = vit.linear %y0, %w1, %b1 : (tensor<1x5x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<1x5x16xf32>
  // expected-error @+1 {{layer 1: token-wise linearization needs vit.linear -> vit.gelu -> vit.linear with no other users in between}}
  %g1 = vit.gelu erf %h1 : tensor<1x5x16xf32>
  %r = vit.add %g1, %h1 : (tensor<1x5x16xf32>, tensor<1x5x16xf32>) -> tensor<1x5x16xf32>
  return %r : tensor<1x5x16xf32>
}
