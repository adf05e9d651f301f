// --mpcvit-pipeline applies one arch.json end to end: kinds per head, GeLU
// treatment per layer, then fusion (the β = 0 token group's fc2·fc1 becomes
// one linear).
// RUN: mpcvit-opt %s --mpcvit-pipeline=arch=%S/Inputs/arch_2x2.json | FileCheck %s

// CHECK-LABEL: func.func @two_layers
// CHECK: vit.attention_norm %arg1 kinds [relu_softmax, scale] head_axis 1
// CHECK: vit.gelu erf %{{.*}} : tensor<1x5x16xf32>
// CHECK: vit.attention_norm %arg2 kinds [scale, "2quad"] head_axis 1
// CHECK: vit.gelu erf %{{.*}} : tensor<1x2x16xf32>
// CHECK: %[[LIN:.*]] = vit.gather %{{.*}} axis 1 indices [1, 3, 4]
// CHECK: %[[F:.*]] = vit.linear %[[LIN]], %{{.*}}, %{{.*}} : (tensor<1x3x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<1x3x8xf32>
// CHECK-NEXT: vit.relu %[[F]] : tensor<1x3x8xf32>
// CHECK: vit.gather %{{.*}} axis 1 indices [0, 2, 1, 3, 4]
func.func @two_layers(%x: tensor<1x5x8xf32>, %s0: tensor<1x2x5x5xf32>, %s1: tensor<1x2x5x5xf32>)
    -> (tensor<1x5x8xf32>, tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32>) {
  %w1 = vit.constant dense<0.125> : tensor<16x8xf32>
  %b1 = vit.constant dense<0.5> : tensor<16xf32>
  %w2 = vit.constant dense<0.25> : tensor<8x16xf32>
  %b2 = vit.constant dense<-1.0> : tensor<8xf32>
  %a0 = vit.attention_norm %s0 kinds [softmax, softmax] head_axis 1 : tensor<1x2x5x5xf32>
  %h0 = vit.linear %x, %w1, %b1 : (tensor<1x5x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<1x5x16xf32>
  %g0 = vit.gelu erf %h0 : tensor<1x5x16xf32>
  %y0 = vit.linear %g0, %w2, %b2 : (tensor<1x5x16xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<1x5x8xf32>
  %a1 = vit.attention_norm %s1 kinds [softmax, softmax] head_axis 1 : tensor<1x2x5x5xf32>
  %h1 = vit.linear %y0, %w1, %b1 : (tensor<1x5x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<1x5x16xf32>
  %g1 = vit.gelu erf %h1 : tensor<1x5x16xf32>
  %y1 = vit.linear %g1, %w2, %b2 : (tensor<1x5x16xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<1x5x8xf32>
  return %y1, %a0, %a1 : tensor<1x5x8xf32>, tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32>
}
