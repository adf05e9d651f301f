// RUN: mpcvit-opt %s --split-input-file --mpcvit-fuse-linear | FileCheck %s
// RUN: mpcvit-opt %s --split-input-file --mpcvit-fuse-linear=report=true -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT

// Two linears with nothing between: W = W2·W1, b = W2·b1 + b2.
// CHECK-LABEL: func.func @linear_pair
// CHECK-DAG: %[[W:.*]] = vit.constant dense<{{\[}}[1.000000e+00, 2.000000e+00], [4.000000e+00, 6.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: %[[B:.*]] = vit.constant dense<[1.500000e+00, 0.000000e+00]> : tensor<2xf32>
// CHECK: %[[Y:.*]] = vit.linear %arg0, %[[W]], %[[B]] : (tensor<1x3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x3x2xf32>
// CHECK-NEXT: return %[[Y]]
// MACs: 2 linears of 3 rows × 2 × 2 = 24 before, 12 after.
// REPORT: remark: mpcvit-fuse-linear: multiply-accumulates 24 -> 12; fused 1 linear pairs, folded 0 LayerNorm affines, 0 attention scales, 0 ScaleAttn normalisations; reassociated 0 attention products
func.func @linear_pair(%x: tensor<1x3x2xf32>) -> tensor<1x3x2xf32> {
  %w1 = vit.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %b1 = vit.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %w2 = vit.constant dense<[[1.0, 0.0], [1.0, 1.0]]> : tensor<2x2xf32>
  %b2 = vit.constant dense<[0.5, 0.0]> : tensor<2xf32>
  %h = vit.linear %x, %w1, %b1 : (tensor<1x3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x3x2xf32>
  %y = vit.linear %h, %w2, %b2 : (tensor<1x3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x3x2xf32>
  return %y : tensor<1x3x2xf32>
}

// -----

// An intermediate with a second user is not fused.
// CHECK-LABEL: func.func @shared_intermediate
// CHECK: %[[H:.*]] = vit.linear %arg0
// CHECK: vit.linear %[[H]]
// CHECK: vit.add
// REPORT: remark: mpcvit-fuse-linear: multiply-accumulates 24 -> 24; fused 0 linear pairs
func.func @shared_intermediate(%x: tensor<1x3x2xf32>) -> tensor<1x3x2xf32> {
  %w1 = vit.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %w2 = vit.constant dense<[[1.0, 0.0], [1.0, 1.0]]> : tensor<2x2xf32>
  %h = vit.linear %x, %w1 : (tensor<1x3x2xf32>, tensor<2x2xf32>) -> tensor<1x3x2xf32>
  %y = vit.linear %h, %w2 : (tensor<1x3x2xf32>, tensor<2x2xf32>) -> tensor<1x3x2xf32>
  %z = vit.add %y, %h : (tensor<1x3x2xf32>, tensor<1x3x2xf32>) -> tensor<1x3x2xf32>
  return %z : tensor<1x3x2xf32>
}

// -----

// LayerNorm affine into the following linear: W' = W·diag(γ), b' = W·β + b.
// CHECK-LABEL: func.func @layer_norm_affine
// CHECK-DAG: %[[ONE:.*]] = vit.constant dense<1.000000e+00> : tensor<2xf32>
// CHECK-DAG: %[[ZERO:.*]] = vit.constant dense<0.000000e+00> : tensor<2xf32>
// CHECK: %[[N:.*]] = vit.layer_norm %arg0, %[[ONE]], %[[ZERO]]
// CHECK-DAG: %[[W:.*]] = vit.constant dense<{{\[}}[2.000000e+00, 3.000000e+00], [0.000000e+00, 3.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: %[[B:.*]] = vit.constant dense<[1.000000e+00, 0.000000e+00]> : tensor<2xf32>
// CHECK: vit.linear %[[N]], %[[W]], %[[B]]
// REPORT: folded 1 LayerNorm affines
func.func @layer_norm_affine(%x: tensor<1x3x2xf32>) -> tensor<1x3x2xf32> {
  %g = vit.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %b = vit.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %w = vit.constant dense<[[1.0, 1.0], [0.0, 1.0]]> : tensor<2x2xf32>
  %n = vit.layer_norm %x, %g, %b epsilon 1.0e-5 : (tensor<1x3x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x3x2xf32>
  %y = vit.linear %n, %w : (tensor<1x3x2xf32>, tensor<2x2xf32>) -> tensor<1x3x2xf32>
  return %y : tensor<1x3x2xf32>
}

// -----

// A LayerNorm whose output also feeds a residual keeps its affine.
// CHECK-LABEL: func.func @layer_norm_residual
// CHECK: vit.layer_norm %arg0, %{{.*}}, %{{.*}} epsilon
// CHECK-NOT: dense<1.000000e+00> : tensor<2xf32>
func.func @layer_norm_residual(%x: tensor<1x3x2xf32>) -> tensor<1x3x2xf32> {
  %g = vit.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %b = vit.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %w = vit.constant dense<[[1.0, 1.0], [0.0, 1.0]]> : tensor<2x2xf32>
  %n = vit.layer_norm %x, %g, %b epsilon 1.0e-5 : (tensor<1x3x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x3x2xf32>
  %y = vit.linear %n, %w : (tensor<1x3x2xf32>, tensor<2x2xf32>) -> tensor<1x3x2xf32>
  %r = vit.add %y, %n : (tensor<1x3x2xf32>, tensor<1x3x2xf32>) -> tensor<1x3x2xf32>
  return %r : tensor<1x3x2xf32>
}

// -----

// The 1/√d scale of Q·Kᵀ goes into the q rows (0, 1) of a fused QKV
// projection; k and v rows are untouched. Softmax heads keep their norm.
// CHECK-LABEL: func.func @attention_scale
// CHECK-DAG: %[[W:.*]] = vit.constant dense<{{\[}}[5.000000e-01, 1.000000e+00], [1.500000e+00, 2.000000e+00], [5.000000e+00, 6.000000e+00], [7.000000e+00, 8.000000e+00], [9.000000e+00, 1.200000e+01], [1.500000e+01, 1.800000e+01]]> : tensor<6x2xf32>
// CHECK-DAG: %[[B:.*]] = vit.constant dense<[5.000000e-01, 1.000000e+00, 3.000000e+00, 4.000000e+00, 3.000000e+00, 6.000000e+00]> : tensor<6xf32>
// CHECK: vit.linear %arg0, %[[W]], %[[B]]
// CHECK-NOT: vit.mul
// CHECK: vit.attention_norm
// REPORT: multiply-accumulates 72 -> 72; fused 0 linear pairs, folded 0 LayerNorm affines, 1 attention scales, 0 ScaleAttn normalisations; reassociated 0 attention products
func.func @attention_scale(%x: tensor<1x3x2xf32>) -> tensor<1x3x2xf32> {
  %w = vit.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0], [9.0, 12.0], [15.0, 18.0]]> : tensor<6x2xf32>
  %b = vit.constant dense<[1.0, 2.0, 3.0, 4.0, 3.0, 6.0]> : tensor<6xf32>
  %c = vit.constant dense<0.5> : tensor<1xf32>
  %qkv = vit.linear %x, %w, %b : (tensor<1x3x2xf32>, tensor<6x2xf32>, tensor<6xf32>) -> tensor<1x3x6xf32>
  %q = vit.slice %qkv offsets [0, 0, 0] sizes [1, 3, 2] strides [1, 1, 1] : tensor<1x3x6xf32> -> tensor<1x3x2xf32>
  %k = vit.slice %qkv offsets [0, 0, 2] sizes [1, 3, 2] strides [1, 1, 1] : tensor<1x3x6xf32> -> tensor<1x3x2xf32>
  %v = vit.slice %qkv offsets [0, 0, 4] sizes [1, 3, 2] strides [1, 1, 1] : tensor<1x3x6xf32> -> tensor<1x3x2xf32>
  %kt = vit.transpose %k perm [0, 2, 1] : tensor<1x3x2xf32> -> tensor<1x2x3xf32>
  %s0 = vit.matmul %q, %kt : (tensor<1x3x2xf32>, tensor<1x2x3xf32>) -> tensor<1x3x3xf32>
  %s = vit.mul %s0, %c : (tensor<1x3x3xf32>, tensor<1xf32>) -> tensor<1x3x3xf32>
  %a = vit.attention_norm %s kinds [softmax] head_axis 0 : tensor<1x3x3xf32>
  %o = vit.matmul %a, %v : (tensor<1x3x3xf32>, tensor<1x3x2xf32>) -> tensor<1x3x2xf32>
  return %o : tensor<1x3x2xf32>
}

// -----

// All-scale heads: 1/N = 1/3 goes into the v rows (4, 5), the norm
// disappears, and Q·(Kᵀ·V) needs fewer MACs than (Q·Kᵀ)·V for N = 3 > d = 2.
// CHECK-LABEL: func.func @scale_attention
// CHECK-DAG: %[[W:.*]] = vit.constant dense<{{\[}}[5.000000e-01, 1.000000e+00], [1.500000e+00, 2.000000e+00], [5.000000e+00, 6.000000e+00], [7.000000e+00, 8.000000e+00], [3.000000e+00, 4.000000e+00], [5.000000e+00, 6.000000e+00]]> : tensor<6x2xf32>
// CHECK-DAG: %[[B:.*]] = vit.constant dense<[5.000000e-01, 1.000000e+00, 3.000000e+00, 4.000000e+00, 1.000000e+00, 2.000000e+00]> : tensor<6xf32>
// CHECK: %[[QKV:.*]] = vit.linear %arg0, %[[W]], %[[B]]
// CHECK-DAG: %[[Q:.*]] = vit.slice %[[QKV]] offsets [0, 0, 0]
// CHECK-DAG: %[[V:.*]] = vit.slice %[[QKV]] offsets [0, 0, 4]
// CHECK-DAG: %[[KT:.*]] = vit.transpose
// CHECK: %[[KTV:.*]] = vit.matmul %[[KT]], %[[V]] : (tensor<1x2x3xf32>, tensor<1x3x2xf32>) -> tensor<1x2x2xf32>
// CHECK: %[[O:.*]] = vit.matmul %[[Q]], %[[KTV]] : (tensor<1x3x2xf32>, tensor<1x2x2xf32>) -> tensor<1x3x2xf32>
// CHECK-NOT: vit.attention_norm
// CHECK: return %[[O]]
// REPORT: multiply-accumulates 72 -> 60; fused 0 linear pairs, folded 0 LayerNorm affines, 1 attention scales, 1 ScaleAttn normalisations; reassociated 1 attention products
func.func @scale_attention(%x: tensor<1x3x2xf32>) -> tensor<1x3x2xf32> {
  %w = vit.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0], [9.0, 12.0], [15.0, 18.0]]> : tensor<6x2xf32>
  %b = vit.constant dense<[1.0, 2.0, 3.0, 4.0, 3.0, 6.0]> : tensor<6xf32>
  %c = vit.constant dense<0.5> : tensor<1xf32>
  %qkv = vit.linear %x, %w, %b : (tensor<1x3x2xf32>, tensor<6x2xf32>, tensor<6xf32>) -> tensor<1x3x6xf32>
  %q = vit.slice %qkv offsets [0, 0, 0] sizes [1, 3, 2] strides [1, 1, 1] : tensor<1x3x6xf32> -> tensor<1x3x2xf32>
  %k = vit.slice %qkv offsets [0, 0, 2] sizes [1, 3, 2] strides [1, 1, 1] : tensor<1x3x6xf32> -> tensor<1x3x2xf32>
  %v = vit.slice %qkv offsets [0, 0, 4] sizes [1, 3, 2] strides [1, 1, 1] : tensor<1x3x6xf32> -> tensor<1x3x2xf32>
  %kt = vit.transpose %k perm [0, 2, 1] : tensor<1x3x2xf32> -> tensor<1x2x3xf32>
  %s0 = vit.matmul %q, %kt : (tensor<1x3x2xf32>, tensor<1x2x3xf32>) -> tensor<1x3x3xf32>
  %s = vit.mul %s0, %c : (tensor<1x3x3xf32>, tensor<1xf32>) -> tensor<1x3x3xf32>
  %a = vit.attention_norm %s kinds [scale] head_axis 0 : tensor<1x3x3xf32>
  %o = vit.matmul %a, %v : (tensor<1x3x3xf32>, tensor<1x3x2xf32>) -> tensor<1x3x2xf32>
  return %o : tensor<1x3x2xf32>
}

// -----

// The torch/timm QKV split: reshape to [B, N, 3, H, d], permute, select q,
// k and v along the first axis. Labels carried along that path find the q
// rows (0, 1) of the projection.
// CHECK-LABEL: func.func @attention_scale_permuted
// CHECK-DAG: %[[W:.*]] = vit.constant dense<{{\[}}[5.000000e-01, 1.000000e+00], [1.500000e+00, 2.000000e+00], [5.000000e+00, 6.000000e+00], [7.000000e+00, 8.000000e+00], [9.000000e+00, 1.200000e+01], [1.500000e+01, 1.800000e+01]]> : tensor<6x2xf32>
// CHECK: vit.linear %arg0, %[[W]]
// CHECK-NOT: vit.mul
// REPORT: 1 attention scales
func.func @attention_scale_permuted(%x: tensor<1x3x2xf32>) -> tensor<1x1x3x2xf32> {
  %w = vit.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0], [9.0, 12.0], [15.0, 18.0]]> : tensor<6x2xf32>
  %c = vit.constant dense<0.5> : tensor<f32>
  %qkv = vit.linear %x, %w : (tensor<1x3x2xf32>, tensor<6x2xf32>) -> tensor<1x3x6xf32>
  %r = vit.reshape %qkv : tensor<1x3x6xf32> -> tensor<1x3x3x1x2xf32>
  %p = vit.transpose %r perm [2, 0, 3, 1, 4] : tensor<1x3x3x1x2xf32> -> tensor<3x1x1x3x2xf32>
  %q0 = vit.slice %p offsets [0, 0, 0, 0, 0] sizes [1, 1, 1, 3, 2] strides [1, 1, 1, 1, 1] : tensor<3x1x1x3x2xf32> -> tensor<1x1x1x3x2xf32>
  %k0 = vit.slice %p offsets [1, 0, 0, 0, 0] sizes [1, 1, 1, 3, 2] strides [1, 1, 1, 1, 1] : tensor<3x1x1x3x2xf32> -> tensor<1x1x1x3x2xf32>
  %v0 = vit.slice %p offsets [2, 0, 0, 0, 0] sizes [1, 1, 1, 3, 2] strides [1, 1, 1, 1, 1] : tensor<3x1x1x3x2xf32> -> tensor<1x1x1x3x2xf32>
  %q = vit.reshape %q0 : tensor<1x1x1x3x2xf32> -> tensor<1x1x3x2xf32>
  %k = vit.reshape %k0 : tensor<1x1x1x3x2xf32> -> tensor<1x1x3x2xf32>
  %v = vit.reshape %v0 : tensor<1x1x1x3x2xf32> -> tensor<1x1x3x2xf32>
  %kt = vit.transpose %k perm [0, 1, 3, 2] : tensor<1x1x3x2xf32> -> tensor<1x1x2x3xf32>
  %s0 = vit.matmul %q, %kt : (tensor<1x1x3x2xf32>, tensor<1x1x2x3xf32>) -> tensor<1x1x3x3xf32>
  %s = vit.mul %s0, %c : (tensor<1x1x3x3xf32>, tensor<f32>) -> tensor<1x1x3x3xf32>
  %a = vit.attention_norm %s kinds [softmax] head_axis 1 : tensor<1x1x3x3xf32>
  %o = vit.matmul %a, %v : (tensor<1x1x3x3xf32>, tensor<1x1x3x2xf32>) -> tensor<1x1x3x2xf32>
  return %o : tensor<1x1x3x2xf32>
}

// -----

// A LayerNorm that cannot be folded (its output also feeds a residual add)
// does not stop the fold of a later one (a pre-norm block: norm1 feeds the
// MLP and the residual, the next pre_norm only the QKV linear).
// CHECK-LABEL: func.func @unfoldable_then_foldable
// CHECK: %[[G:.*]] = vit.constant dense<[2.000000e+00, 3.000000e+00]> : tensor<2xf32>
// CHECK: vit.layer_norm %arg0, %[[G]], %{{.*}} epsilon
// CHECK: vit.add
// CHECK: %[[ONE:.*]] = vit.constant dense<1.000000e+00> : tensor<2xf32>
// CHECK: %[[N2:.*]] = vit.layer_norm %{{.*}}, %[[ONE]], %{{.*}} epsilon
// CHECK: vit.linear %[[N2]]
// REPORT: folded 1 LayerNorm affines
func.func @unfoldable_then_foldable(%x: tensor<1x3x2xf32>) -> tensor<1x3x2xf32> {
  %g = vit.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %b = vit.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %w = vit.constant dense<[[1.0, 1.0], [0.0, 1.0]]> : tensor<2x2xf32>
  %n1 = vit.layer_norm %x, %g, %b epsilon 1.0e-5 : (tensor<1x3x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x3x2xf32>
  %h = vit.linear %n1, %w : (tensor<1x3x2xf32>, tensor<2x2xf32>) -> tensor<1x3x2xf32>
  %r = vit.add %h, %n1 : (tensor<1x3x2xf32>, tensor<1x3x2xf32>) -> tensor<1x3x2xf32>
  %n2 = vit.layer_norm %r, %g, %b epsilon 1.0e-5 : (tensor<1x3x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x3x2xf32>
  %y = vit.linear %n2, %w : (tensor<1x3x2xf32>, tensor<2x2xf32>) -> tensor<1x3x2xf32>
  return %y : tensor<1x3x2xf32>
}
