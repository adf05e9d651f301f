// --mpcvit-lower-to-mpc: visibility, fixed point, truncations, protocols.
// RUN: mpcvit-opt %s --mpcvit-lower-to-mpc | FileCheck %s
// RUN: mpcvit-opt %s '--mpcvit-lower-to-mpc=frac-bits=12 trunc=exact' | FileCheck %s --check-prefix=F12

// CHECK: module attributes {mpc.session = #mpc.session<ring = 64, frac_bits = 16, trunc = probabilistic, protocols = a2b>}
// F12: module attributes {mpc.session = #mpc.session<ring = 64, frac_bits = 12, trunc = exact, protocols = a2b>}

// The input is the client's, shared at once; W [2, 4] becomes the server's
// Wᵀ [4, 2]; the bias is added with 2f bits before the one truncation; the
// output is revealed to the client.
// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[X:.*]]: !mpc.tensor<1x4, private<client>, frac 16>) -> !mpc.tensor<1x2, private<client>, frac 16>
// CHECK: %[[W:.*]] = mpc.weight "w_0" dense<{{\[\[}}1.000000e+00, 5.000000e+00], [2.000000e+00, 6.000000e+00], [3.000000e+00, 7.000000e+00], [4.000000e+00, 8.000000e+00]]> : tensor<4x2xf32> -> !mpc.tensor<4x2, private<server>, frac 16>
// CHECK: %[[B:.*]] = mpc.weight "b_1" dense<[5.000000e-01, -1.000000e+00]> : tensor<2xf32> -> !mpc.tensor<2, private<server>, frac 32>
// CHECK: %[[S:.*]] = mpc.share %[[X]] : !mpc.tensor<1x4, private<client>, frac 16> -> !mpc.tensor<1x4, shared, frac 16>
// CHECK: %[[P:.*]] = mpc.mmul_sp %[[S]], %[[W]] : {{.*}} -> !mpc.tensor<1x2, shared, frac 32>
// CHECK: %[[A:.*]] = mpc.add %[[P]], %[[B]] : {{.*}} -> !mpc.tensor<1x2, shared, frac 32>
// CHECK: %[[T:.*]] = mpc.trunc probabilistic %[[A]] : !mpc.tensor<1x2, shared, frac 32> -> !mpc.tensor<1x2, shared, frac 16>
// CHECK: %[[R:.*]] = mpc.reveal %[[T]] : !mpc.tensor<1x2, shared, frac 16> -> !mpc.tensor<1x2, private<client>, frac 16>
// CHECK: return %[[R]]
// F12-LABEL: func.func @linear
// F12: mpc.mmul_sp {{.*}} -> !mpc.tensor<1x2, shared, frac 24>
// F12: mpc.trunc exact {{.*}} : !mpc.tensor<1x2, shared, frac 24> -> !mpc.tensor<1x2, shared, frac 12>
func.func @linear(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %w = vit.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]> : tensor<2x4xf32>
  %b = vit.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %y = vit.linear %x, %w, %b : (tensor<1x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// Mixed heads: each kind's heads are gathered, normalised by that kind's
// protocol only, concatenated and put back in head order.
// CHECK-LABEL: func.func @mixed_heads
// CHECK: %[[S:.*]] = mpc.share
// CHECK: %[[G0:.*]] = mpc.gather %[[S]] axis 1 indices [0, 3] : !mpc.tensor<1x4x5x5, shared, frac 16> -> !mpc.tensor<1x2x5x5, shared, frac 16>
// CHECK: %[[N0:.*]] = mpc.relu_softmax %[[G0]] axis 3 epsilon {{.*}} {mpcvit.attention_norm = {cols = 5 : i64, heads = 4 : i64, id = 0 : i64, kinds = ["relu_softmax", "scale", "2quad", "relu_softmax"], rows = 5 : i64}} : !mpc.tensor<1x2x5x5, shared, frac 16>
// CHECK: %[[G1:.*]] = mpc.gather %[[S]] axis 1 indices [1] : {{.*}} -> !mpc.tensor<1x1x5x5, shared, frac 16>
// CHECK: %[[C:.*]] = mpc.constant dense<2.000000e-01> : tensor<f32> -> !mpc.tensor<public, frac 16>
// CHECK: %[[M:.*]] = mpc.mul_public %[[G1]], %[[C]] {mpcvit.attention_norm = {{.*}}id = 0 : i64{{.*}}} : {{.*}} -> !mpc.tensor<1x1x5x5, shared, frac 32>
// CHECK: %[[N1:.*]] = mpc.trunc probabilistic %[[M]]
// CHECK: %[[G2:.*]] = mpc.gather %[[S]] axis 1 indices [2] : {{.*}} -> !mpc.tensor<1x1x5x5, shared, frac 16>
// CHECK: %[[N2:.*]] = mpc.two_quad %[[G2]] axis 3 {{.*}}: !mpc.tensor<1x1x5x5, shared, frac 16>
// CHECK: %[[CAT:.*]] = mpc.concat %[[N0]], %[[N1]], %[[N2]] axis 1 : {{.*}} -> !mpc.tensor<1x4x5x5, shared, frac 16>
// CHECK: %[[O:.*]] = mpc.gather %[[CAT]] axis 1 indices [0, 2, 3, 1] : !mpc.tensor<1x4x5x5, shared, frac 16> -> !mpc.tensor<1x4x5x5, shared, frac 16>
// CHECK: mpc.reveal %[[O]]
// CHECK-NOT: mpc.softmax
func.func @mixed_heads(%s: tensor<1x4x5x5xf32>) -> tensor<1x4x5x5xf32> {
  %a = vit.attention_norm %s kinds [relu_softmax, scale, "2quad", relu_softmax] head_axis 1 : tensor<1x4x5x5xf32>
  return %a : tensor<1x4x5x5xf32>
}

// One kind for every head: no gather.
// CHECK-LABEL: func.func @uniform_heads
// CHECK-NOT: mpc.gather
// CHECK: mpc.softmax %{{.*}} axis 3 {{.*}}: !mpc.tensor<1x2x5x5, shared, frac 16>
// CHECK: mpc.two_relu %{{.*}} axis 3 {{.*}}: !mpc.tensor<1x2x5x5, shared, frac 16>
func.func @uniform_heads(%s: tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32> {
  %a = vit.attention_norm %s kinds [softmax, softmax] head_axis 1 : tensor<1x2x5x5xf32>
  %b = vit.attention_norm %a kinds ["2relu", "2relu"] head_axis 1 : tensor<1x2x5x5xf32>
  return %b : tensor<1x2x5x5xf32>
}

// Q·Kᵀ is a secret × secret product; the public attention scale is a
// public product; each is truncated once.
// CHECK-LABEL: func.func @attention_scores
// CHECK: %[[P:.*]] = mpc.mmul_ss %{{.*}}, %{{.*}} : (!mpc.tensor<1x2x5x4, shared, frac 16>, !mpc.tensor<1x2x4x5, shared, frac 16>) -> !mpc.tensor<1x2x5x5, shared, frac 32>
// CHECK: %[[T:.*]] = mpc.trunc probabilistic %[[P]]
// CHECK: %[[C:.*]] = mpc.constant dense<5.000000e-01> : tensor<f32> -> !mpc.tensor<public, frac 16>
// CHECK: mpc.mul_public %[[T]], %[[C]] : {{.*}} -> !mpc.tensor<1x2x5x5, shared, frac 32>
// CHECK: mpc.trunc probabilistic
func.func @attention_scores(%q: tensor<1x2x5x4xf32>, %k: tensor<1x2x4x5xf32>) -> tensor<1x2x5x5xf32> {
  %s0 = vit.matmul %q, %k : (tensor<1x2x5x4xf32>, tensor<1x2x4x5xf32>) -> tensor<1x2x5x5xf32>
  %c = vit.constant dense<0.5> : tensor<1xf32>
  %s = vit.mul %s0, %c : (tensor<1x2x5x5xf32>, tensor<1xf32>) -> tensor<1x2x5x5xf32>
  return %s : tensor<1x2x5x5xf32>
}

// Quad GeLU: one square and one truncation after a·x² + b·x + c.
// CHECK-LABEL: func.func @quad
// CHECK: %[[SQ:.*]] = mpc.square %[[X:.*]] : !mpc.tensor<1x8, shared, frac 16> -> !mpc.tensor<1x8, shared, frac 32>
// CHECK: %[[T:.*]] = mpc.trunc probabilistic %[[SQ]]
// CHECK: %[[A:.*]] = mpc.mul_public %[[T]], %{{.*}} -> !mpc.tensor<1x8, shared, frac 32>
// CHECK: %[[B:.*]] = mpc.mul_public %[[X]], %{{.*}} -> !mpc.tensor<1x8, shared, frac 32>
// CHECK: %[[S:.*]] = mpc.add %[[A]], %[[B]]
// CHECK: %[[C:.*]] = mpc.constant dense<5.000000e-01> : tensor<f32> -> !mpc.tensor<public, frac 32>
// CHECK: %[[S2:.*]] = mpc.add %[[S]], %[[C]]
// CHECK: mpc.trunc probabilistic %[[S2]] : !mpc.tensor<1x8, shared, frac 32> -> !mpc.tensor<1x8, shared, frac 16>
// CHECK-NOT: mpc.trunc
// CHECK: return
func.func @quad(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %y = vit.quad %x coeffs(0.125, 0.25, 0.5) : tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}

// Patch embedding: im2col (local), then mmul_sp with the kernel as
// [C·kh·kw, D]; GeLU, LayerNorm (weights shared between uses), class token
// concatenated as a shared server weight.
// CHECK-LABEL: func.func @embed
// CHECK-DAG: %[[G:.*]] = mpc.weight "ln_gamma_{{[0-9]+}}" dense<1.000000e+00> : tensor<4xf32> -> !mpc.tensor<4, private<server>, frac 16>
// CHECK-DAG: %[[CLS:.*]] = mpc.weight "const_{{[0-9]+}}" dense<1.000000e-01> : tensor<1x1x4xf32> -> !mpc.tensor<1x1x4, private<server>, frac 16>
// CHECK: mpc.im2col %{{.*}} kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] : !mpc.tensor<1x1x4x4, shared, frac 16> -> !mpc.tensor<1x4x4, shared, frac 16>
// CHECK: mpc.mmul_sp {{.*}} -> !mpc.tensor<1x4x4, shared, frac 32>
// CHECK: mpc.transpose %{{.*}} perm [0, 2, 1] : !mpc.tensor<1x4x4, shared, frac 16> -> !mpc.tensor<1x4x4, shared, frac 16>
// CHECK: mpc.reshape %{{.*}} : !mpc.tensor<1x4x4, shared, frac 16> -> !mpc.tensor<1x4x2x2, shared, frac 16>
// CHECK: %[[CS:.*]] = mpc.share %[[CLS]]
// CHECK: mpc.concat %[[CS]], %{{.*}} axis 1 : (!mpc.tensor<1x1x4, shared, frac 16>, !mpc.tensor<1x4x4, shared, frac 16>) -> !mpc.tensor<1x5x4, shared, frac 16>
// γ ≡ 1 (as after --mpcvit-fuse-linear folded it): no product with γ.
// CHECK: mpc.layer_norm %{{.*}}, %[[G]], %{{.*}} epsilon 1.000000e-05 {unit_gamma}
// CHECK: mpc.gelu %{{.*}} : !mpc.tensor<1x5x4, shared, frac 16>
// CHECK: mpc.layer_norm %{{.*}}, %[[G]], %{{.*}} epsilon 1.000000e-05 {unit_gamma}
func.func @embed(%img: tensor<1x1x4x4xf32>) -> tensor<1x5x4xf32> {
  %w = vit.constant dense<0.5> : tensor<4x1x2x2xf32>
  %b = vit.constant dense<0.0> : tensor<4xf32>
  %p = vit.conv_patch %img, %w, %b strides [2, 2] pads [0, 0, 0, 0] : (tensor<1x1x4x4xf32>, tensor<4x1x2x2xf32>, tensor<4xf32>) -> tensor<1x4x2x2xf32>
  %r = vit.reshape %p : tensor<1x4x2x2xf32> -> tensor<1x4x4xf32>
  %t = vit.transpose %r perm [0, 2, 1] : tensor<1x4x4xf32> -> tensor<1x4x4xf32>
  %cls = vit.constant dense<0.1> : tensor<1x1x4xf32>
  %tok = vit.concat %cls, %t axis 1 : (tensor<1x1x4xf32>, tensor<1x4x4xf32>) -> tensor<1x5x4xf32>
  %g = vit.constant dense<1.0> : tensor<4xf32>
  %be = vit.constant dense<0.0> : tensor<4xf32>
  %n = vit.layer_norm %tok, %g, %be epsilon 1.0e-5 : (tensor<1x5x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x5x4xf32>
  %h = vit.gelu erf %n : tensor<1x5x4xf32>
  %n2 = vit.layer_norm %h, %g, %be epsilon 1.0e-5 : (tensor<1x5x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x5x4xf32>
  return %n2 : tensor<1x5x4xf32>
}

// A γ that is not all ones keeps the product.
// CHECK-LABEL: func.func @layer_norm_gamma
// CHECK: mpc.layer_norm %{{.*}} epsilon 1.000000e-05 :
func.func @layer_norm_gamma(%x: tensor<1x5x4xf32>) -> tensor<1x5x4xf32> {
  %g = vit.constant dense<[1.0, 2.0, 1.0, 1.0]> : tensor<4xf32>
  %be = vit.constant dense<0.0> : tensor<4xf32>
  %n = vit.layer_norm %x, %g, %be epsilon 1.0e-5 : (tensor<1x5x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x5x4xf32>
  return %n : tensor<1x5x4xf32>
}

// Token groups (MPCViT+): gather, relu and slice are local or fused.
// CHECK-LABEL: func.func @tokens
// CHECK: mpc.gather %{{.*}} axis 1 indices [0, 2] : !mpc.tensor<1x3x4, shared, frac 16> -> !mpc.tensor<1x2x4, shared, frac 16>
// CHECK: mpc.relu %{{.*}} : !mpc.tensor<1x2x4, shared, frac 16>
// CHECK: mpc.slice %{{.*}} offsets [0, 0, 0] sizes [1, 1, 4] strides [1, 1, 1]
func.func @tokens(%x: tensor<1x3x4xf32>) -> tensor<1x1x4xf32> {
  %g = vit.gather %x axis 1 indices [0, 2] : tensor<1x3x4xf32> -> tensor<1x2x4xf32>
  %r = vit.relu %g : tensor<1x2x4xf32>
  %s = vit.slice %r offsets [0, 0, 0] sizes [1, 1, 4] strides [1, 1, 1] : tensor<1x2x4xf32> -> tensor<1x1x4xf32>
  return %s : tensor<1x1x4xf32>
}
