// --mpcvit-raise-patterns on hand-written primitive IR (the forms the
// importer produces); the first function is the example of Passes.td.
// RUN: mpcvit-opt %s --mpcvit-raise-patterns --split-input-file | FileCheck %s
// That the rewrites preserve values is tested on whole models against
// PyTorch (fmnist_tiny.test, timm_block.test, vit_*.test).

// CHECK-LABEL: func.func @gelu_erf
// CHECK-NEXT: %[[G:.*]] = vit.gelu erf %arg0 : tensor<1x5x8xf32>
// CHECK-NEXT: return %[[G]]
func.func @gelu_erf(%x: tensor<1x5x8xf32>) -> tensor<1x5x8xf32> {
  %sqrt2 = vit.constant dense<1.41421354> : tensor<f32>
  %one = vit.constant dense<1.0> : tensor<f32>
  %half = vit.constant dense<0.5> : tensor<f32>
  %d = vit.div %x, %sqrt2 : (tensor<1x5x8xf32>, tensor<f32>) -> tensor<1x5x8xf32>
  %e = vit.erf %d : tensor<1x5x8xf32>
  %a = vit.add %e, %one : (tensor<1x5x8xf32>, tensor<f32>) -> tensor<1x5x8xf32>
  %m = vit.mul %x, %a : (tensor<1x5x8xf32>, tensor<1x5x8xf32>) -> tensor<1x5x8xf32>
  %g = vit.mul %m, %half : (tensor<1x5x8xf32>, tensor<f32>) -> tensor<1x5x8xf32>
  return %g : tensor<1x5x8xf32>
}

// Another association: x·(0.5 + 0.5·erf(x·(1/√2))), with the input itself
// produced by an elementwise op that must stay outside the GeLU.
// CHECK-LABEL: func.func @gelu_erf_reassociated
// CHECK: %[[X:.*]] = vit.add %arg0, %{{.*}}
// CHECK-NEXT: vit.gelu erf %[[X]] : tensor<4xf32>
func.func @gelu_erf_reassociated(%in: tensor<4xf32>) -> tensor<4xf32> {
  %c = vit.constant dense<0.25> : tensor<1xf32>
  %x = vit.add %in, %c : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
  %inv = vit.constant dense<0.707106769> : tensor<1xf32>
  %half = vit.constant dense<0.5> : tensor<1xf32>
  %s = vit.mul %x, %inv : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
  %e = vit.erf %s : tensor<4xf32>
  %he = vit.mul %half, %e : (tensor<1xf32>, tensor<4xf32>) -> tensor<4xf32>
  %p = vit.add %half, %he : (tensor<1xf32>, tensor<4xf32>) -> tensor<4xf32>
  %g = vit.mul %x, %p : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %g : tensor<4xf32>
}

// tanh form as torch exports GELU(approximate='tanh'):
// x·0.5·(1 + tanh(√(2/π)·(x + 0.044715·x³))), x³ as pow.
// CHECK-LABEL: func.func @gelu_tanh
// CHECK-NEXT: vit.gelu tanh %arg0 : tensor<2x3xf32>
func.func @gelu_tanh(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %three = vit.constant dense<3.0> : tensor<f32>
  %k = vit.constant dense<0.0447150022> : tensor<f32>
  %s = vit.constant dense<0.797884583> : tensor<f32>
  %one = vit.constant dense<1.0> : tensor<f32>
  %half = vit.constant dense<0.5> : tensor<f32>
  %c = vit.pow %x, %three : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %kc = vit.mul %c, %k : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %in = vit.add %x, %kc : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %z = vit.mul %in, %s : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %t = vit.tanh %z : tensor<2x3xf32>
  %a = vit.add %t, %one : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %hx = vit.mul %x, %half : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %g = vit.mul %hx, %a : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %g : tensor<2x3xf32>
}

// Not a GeLU: the constant is 0.6, not 0.5.
// CHECK-LABEL: func.func @not_gelu
// CHECK-NOT: vit.gelu
// CHECK: vit.erf
func.func @not_gelu(%x: tensor<4xf32>) -> tensor<4xf32> {
  %sqrt2 = vit.constant dense<1.41421354> : tensor<f32>
  %one = vit.constant dense<1.0> : tensor<f32>
  %c = vit.constant dense<0.6> : tensor<f32>
  %d = vit.div %x, %sqrt2 : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %e = vit.erf %d : tensor<4xf32>
  %a = vit.add %e, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %m = vit.mul %x, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %g = vit.mul %m, %c : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %g : tensor<4xf32>
}

// -----

// Decomposed LayerNorm (torch < opset 17).
// CHECK-LABEL: func.func @layer_norm
// CHECK: %[[N:.*]] = vit.layer_norm %arg0, %{{.*}}, %{{.*}} epsilon 9.9999997473787516E-6 : (tensor<1x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x3x4xf32>
// CHECK-NEXT: return %[[N]]
func.func @layer_norm(%x: tensor<1x3x4xf32>) -> tensor<1x3x4xf32> {
  %two = vit.constant dense<2.0> : tensor<f32>
  %eps = vit.constant dense<1.0e-5> : tensor<f32>
  %g = vit.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %b = vit.constant dense<[0.1, 0.2, 0.3, 0.4]> : tensor<4xf32>
  %m = vit.reduce_mean %x axes [-1] keepdims : tensor<1x3x4xf32> -> tensor<1x3x1xf32>
  %d = vit.sub %x, %m : (tensor<1x3x4xf32>, tensor<1x3x1xf32>) -> tensor<1x3x4xf32>
  %p = vit.pow %d, %two : (tensor<1x3x4xf32>, tensor<f32>) -> tensor<1x3x4xf32>
  %v = vit.reduce_mean %p axes [-1] keepdims : tensor<1x3x4xf32> -> tensor<1x3x1xf32>
  %ve = vit.add %v, %eps : (tensor<1x3x1xf32>, tensor<f32>) -> tensor<1x3x1xf32>
  %s = vit.sqrt %ve : tensor<1x3x1xf32>
  %n = vit.div %d, %s : (tensor<1x3x4xf32>, tensor<1x3x1xf32>) -> tensor<1x3x4xf32>
  %y = vit.mul %n, %g : (tensor<1x3x4xf32>, tensor<4xf32>) -> tensor<1x3x4xf32>
  %z = vit.add %y, %b : (tensor<1x3x4xf32>, tensor<4xf32>) -> tensor<1x3x4xf32>
  return %z : tensor<1x3x4xf32>
}

// Mean over another axis: not a LayerNorm.
// CHECK-LABEL: func.func @not_layer_norm
// CHECK-NOT: vit.layer_norm
func.func @not_layer_norm(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %two = vit.constant dense<2.0> : tensor<f32>
  %eps = vit.constant dense<1.0e-5> : tensor<f32>
  %g = vit.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %m = vit.reduce_mean %x axes [0] keepdims : tensor<3x4xf32> -> tensor<1x4xf32>
  %d = vit.sub %x, %m : (tensor<3x4xf32>, tensor<1x4xf32>) -> tensor<3x4xf32>
  %p = vit.pow %d, %two : (tensor<3x4xf32>, tensor<f32>) -> tensor<3x4xf32>
  %v = vit.reduce_mean %p axes [0] keepdims : tensor<3x4xf32> -> tensor<1x4xf32>
  %ve = vit.add %v, %eps : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
  %s = vit.sqrt %ve : tensor<1x4xf32>
  %n = vit.div %d, %s : (tensor<3x4xf32>, tensor<1x4xf32>) -> tensor<3x4xf32>
  %y = vit.mul %n, %g : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  %z = vit.add %y, %g : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  return %z : tensor<3x4xf32>
}

// -----

// Scaled Q·Kᵀ → softmax over [B, H, N, N].
// CHECK-LABEL: func.func @attention
// CHECK: %[[S:.*]] = vit.mul
// CHECK-NEXT: vit.attention_norm %[[S]] kinds [softmax, softmax] head_axis 1 : tensor<1x2x5x5xf32>
func.func @attention(%q: tensor<1x2x5x4xf32>, %kt: tensor<1x2x4x5xf32>) -> tensor<1x2x5x5xf32> {
  %c = vit.constant dense<0.5> : tensor<f32>
  %s = vit.matmul %q, %kt : (tensor<1x2x5x4xf32>, tensor<1x2x4x5xf32>) -> tensor<1x2x5x5xf32>
  %t = vit.mul %s, %c : (tensor<1x2x5x5xf32>, tensor<f32>) -> tensor<1x2x5x5xf32>
  %a = vit.softmax %t axis -1 : tensor<1x2x5x5xf32>
  return %a : tensor<1x2x5x5xf32>
}

// [B·H, N, N] (nn.MultiheadAttention) with B = 2 from the first argument.
// CHECK-LABEL: func.func @attention_mha
// CHECK: %[[R:.*]] = vit.reshape %{{.*}} : tensor<6x5x5xf32> -> tensor<2x3x5x5xf32>
// CHECK-NEXT: %[[A:.*]] = vit.attention_norm %[[R]] kinds [softmax, softmax, softmax] head_axis 1 : tensor<2x3x5x5xf32>
// CHECK-NEXT: vit.reshape %[[A]] : tensor<2x3x5x5xf32> -> tensor<6x5x5xf32>
func.func @attention_mha(%x: tensor<2x5x12xf32>, %q: tensor<6x5x4xf32>, %kt: tensor<6x4x5xf32>) -> tensor<6x5x5xf32> {
  %s = vit.matmul %q, %kt : (tensor<6x5x4xf32>, tensor<6x4x5xf32>) -> tensor<6x5x5xf32>
  %a = vit.softmax %s axis 2 : tensor<6x5x5xf32>
  return %a : tensor<6x5x5xf32>
}

// A softmax over logits is not attention.
// CHECK-LABEL: func.func @classifier_softmax
// CHECK: vit.softmax
func.func @classifier_softmax(%x: tensor<1x2x10xf32>, %w: tensor<1x10x10xf32>) -> tensor<1x2x10xf32> {
  %c = vit.constant dense<1.0> : tensor<1x2x10xf32>
  %s = vit.add %x, %c : (tensor<1x2x10xf32>, tensor<1x2x10xf32>) -> tensor<1x2x10xf32>
  %a = vit.softmax %s axis -1 : tensor<1x2x10xf32>
  return %a : tensor<1x2x10xf32>
}

// -----

// MatMul with a constant [K, N] + bias → linear with W [N, K] (transposed
// blob); Gemm transB (transpose of a constant [N, K]) keeps the constant.
// CHECK-LABEL: func.func @linear
// CHECK-DAG: %[[B:.*]] = vit.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>
// CHECK-DAG: %[[W:.*]] = vit.constant dense_resource<linear_w> : tensor<3x2xf32>
// CHECK-DAG: %[[WT:.*]] = vit.constant dense<{{\[\[}}1.000000e+00, 0.000000e+00, 2.000000e+00], [0.000000e+00, 1.000000e+00, 0.000000e+00]]> : tensor<2x3xf32>
// CHECK: %[[Y:.*]] = vit.linear %arg0, %[[W]], %[[B]] : (tensor<1x4x2xf32>, tensor<3x2xf32>, tensor<3xf32>) -> tensor<1x4x3xf32>
// CHECK: vit.linear %[[Y]], %[[WT]] : (tensor<1x4x3xf32>, tensor<2x3xf32>) -> tensor<1x4x2xf32>
// CHECK: linear_w: "0x04000000000080BF0000803F000000000000004000000000000040C0"
func.func @linear(%x: tensor<1x4x2xf32>) -> tensor<1x4x2xf32> {
  %w = vit.constant dense<[[-1.0, 0.0, 0.0], [1.0, 2.0, -3.0]]> : tensor<2x3xf32>
  %b = vit.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %m = vit.matmul %x, %w : (tensor<1x4x2xf32>, tensor<2x3xf32>) -> tensor<1x4x3xf32>
  %y = vit.add %b, %m : (tensor<3xf32>, tensor<1x4x3xf32>) -> tensor<1x4x3xf32>
  %w2 = vit.constant dense<[[1.0, 0.0, 2.0], [0.0, 1.0, 0.0]]> : tensor<2x3xf32>
  %t = vit.transpose %w2 perm [1, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
  %z = vit.matmul %y, %t : (tensor<1x4x3xf32>, tensor<3x2xf32>) -> tensor<1x4x2xf32>
  return %z : tensor<1x4x2xf32>
}

// -----

// Division of an activation by a scalar constant becomes a product with its
// reciprocal (nn.MultiheadAttention's q / √d_head; 1/8 is exact).
// CHECK-LABEL: func.func @div_by_scalar
// CHECK-NEXT: %[[C:.*]] = vit.constant dense<1.250000e-01> : tensor<f32>
// CHECK-NEXT: %[[M:.*]] = vit.mul %arg0, %[[C]] : (tensor<2x3x4xf32>, tensor<f32>) -> tensor<2x3x4xf32>
// CHECK-NEXT: return %[[M]]
func.func @div_by_scalar(%q: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %c = vit.constant dense<8.0> : tensor<f32>
  %s = vit.div %q, %c : (tensor<2x3x4xf32>, tensor<f32>) -> tensor<2x3x4xf32>
  return %s : tensor<2x3x4xf32>
}

// -----

// Divisions by a tensor, by an activation or by 0 are left as they are.
// CHECK-LABEL: func.func @div_kept
// CHECK: vit.div %arg0, %{{.*}} : (tensor<1x4xf32>, tensor<4xf32>)
// CHECK: vit.div %arg0, %arg1 : (tensor<1x4xf32>, tensor<1x4xf32>)
// CHECK: vit.div %arg0, %{{.*}} : (tensor<1x4xf32>, tensor<f32>)
func.func @div_kept(%x: tensor<1x4xf32>, %y: tensor<1x4xf32>) -> (tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>) {
  %t = vit.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %z = vit.constant dense<0.0> : tensor<f32>
  %a = vit.div %x, %t : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  %b = vit.div %x, %y : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %c = vit.div %x, %z : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
  return %a, %b, %c : tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>
}
