// --mpcvit-lower-to-mpc for the pieces of exported ViTs beyond the
// attention/MLP core (issue 18): pooling over tokens, LayerScale and
// per-channel affines (the server's tensor), normalisation by constants,
// tanh.
// RUN: mpcvit-opt %s --split-input-file --mpcvit-lower-to-mpc | FileCheck %s

// Mean pooling over tokens: a local sum, a public 1/N product, one
// truncation, the axis dropped by a reshape.
// CHECK-LABEL: func.func @gap
// CHECK: %[[S:.*]] = mpc.sum %{{.*}} axis 1 : !mpc.tensor<2x5x8, shared, frac 16> -> !mpc.tensor<2x1x8, shared, frac 16>
// CHECK: %[[C:.*]] = mpc.constant dense<2.000000e-01> : tensor<f32> -> !mpc.tensor<public, frac 16>
// CHECK: %[[P:.*]] = mpc.mul_public %[[S]], %[[C]] : {{.*}} -> !mpc.tensor<2x1x8, shared, frac 32>
// CHECK: %[[T:.*]] = mpc.trunc probabilistic %[[P]]
// CHECK: mpc.reshape %[[T]] : !mpc.tensor<2x1x8, shared, frac 16> -> !mpc.tensor<2x8, shared, frac 16>
func.func @gap(%x: tensor<2x5x8xf32>) -> tensor<2x8xf32> {
  %m = vit.reduce_mean %x axes [1] : tensor<2x5x8xf32> -> tensor<2x8xf32>
  return %m : tensor<2x8xf32>
}

// -----

// Sum pooling keeps the axis and needs no product.
// CHECK-LABEL: func.func @sum_pool
// CHECK: mpc.sum %{{.*}} axis 2 : !mpc.tensor<1x3x4, shared, frac 16> -> !mpc.tensor<1x3x1, shared, frac 16>
// CHECK-NOT: mpc.mul_public
func.func @sum_pool(%x: tensor<1x3x4xf32>) -> tensor<1x3x1xf32> {
  %s = vit.reduce_sum %x axes [-1] keepdims : tensor<1x3x4xf32> -> tensor<1x3x1xf32>
  return %s : tensor<1x3x1xf32>
}

// -----

// LayerScale γ ⊙ x: γ is the server's weight, one mul_sp, one truncation.
// CHECK-LABEL: func.func @layer_scale
// CHECK: %[[G:.*]] = mpc.weight "mul_0" dense<[1.000000e-01, 2.000000e-01, 3.000000e-01, 4.000000e-01]> : tensor<4xf32> -> !mpc.tensor<4, private<server>, frac 16>
// CHECK: %[[P:.*]] = mpc.mul_sp %{{.*}}, %[[G]] : (!mpc.tensor<1x3x4, shared, frac 16>, !mpc.tensor<4, private<server>, frac 16>) -> !mpc.tensor<1x3x4, shared, frac 32>
// CHECK: mpc.trunc probabilistic %[[P]]
func.func @layer_scale(%x: tensor<1x3x4xf32>) -> tensor<1x3x4xf32> {
  %g = vit.constant dense<[0.1, 0.2, 0.3, 0.4]> : tensor<4xf32>
  %y = vit.mul %g, %x : (tensor<4xf32>, tensor<1x3x4xf32>) -> tensor<1x3x4xf32>
  return %y : tensor<1x3x4xf32>
}

// -----

// (x/255 − mean)/std per channel inside the model: the division by a
// scalar is a public product, the per-channel mean a server tensor
// subtracted locally, the per-channel 1/std a server tensor product.
// CHECK-LABEL: func.func @normalise
// CHECK-DAG: %[[MEAN:.*]] = mpc.weight "add_{{[0-9]+}}" dense<{{\[\[\[\[}}5.000000e-01]], {{\[\[}}2.500000e-01]]]]> : tensor<1x2x1x1xf32>
// CHECK-DAG: %[[ISTD:.*]] = mpc.weight "div_{{[0-9]+}}" dense<{{\[\[\[\[}}4.000000e+00]], {{\[\[}}2.000000e+00]]]]> : tensor<1x2x1x1xf32>
// CHECK: %[[C:.*]] = mpc.constant dense<0.00392156886> : tensor<f32>
// CHECK: %[[P:.*]] = mpc.mul_public %{{.*}}, %[[C]]
// CHECK: %[[T:.*]] = mpc.trunc probabilistic %[[P]]
// CHECK: %[[D:.*]] = mpc.sub %[[T]], %[[MEAN]]
// CHECK: %[[Q:.*]] = mpc.mul_sp %[[D]], %[[ISTD]]
// CHECK: mpc.trunc probabilistic %[[Q]]
func.func @normalise(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %k = vit.constant dense<255.0> : tensor<f32>
  %m = vit.constant dense<[[[[0.5]], [[0.25]]]]> : tensor<1x2x1x1xf32>
  %s = vit.constant dense<[[[[0.25]], [[0.5]]]]> : tensor<1x2x1x1xf32>
  %a = vit.div %x, %k : (tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  %b = vit.sub %a, %m : (tensor<1x2x3x3xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %c = vit.div %b, %s : (tensor<1x2x3x3xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  return %c : tensor<1x2x3x3xf32>
}

// -----

// A constant minus a secret: (−1)·x with a 0-bit public integer, then the
// constant added.
// CHECK-LABEL: func.func @one_minus
// CHECK: %[[M1:.*]] = mpc.constant dense<-1.000000e+00> : tensor<f32> -> !mpc.tensor<public, frac 0>
// CHECK: %[[N:.*]] = mpc.mul_public %{{.*}}, %[[M1]] : {{.*}} -> !mpc.tensor<1x4, shared, frac 16>
// CHECK: mpc.add %[[N]], %{{.*}} : {{.*}} -> !mpc.tensor<1x4, shared, frac 16>
func.func @one_minus(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %one = vit.constant dense<1.0> : tensor<f32>
  %y = vit.sub %one, %x : (tensor<f32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// tanh (a pooler head, and sigmoid / SiLU as the importer writes them).
// CHECK-LABEL: func.func @pooler
// CHECK: mpc.tanh %{{.*}} : !mpc.tensor<1x4, shared, frac 16>
func.func @pooler(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %y = vit.tanh %x : tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}
