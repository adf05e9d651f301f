// Errors of --mpcvit-lower-to-mpc name the op and what was expected.
// RUN: mpcvit-opt %s --split-input-file --verify-diagnostics --mpcvit-lower-to-mpc

func.func @unraised(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  // expected-error @+1 {{'vit.erf' op has no private (2PC) lowering; primitive ops must be raised first (--mpcvit-raise-patterns)}}
  %d = vit.erf %x : tensor<1x4xf32>
  return %d : tensor<1x4xf32>
}

// -----

// A server tensor multiplies a secret elementwise only when it broadcasts
// to the secret's shape (it may not grow it).
func.func @weight_mul(%x: tensor<1x4xf32>) -> tensor<2x4xf32> {
  %c = vit.constant dense<[[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]]> : tensor<2x4xf32>
  // expected-error @+1 {{'vit.mul' op constant of shape [2, 4] does not broadcast to the secret operand [1, 4]}}
  %y = vit.mul %x, %c : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// A division --mpcvit-raise-patterns leaves: by a secret, or by 0.
func.func @div_by_secret(%x: tensor<1x4xf32>, %y: tensor<1x4xf32>) -> tensor<1x4xf32> {
  // expected-error @+1 {{'vit.div' op division by a secret value has no private lowering (expected a constant divisor, e.g. 255 or a per-channel std)}}
  %q = vit.div %x, %y : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  return %q : tensor<1x4xf32>
}

// -----

func.func @div_by_zero(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %c = vit.constant dense<0.0> : tensor<f32>
  // expected-error @+1 {{'vit.div' op division by a constant 0}}
  %y = vit.div %x, %c : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

func.func @secret_weight(%x: tensor<1x4xf32>, %w: tensor<2x4xf32>) -> tensor<1x2xf32> {
  // expected-error @+1 {{weight and bias must be constants (the server's weights)}}
  %y = vit.linear %x, %w : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

func.func @softmax_axis(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{softmax over axis 0 has no private lowering (expected the last axis)}}
  %y = vit.softmax %x axis 0 : tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// -----

func.func @broadcast_matmul(%x: tensor<2x3x4xf32>, %y: tensor<1x4x5xf32>) -> tensor<2x3x5xf32> {
  // expected-error @+1 {{secret × secret matmul needs equal batch dimensions}}
  %z = vit.matmul %x, %y : (tensor<2x3x4xf32>, tensor<1x4x5xf32>) -> tensor<2x3x5xf32>
  return %z : tensor<2x3x5xf32>
}
