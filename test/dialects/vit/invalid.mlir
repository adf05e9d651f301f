// One test per verifier error of the vit dialect.
// RUN: mpcvit-opt %s --split-input-file --verify-diagnostics

func.func @constant_type_mismatch() {
  // expected-error @+1 {{failed to verify that all of {value, result} have same type}}
  %0 = "vit.constant"() <{value = dense<1.0> : tensor<2xf32>}> : () -> tensor<3xf32>
  return
}

// -----

func.func @dynamic_shape(%x: tensor<?x64xf32>) {
  // expected-error @+1 {{must be statically shaped tensor of floating-point values}}
  %0 = vit.relu %x : tensor<?x64xf32>
  return
}

// -----

func.func @linear_rank0(%x: tensor<f32>, %w: tensor<4x1xf32>) {
  // expected-error @+1 {{input must have rank >= 1}}
  %0 = vit.linear %x, %w : (tensor<f32>, tensor<4x1xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @linear_weight_rank(%x: tensor<2x8xf32>, %w: tensor<4x8x1xf32>) {
  // expected-error @+1 {{weight must be [N, K] (rank 2), got [4, 8, 1]}}
  %0 = vit.linear %x, %w : (tensor<2x8xf32>, tensor<4x8x1xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_k_mismatch(%x: tensor<2x8xf32>, %w: tensor<4x6xf32>) {
  // expected-error @+1 {{input's last dimension 8 does not match the weight's K = 6 (weight is [N, K] = [4, 6])}}
  %0 = vit.linear %x, %w : (tensor<2x8xf32>, tensor<4x6xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_bias(%x: tensor<2x8xf32>, %w: tensor<4x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{bias must be [N] = [4], got [8]}}
  %0 = vit.linear %x, %w, %b : (tensor<2x8xf32>, tensor<4x8xf32>, tensor<8xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_element_type(%x: tensor<2x8xf32>, %w: tensor<4x8xf16>) {
  // expected-error @+1 {{element types differ: 'f32' vs 'f16'}}
  %0 = vit.linear %x, %w : (tensor<2x8xf32>, tensor<4x8xf16>) -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_result(%x: tensor<2x8xf32>, %w: tensor<4x8xf32>) {
  // expected-error @+1 {{result shape [2, 8] does not match the expected [2, 4]}}
  %0 = vit.linear %x, %w : (tensor<2x8xf32>, tensor<4x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @matmul_rank(%a: tensor<8xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{operands must have rank >= 2, got [8] and [8, 4]}}
  %0 = vit.matmul %a, %b : (tensor<8xf32>, tensor<8x4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @matmul_k(%a: tensor<2x8xf32>, %b: tensor<6x4xf32>) {
  // expected-error @+1 {{contraction dimensions differ: lhs [2, 8] has K = 8, rhs [6, 4] has K = 6}}
  %0 = vit.matmul %a, %b : (tensor<2x8xf32>, tensor<6x4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @matmul_batch(%a: tensor<3x2x8xf32>, %b: tensor<4x8x4xf32>) {
  // expected-error @+1 {{batch dimensions do not broadcast: [3] vs [4]}}
  %0 = vit.matmul %a, %b : (tensor<3x2x8xf32>, tensor<4x8x4xf32>) -> tensor<3x2x4xf32>
  return
}

// -----

func.func @matmul_result(%a: tensor<3x2x8xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{result shape [2, 4] does not match the expected [3, 2, 4]}}
  %0 = vit.matmul %a, %b : (tensor<3x2x8xf32>, tensor<8x4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @add_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{operand shapes do not broadcast: [2, 3] vs [4]}}
  %0 = vit.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @mul_result(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{result shape [3] does not match the expected [2, 3]}}
  %0 = vit.mul %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @softmax_axis(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = vit.softmax %a axis 2 : tensor<2x3xf32>
  return
}

// -----

func.func @attention_rank(%s: tensor<4x4xf32>) {
  // expected-error @+1 {{attention scores must have rank >= 3}}
  %0 = vit.attention_norm %s kinds [softmax] head_axis 0 : tensor<4x4xf32>
  return
}

// -----

func.func @attention_head_axis(%s: tensor<1x4x17x17xf32>) {
  // expected-error @+1 {{head_axis 2 must be in [0, 1]: the last two axes are the rows and columns of the scores}}
  %0 = vit.attention_norm %s kinds [softmax, softmax, softmax, softmax] head_axis 2 : tensor<1x4x17x17xf32>
  return
}

// -----

func.func @attention_kind_count(%s: tensor<1x4x17x17xf32>) {
  // expected-error @+1 {{has 3 head kinds but the head axis 1 of [1, 4, 17, 17] has 4 heads}}
  %0 = vit.attention_norm %s kinds [softmax, scale, scale] head_axis 1 : tensor<1x4x17x17xf32>
  return
}

// -----

func.func @attention_unknown_kind(%s: tensor<1x2x17x17xf32>) {
  // expected-error @+1 {{unknown head kind 'sigmoid' (expected one of softmax, relu_softmax, scale, 2quad, 2relu)}}
  %0 = vit.attention_norm %s kinds [softmax, "sigmoid"] head_axis 1 : tensor<1x2x17x17xf32>
  return
}

// -----

func.func @attention_no_kinds(%s: tensor<1x2x17x17xf32>) {
  // expected-error @+1 {{head kinds must name at least one head}}
  %0 = vit.attention_norm %s kinds [] head_axis 1 : tensor<1x2x17x17xf32>
  return
}

// -----

func.func @attention_epsilon(%s: tensor<1x2x17x17xf32>) {
  // expected-error @+1 {{epsilon must be positive, got 0}}
  %0 = vit.attention_norm %s kinds [relu_softmax, scale] head_axis 1 epsilon 0.0 : tensor<1x2x17x17xf32>
  return
}

// -----

func.func @gelu_kind(%x: tensor<4xf32>) {
  // expected-error @+1 {{unknown GeLU kind 'quad' (expected erf or tanh)}}
  %0 = vit.gelu quad %x : tensor<4xf32>
  return
}

// -----

func.func @layer_norm_rank(%x: tensor<f32>, %g: tensor<1xf32>) {
  // expected-error @+1 {{input must have rank >= 1}}
  %0 = vit.layer_norm %x, %g, %g epsilon 1.0e-5 : (tensor<f32>, tensor<1xf32>, tensor<1xf32>) -> tensor<f32>
  return
}

// -----

func.func @layer_norm_gamma(%x: tensor<2x8xf32>, %g: tensor<4xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{gamma must be [8] (the last dimension of the input), got [4]}}
  %0 = vit.layer_norm %x, %g, %b epsilon 1.0e-5 : (tensor<2x8xf32>, tensor<4xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @layer_norm_beta(%x: tensor<2x8xf32>, %g: tensor<8xf32>, %b: tensor<1x8xf32>) {
  // expected-error @+1 {{beta must be [8] (the last dimension of the input), got [1, 8]}}
  %0 = vit.layer_norm %x, %g, %b epsilon 1.0e-5 : (tensor<2x8xf32>, tensor<8xf32>, tensor<1x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @layer_norm_epsilon(%x: tensor<2x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{epsilon must be positive, got 0}}
  %0 = vit.layer_norm %x, %g, %g epsilon 0.0 : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @layer_norm_element_type(%x: tensor<2x8xf32>, %g: tensor<8xf64>) {
  // expected-error @+1 {{element types differ: 'f32' vs 'f64'}}
  %0 = vit.layer_norm %x, %g, %g epsilon 1.0e-5 : (tensor<2x8xf32>, tensor<8xf64>, tensor<8xf64>) -> tensor<2x8xf32>
  return
}

// -----

func.func @layer_norm_result(%x: tensor<2x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{result type 'tensor<8x2xf32>' must equal the input type 'tensor<2x8xf32>'}}
  %0 = vit.layer_norm %x, %g, %g epsilon 1.0e-5 : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<8x2xf32>
  return
}

// -----

func.func @transpose_size(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{perm has 3 entries but the input has rank 2}}
  %0 = vit.transpose %x perm [0, 1, 2] : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @transpose_perm(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{perm [1, 1] is not a permutation of [0, 2)}}
  %0 = vit.transpose %x perm [1, 1] : tensor<2x3xf32> -> tensor<3x3xf32>
  return
}

// -----

func.func @transpose_result(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{result shape [2, 3] does not match the expected [3, 2]}}
  %0 = vit.transpose %x perm [1, 0] : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{cannot reshape [2, 3] (6 elements) to [7] (7 elements)}}
  %0 = vit.reshape %x : tensor<2x3xf32> -> tensor<7xf32>
  return
}

// -----

func.func @reshape_element_type(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{element types differ: 'f32' vs 'f16'}}
  %0 = vit.reshape %x : tensor<2x3xf32> -> tensor<6xf16>
  return
}

// -----

func.func @concat_empty() {
  // expected-error @+1 {{needs at least one input}}
  %0 = "vit.concat"() <{axis = 0 : i64}> : () -> tensor<1xf32>
  return
}

// -----

func.func @concat_axis(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{axis -3 is out of range for rank 2}}
  %0 = vit.concat %a, %a axis -3 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @concat_rank(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{input #1 has rank 1, expected 2}}
  %0 = vit.concat %a, %b axis 0 : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<3x3xf32>
  return
}

// -----

func.func @concat_dims(%a: tensor<1x1x64xf32>, %b: tensor<1x16x32xf32>) {
  // expected-error @+1 {{input #1 [1, 16, 32] differs from input #0 [1, 1, 64] outside the concatenation axis 1}}
  %0 = vit.concat %a, %b axis 1 : (tensor<1x1x64xf32>, tensor<1x16x32xf32>) -> tensor<1x17x64xf32>
  return
}

// -----

func.func @concat_result(%a: tensor<1x1x64xf32>, %b: tensor<1x16x64xf32>) {
  // expected-error @+1 {{result shape [1, 16, 64] does not match the expected [1, 17, 64]}}
  %0 = vit.concat %a, %b axis -2 : (tensor<1x1x64xf32>, tensor<1x16x64xf32>) -> tensor<1x16x64xf32>
  return
}

// -----

func.func @slice_entries(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{offsets, sizes and strides need 2 entries each (the input rank), got 1, 2, 2}}
  %0 = vit.slice %x offsets [0] sizes [1, 1] strides [1, 1] : tensor<2x3xf32> -> tensor<1x1xf32>
  return
}

// -----

func.func @slice_values(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{axis 1: need offset >= 0, size >= 1, stride >= 1, got 0, 1, 0}}
  %0 = vit.slice %x offsets [0, 0] sizes [1, 1] strides [1, 0] : tensor<2x3xf32> -> tensor<1x1xf32>
  return
}

// -----

func.func @slice_bounds(%x: tensor<1x17x64xf32>) {
  // expected-error @+1 {{axis 1: slice reads index 17 but the input dimension is 17}}
  %0 = vit.slice %x offsets [0, 1, 0] sizes [1, 17, 64] strides [1, 1, 1] : tensor<1x17x64xf32> -> tensor<1x17x64xf32>
  return
}

// -----

func.func @slice_result(%x: tensor<1x17x64xf32>) {
  // expected-error @+1 {{result shape [1, 64] does not match the expected [1, 1, 64]}}
  %0 = vit.slice %x offsets [0, 0, 0] sizes [1, 1, 64] strides [1, 1, 1] : tensor<1x17x64xf32> -> tensor<1x64xf32>
  return
}

// -----

func.func @gather_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = vit.gather %x axis 2 indices [0] : tensor<2x3xf32> -> tensor<2x1xf32>
  return
}

// -----

func.func @gather_empty(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{needs at least one index}}
  %0 = vit.gather %x axis 1 indices [] : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @gather_index(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{index 3 is out of range [0, 3) of axis 1}}
  %0 = vit.gather %x axis -1 indices [0, 3] : tensor<2x3xf32> -> tensor<2x2xf32>
  return
}

// -----

func.func @gather_result(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{result shape [2, 3] does not match the expected [2, 2]}}
  %0 = vit.gather %x axis 1 indices [0, 2] : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @conv_rank(%x: tensor<1x28x28xf32>, %w: tensor<64x1x7x7xf32>) {
  // expected-error @+1 {{input [B, C, H, W] and weight [D, C, kh, kw] must have rank 4, got [1, 28, 28] and [64, 1, 7, 7]}}
  %0 = vit.conv_patch %x, %w strides [7, 7] pads [0, 0, 0, 0] : (tensor<1x28x28xf32>, tensor<64x1x7x7xf32>) -> tensor<1x64x4x4xf32>
  return
}

// -----

func.func @conv_strides(%x: tensor<1x1x28x28xf32>, %w: tensor<64x1x7x7xf32>) {
  // expected-error @+1 {{strides must be two positive integers, got [7, 0]}}
  %0 = vit.conv_patch %x, %w strides [7, 0] pads [0, 0, 0, 0] : (tensor<1x1x28x28xf32>, tensor<64x1x7x7xf32>) -> tensor<1x64x4x4xf32>
  return
}

// -----

func.func @conv_pads(%x: tensor<1x1x28x28xf32>, %w: tensor<64x1x7x7xf32>) {
  // expected-error @+1 {{pads must be four non-negative integers [top, left, bottom, right], got [0, 0]}}
  %0 = vit.conv_patch %x, %w strides [7, 7] pads [0, 0] : (tensor<1x1x28x28xf32>, tensor<64x1x7x7xf32>) -> tensor<1x64x4x4xf32>
  return
}

// -----

func.func @conv_channels(%x: tensor<1x3x28x28xf32>, %w: tensor<64x1x7x7xf32>) {
  // expected-error @+1 {{input has 3 channels but the weight expects 1}}
  %0 = vit.conv_patch %x, %w strides [7, 7] pads [0, 0, 0, 0] : (tensor<1x3x28x28xf32>, tensor<64x1x7x7xf32>) -> tensor<1x64x4x4xf32>
  return
}

// -----

func.func @conv_bias(%x: tensor<1x1x28x28xf32>, %w: tensor<64x1x7x7xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{bias must be [64], got [32]}}
  %0 = vit.conv_patch %x, %w, %b strides [7, 7] pads [0, 0, 0, 0] : (tensor<1x1x28x28xf32>, tensor<64x1x7x7xf32>, tensor<32xf32>) -> tensor<1x64x4x4xf32>
  return
}

// -----

func.func @conv_kernel(%x: tensor<1x1x4x4xf32>, %w: tensor<64x1x7x7xf32>) {
  // expected-error @+1 {{kernel [7, 7] is larger than the padded image [4, 4]}}
  %0 = vit.conv_patch %x, %w strides [7, 7] pads [0, 0, 0, 0] : (tensor<1x1x4x4xf32>, tensor<64x1x7x7xf32>) -> tensor<1x64x1x1xf32>
  return
}

// -----

func.func @conv_element_type(%x: tensor<1x1x28x28xf32>, %w: tensor<64x1x7x7xf16>) {
  // expected-error @+1 {{element types differ: 'f32' vs 'f16'}}
  %0 = vit.conv_patch %x, %w strides [7, 7] pads [0, 0, 0, 0] : (tensor<1x1x28x28xf32>, tensor<64x1x7x7xf16>) -> tensor<1x64x4x4xf32>
  return
}

// -----

func.func @conv_result(%x: tensor<1x1x28x28xf32>, %w: tensor<64x1x7x7xf32>) {
  // expected-error @+1 {{result shape [1, 64, 16] does not match the expected [1, 64, 4, 4]}}
  %0 = vit.conv_patch %x, %w strides [7, 7] pads [0, 0, 0, 0] : (tensor<1x1x28x28xf32>, tensor<64x1x7x7xf32>) -> tensor<1x64x16xf32>
  return
}

// -----

func.func @sub_broadcast(%x: tensor<1x3xf32>, %y: tensor<1x4xf32>) {
  // expected-error @+1 {{operand shapes do not broadcast: [1, 3] vs [1, 4]}}
  %0 = vit.sub %x, %y : (tensor<1x3xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  return
}

// -----

func.func @div_result(%x: tensor<2x3xf32>, %y: tensor<f32>) {
  // expected-error @+1 {{result shape [3, 2] does not match the expected [2, 3]}}
  %0 = vit.div %x, %y : (tensor<2x3xf32>, tensor<f32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @pow_element_type(%x: tensor<2x3xf32>, %y: tensor<f64>) {
  // expected-error @+1 {{element types differ: 'f32' vs 'f64'}}
  %0 = vit.pow %x, %y : (tensor<2x3xf32>, tensor<f64>) -> tensor<2x3xf32>
  return
}

// -----

func.func @reduce_axis_range(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = vit.reduce_mean %x axes [2] : tensor<2x3xf32> -> tensor<2xf32>
  return
}

// -----

func.func @reduce_axis_twice(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{axis 1 is reduced twice}}
  %0 = vit.reduce_sum %x axes [1, -1] : tensor<2x3xf32> -> tensor<2xf32>
  return
}

// -----

func.func @reduce_result(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{result shape [2] does not match the expected [2, 1]}}
  %0 = vit.reduce_max %x axes [1] keepdims : tensor<2x3xf32> -> tensor<2xf32>
  return
}

// -----

func.func @reduce_element_type(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{element types differ: 'f32' vs 'f64'}}
  %0 = vit.reduce_mean %x axes [1] : tensor<2x3xf32> -> tensor<2xf64>
  return
}
