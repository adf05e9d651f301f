// One test per verifier error of the mpc dialect (types, visibility and
// fixed-point rules).
// RUN: mpcvit-opt %s --split-input-file --verify-diagnostics

// expected-error @+1 {{fractional bits 64 must be below the ring size 64}}
func.func @frac_too_large(%x: !mpc.tensor<4, shared, frac 64>) {
  return
}

// -----

// expected-error @+1 {{unknown visibility 'secret' (expected public, shared, private<server> or private<client>)}}
func.func @bad_visibility(%x: !mpc.tensor<4, secret, frac 16>) {
  return
}

// -----

// expected-error @+1 {{unknown party 'dealer' (expected server or client)}}
func.func @bad_party(%x: !mpc.tensor<4, private<dealer>, frac 16>) {
  return
}

// -----

// expected-error @+1 {{mpc tensor dimensions must be static and positive, got 0}}
func.func @zero_dim(%x: !mpc.tensor<0x4, shared, frac 16>) {
  return
}

// -----

func.func @constant_not_public() {
  // expected-error @+1 {{constants are public, got result visibility shared}}
  %0 = mpc.constant dense<1.0> : tensor<2xf32> -> !mpc.tensor<2, shared, frac 16>
  return
}

// -----

func.func @constant_shape() {
  // expected-error @+1 {{value shape must equal the result shape [3]}}
  %0 = mpc.constant dense<1.0> : tensor<2xf32> -> !mpc.tensor<3, public, frac 16>
  return
}

// -----

func.func @constant_element_type() {
  // expected-error @+1 {{value must hold floats or integers}}
  %0 = mpc.constant dense<(1.0, 2.0)> : tensor<1xcomplex<f32>> -> !mpc.tensor<1, public, frac 16>
  return
}

// -----

func.func @share_not_private(%x: !mpc.tensor<4, public, frac 16>) {
  // expected-error @+1 {{shares a party's private value, got public}}
  %0 = mpc.share %x : !mpc.tensor<4, public, frac 16> -> !mpc.tensor<4, shared, frac 16>
  return
}

// -----

func.func @share_result(%x: !mpc.tensor<4, private<client>, frac 16>) {
  // expected-error @+1 {{result must be shared, got private<server>}}
  %0 = mpc.share %x : !mpc.tensor<4, private<client>, frac 16> -> !mpc.tensor<4, private<server>, frac 16>
  return
}

// -----

func.func @share_changes_format(%x: !mpc.tensor<4, private<client>, frac 16>) {
  // expected-error @+1 {{shape and fractional bits must be unchanged}}
  %0 = mpc.share %x : !mpc.tensor<4, private<client>, frac 16> -> !mpc.tensor<4, shared, frac 12>
  return
}

// -----

func.func @reveal_not_shared(%x: !mpc.tensor<4, private<server>, frac 16>) {
  // expected-error @+1 {{reveals a shared value, got private<server>}}
  %0 = mpc.reveal %x : !mpc.tensor<4, private<server>, frac 16> -> !mpc.tensor<4, private<client>, frac 16>
  return
}

// -----

func.func @reveal_result(%x: !mpc.tensor<4, shared, frac 16>) {
  // expected-error @+1 {{result must be private to the receiving party, got public}}
  %0 = mpc.reveal %x : !mpc.tensor<4, shared, frac 16> -> !mpc.tensor<4, public, frac 16>
  return
}

// -----

func.func @reveal_changes_shape(%x: !mpc.tensor<4, shared, frac 16>) {
  // expected-error @+1 {{shape and fractional bits must be unchanged}}
  %0 = mpc.reveal %x : !mpc.tensor<4, shared, frac 16> -> !mpc.tensor<2x2, private<client>, frac 16>
  return
}

// -----

func.func @add_formats(%x: !mpc.tensor<4, shared, frac 32>, %y: !mpc.tensor<4, shared, frac 16>) {
  // expected-error @+1 {{fixed-point formats differ: lhs has 32 fractional bits, rhs 16; insert mpc.trunc to align them}}
  %0 = mpc.add %x, %y : (!mpc.tensor<4, shared, frac 32>, !mpc.tensor<4, shared, frac 16>) -> !mpc.tensor<4, shared, frac 16>
  return
}

// -----

func.func @add_broadcast(%x: !mpc.tensor<4, shared, frac 16>, %y: !mpc.tensor<3, shared, frac 16>) {
  // expected-error @+1 {{operand shapes do not broadcast: [4] vs [3]}}
  %0 = mpc.add %x, %y : (!mpc.tensor<4, shared, frac 16>, !mpc.tensor<3, shared, frac 16>) -> !mpc.tensor<4, shared, frac 16>
  return
}

// -----

func.func @add_two_parties(%x: !mpc.tensor<4, private<server>, frac 16>, %y: !mpc.tensor<4, private<client>, frac 16>) {
  // expected-error @+1 {{cannot combine private<server> and private<client> locally: share both first}}
  %0 = mpc.add %x, %y : (!mpc.tensor<4, private<server>, frac 16>, !mpc.tensor<4, private<client>, frac 16>) -> !mpc.tensor<4, shared, frac 16>
  return
}

// -----

func.func @add_result_shape(%x: !mpc.tensor<2x4, shared, frac 16>, %y: !mpc.tensor<4, shared, frac 16>) {
  // expected-error @+1 {{result shape [4] does not match the expected [2, 4]}}
  %0 = mpc.add %x, %y : (!mpc.tensor<2x4, shared, frac 16>, !mpc.tensor<4, shared, frac 16>) -> !mpc.tensor<4, shared, frac 16>
  return
}

// -----

func.func @sub_result_visibility(%x: !mpc.tensor<4, shared, frac 16>, %y: !mpc.tensor<4, public, frac 16>) {
  // expected-error @+1 {{result visibility public should be shared}}
  %0 = mpc.sub %x, %y : (!mpc.tensor<4, shared, frac 16>, !mpc.tensor<4, public, frac 16>) -> !mpc.tensor<4, public, frac 16>
  return
}

// -----

func.func @sub_result_frac(%x: !mpc.tensor<4, shared, frac 16>, %y: !mpc.tensor<4, shared, frac 16>) {
  // expected-error @+1 {{result has 32 fractional bits, expected 16 (sums keep the operands' format)}}
  %0 = mpc.sub %x, %y : (!mpc.tensor<4, shared, frac 16>, !mpc.tensor<4, shared, frac 16>) -> !mpc.tensor<4, shared, frac 32>
  return
}

// -----

func.func @mul_public_rhs(%x: !mpc.tensor<4, shared, frac 16>, %y: !mpc.tensor<4, shared, frac 16>) {
  // expected-error @+1 {{rhs must be public, got shared}}
  %0 = mpc.mul_public %x, %y : (!mpc.tensor<4, shared, frac 16>, !mpc.tensor<4, shared, frac 16>) -> !mpc.tensor<4, shared, frac 32>
  return
}

// -----

func.func @mul_public_frac(%x: !mpc.tensor<4, shared, frac 16>, %c: !mpc.tensor<1, public, frac 8>) {
  // expected-error @+1 {{result has 16 fractional bits, expected 24 (a product adds the operands' fractional bits)}}
  %0 = mpc.mul_public %x, %c : (!mpc.tensor<4, shared, frac 16>, !mpc.tensor<1, public, frac 8>) -> !mpc.tensor<4, shared, frac 16>
  return
}

// -----

func.func @mul_ss_public(%x: !mpc.tensor<4, shared, frac 16>, %y: !mpc.tensor<4, public, frac 16>) {
  // expected-error @+1 {{rhs must be shared, got public}}
  %0 = mpc.mul_ss %x, %y : (!mpc.tensor<4, shared, frac 16>, !mpc.tensor<4, public, frac 16>) -> !mpc.tensor<4, shared, frac 32>
  return
}

// -----

func.func @mul_ss_shapes(%x: !mpc.tensor<4, shared, frac 16>, %y: !mpc.tensor<1, shared, frac 16>) {
  // expected-error @+1 {{operands must have the same shape, got [4] and [1]}}
  %0 = mpc.mul_ss %x, %y : (!mpc.tensor<4, shared, frac 16>, !mpc.tensor<1, shared, frac 16>) -> !mpc.tensor<4, shared, frac 32>
  return
}

// -----

func.func @mul_ss_frac(%x: !mpc.tensor<4, shared, frac 16>, %y: !mpc.tensor<4, shared, frac 16>) {
  // expected-error @+1 {{result has 16 fractional bits, expected 32 (a product adds the operands' fractional bits)}}
  %0 = mpc.mul_ss %x, %y : (!mpc.tensor<4, shared, frac 16>, !mpc.tensor<4, shared, frac 16>) -> !mpc.tensor<4, shared, frac 16>
  return
}

// -----

func.func @square_frac(%x: !mpc.tensor<4, shared, frac 16>) {
  // expected-error @+1 {{result has 16 fractional bits, expected 32 (a square doubles the fractional bits)}}
  %0 = mpc.square %x : !mpc.tensor<4, shared, frac 16> -> !mpc.tensor<4, shared, frac 16>
  return
}

// -----

func.func @mmul_ss_rank(%x: !mpc.tensor<4, shared, frac 16>, %y: !mpc.tensor<4x2, shared, frac 16>) {
  // expected-error @+1 {{operands must have the same rank >= 2, got [4] and [4, 2]}}
  %0 = mpc.mmul_ss %x, %y : (!mpc.tensor<4, shared, frac 16>, !mpc.tensor<4x2, shared, frac 16>) -> !mpc.tensor<2, shared, frac 32>
  return
}

// -----

func.func @mmul_ss_batch(%x: !mpc.tensor<2x3x4, shared, frac 16>, %y: !mpc.tensor<3x4x5, shared, frac 16>) {
  // expected-error @+1 {{batch dimensions differ: [2] vs [3]}}
  %0 = mpc.mmul_ss %x, %y : (!mpc.tensor<2x3x4, shared, frac 16>, !mpc.tensor<3x4x5, shared, frac 16>) -> !mpc.tensor<2x3x5, shared, frac 32>
  return
}

// -----

func.func @mmul_ss_k(%x: !mpc.tensor<3x4, shared, frac 16>, %y: !mpc.tensor<5x5, shared, frac 16>) {
  // expected-error @+1 {{contraction dimensions differ: lhs [3, 4] has K = 4, rhs [5, 5] has K = 5}}
  %0 = mpc.mmul_ss %x, %y : (!mpc.tensor<3x4, shared, frac 16>, !mpc.tensor<5x5, shared, frac 16>) -> !mpc.tensor<3x5, shared, frac 32>
  return
}

// -----

func.func @mmul_ss_result(%x: !mpc.tensor<3x4, shared, frac 16>, %y: !mpc.tensor<4x5, shared, frac 16>) {
  // expected-error @+1 {{result shape [5, 3] does not match the expected [3, 5]}}
  %0 = mpc.mmul_ss %x, %y : (!mpc.tensor<3x4, shared, frac 16>, !mpc.tensor<4x5, shared, frac 16>) -> !mpc.tensor<5x3, shared, frac 32>
  return
}

// -----

func.func @mmul_sp_weight_rank(%x: !mpc.tensor<3x4, shared, frac 16>, %w: !mpc.tensor<4, private<server>, frac 16>) {
  // expected-error @+1 {{expects X [..., K] and W [K, N], got [3, 4] and [4]}}
  %0 = mpc.mmul_sp %x, %w : (!mpc.tensor<3x4, shared, frac 16>, !mpc.tensor<4, private<server>, frac 16>) -> !mpc.tensor<3, shared, frac 32>
  return
}

// -----

func.func @mmul_sp_k(%x: !mpc.tensor<3x4, shared, frac 16>, %w: !mpc.tensor<5x6, private<server>, frac 16>) {
  // expected-error @+1 {{contraction dimensions differ: X [3, 4] has K = 4, W [5, 6] has K = 5}}
  %0 = mpc.mmul_sp %x, %w : (!mpc.tensor<3x4, shared, frac 16>, !mpc.tensor<5x6, private<server>, frac 16>) -> !mpc.tensor<3x6, shared, frac 32>
  return
}

// -----

func.func @mmul_sp_shared_weights(%x: !mpc.tensor<3x4, shared, frac 16>, %w: !mpc.tensor<4x6, shared, frac 16>) {
  // expected-error @+1 {{rhs must be private<server> (the server's weights), got shared}}
  %0 = mpc.mmul_sp %x, %w : (!mpc.tensor<3x4, shared, frac 16>, !mpc.tensor<4x6, shared, frac 16>) -> !mpc.tensor<3x6, shared, frac 32>
  return
}

// -----

func.func @mmul_sp_frac(%x: !mpc.tensor<3x4, shared, frac 16>, %w: !mpc.tensor<4x6, private<server>, frac 16>) {
  // expected-error @+1 {{result has 16 fractional bits, expected 32 (a product adds the operands' fractional bits)}}
  %0 = mpc.mmul_sp %x, %w : (!mpc.tensor<3x4, shared, frac 16>, !mpc.tensor<4x6, private<server>, frac 16>) -> !mpc.tensor<3x6, shared, frac 16>
  return
}

// -----

func.func @mmul_sp_result(%x: !mpc.tensor<3x4, shared, frac 16>, %w: !mpc.tensor<4x6, private<server>, frac 16>) {
  // expected-error @+1 {{result shape [3, 4] does not match the expected [3, 6]}}
  %0 = mpc.mmul_sp %x, %w : (!mpc.tensor<3x4, shared, frac 16>, !mpc.tensor<4x6, private<server>, frac 16>) -> !mpc.tensor<3x4, shared, frac 32>
  return
}

// -----

func.func @trunc_up(%x: !mpc.tensor<4, shared, frac 16>) {
  // expected-error @+1 {{must lower the fractional bits, got 16 -> 16}}
  %0 = mpc.trunc probabilistic %x : !mpc.tensor<4, shared, frac 16> -> !mpc.tensor<4, shared, frac 16>
  return
}

// -----

func.func @trunc_kind(%x: !mpc.tensor<4, shared, frac 32>) {
  // expected-error @+1 {{unknown truncation kind 'dealer' (expected probabilistic or exact)}}
  %0 = mpc.trunc dealer %x : !mpc.tensor<4, shared, frac 32> -> !mpc.tensor<4, shared, frac 16>
  return
}

// -----

func.func @trunc_public(%x: !mpc.tensor<4, public, frac 32>) {
  // expected-error @+1 {{input must be shared, got public}}
  %0 = mpc.trunc probabilistic %x : !mpc.tensor<4, public, frac 32> -> !mpc.tensor<4, shared, frac 16>
  return
}

// -----

func.func @relu_public(%x: !mpc.tensor<4, public, frac 16>) {
  // expected-error @+1 {{operand #0 must be shared mpc tensor, but got '!mpc.tensor<4, public, frac 16>'}}
  %0 = mpc.relu %x : !mpc.tensor<4, public, frac 16>
  return
}

// -----

func.func @gelu_public(%x: !mpc.tensor<4, public, frac 16>) {
  // expected-error @+1 {{operand #0 must be shared mpc tensor, but got '!mpc.tensor<4, public, frac 16>'}}
  %0 = mpc.gelu %x : !mpc.tensor<4, public, frac 16>
  return
}

// -----

func.func @softmax_axis(%x: !mpc.tensor<4x8, shared, frac 16>) {
  // expected-error @+1 {{normalises the last axis only: axis must be 1, got 0}}
  %0 = mpc.softmax %x axis 0 : !mpc.tensor<4x8, shared, frac 16>
  return
}

// -----

func.func @relu_softmax_epsilon(%x: !mpc.tensor<4x8, shared, frac 16>) {
  // expected-error @+1 {{epsilon must be positive, got -1}}
  %0 = mpc.relu_softmax %x axis 1 epsilon -1.0 : !mpc.tensor<4x8, shared, frac 16>
  return
}

// -----

func.func @layer_norm_gamma_shared(%x: !mpc.tensor<4x8, shared, frac 16>, %g: !mpc.tensor<8, shared, frac 16>, %b: !mpc.tensor<8, private<server>, frac 16>) {
  // expected-error @+1 {{gamma must be private<server> (the server's weights), got shared}}
  %0 = mpc.layer_norm %x, %g, %b epsilon 1.0e-5 : (!mpc.tensor<4x8, shared, frac 16>, !mpc.tensor<8, shared, frac 16>, !mpc.tensor<8, private<server>, frac 16>) -> !mpc.tensor<4x8, shared, frac 16>
  return
}

// -----

func.func @layer_norm_shape(%x: !mpc.tensor<4x8, shared, frac 16>, %g: !mpc.tensor<8, private<server>, frac 16>, %b: !mpc.tensor<4, private<server>, frac 16>) {
  // expected-error @+1 {{beta must be [8], got [4]}}
  %0 = mpc.layer_norm %x, %g, %b epsilon 1.0e-5 : (!mpc.tensor<4x8, shared, frac 16>, !mpc.tensor<8, private<server>, frac 16>, !mpc.tensor<4, private<server>, frac 16>) -> !mpc.tensor<4x8, shared, frac 16>
  return
}

// -----

func.func @layer_norm_frac(%x: !mpc.tensor<4x8, shared, frac 16>, %g: !mpc.tensor<8, private<server>, frac 12>) {
  // expected-error @+1 {{gamma has 12 fractional bits, the input 16}}
  %0 = mpc.layer_norm %x, %g, %g epsilon 1.0e-5 : (!mpc.tensor<4x8, shared, frac 16>, !mpc.tensor<8, private<server>, frac 12>, !mpc.tensor<8, private<server>, frac 12>) -> !mpc.tensor<4x8, shared, frac 16>
  return
}

// -----

func.func @layer_norm_epsilon(%x: !mpc.tensor<4x8, shared, frac 16>, %g: !mpc.tensor<8, private<server>, frac 16>) {
  // expected-error @+1 {{epsilon must be positive, got 0}}
  %0 = mpc.layer_norm %x, %g, %g epsilon 0.0 : (!mpc.tensor<4x8, shared, frac 16>, !mpc.tensor<8, private<server>, frac 16>, !mpc.tensor<8, private<server>, frac 16>) -> !mpc.tensor<4x8, shared, frac 16>
  return
}

// -----

func.func @layer_norm_result(%x: !mpc.tensor<4x8, shared, frac 16>, %g: !mpc.tensor<8, private<server>, frac 16>) {
  // expected-error @+1 {{result type '!mpc.tensor<4x8, shared, frac 12>' must equal the input type '!mpc.tensor<4x8, shared, frac 16>'}}
  %0 = mpc.layer_norm %x, %g, %g epsilon 1.0e-5 : (!mpc.tensor<4x8, shared, frac 16>, !mpc.tensor<8, private<server>, frac 16>, !mpc.tensor<8, private<server>, frac 16>) -> !mpc.tensor<4x8, shared, frac 12>
  return
}

// -----

func.func @weight_public() {
  // expected-error @+1 {{weights are private<server>, got public}}
  %w = mpc.weight "w" dense<1.0> : tensor<2xf32> -> !mpc.tensor<2, public, frac 16>
  return
}

// -----

func.func @weight_shape() {
  // expected-error @+1 {{value shape must equal the result shape [3]}}
  %w = mpc.weight "w" dense<1.0> : tensor<2xf32> -> !mpc.tensor<3, private<server>, frac 16>
  return
}

// -----

func.func @weight_int() {
  // expected-error @+1 {{value must hold floats}}
  %w = mpc.weight "w" dense<1> : tensor<2xi32> -> !mpc.tensor<2, private<server>, frac 16>
  return
}

// -----

func.func @weight_noname() {
  // expected-error @+1 {{needs a non-empty name}}
  %w = mpc.weight "" dense<1.0> : tensor<2xf32> -> !mpc.tensor<2, private<server>, frac 16>
  return
}

// -----

func.func @reshape_count(%x: !mpc.tensor<4x4, shared, frac 16>) {
  // expected-error @+1 {{element counts differ: [4, 4] vs [15]}}
  %0 = mpc.reshape %x : !mpc.tensor<4x4, shared, frac 16> -> !mpc.tensor<15, shared, frac 16>
  return
}

// -----

func.func @reshape_frac(%x: !mpc.tensor<4x4, shared, frac 16>) {
  // expected-error @+1 {{moves data only: result type '!mpc.tensor<16, shared, frac 8>' must keep the visibility and fractional bits of '!mpc.tensor<4x4, shared, frac 16>'}}
  %0 = mpc.reshape %x : !mpc.tensor<4x4, shared, frac 16> -> !mpc.tensor<16, shared, frac 8>
  return
}

// -----

func.func @transpose_rank(%x: !mpc.tensor<4x3, shared, frac 16>) {
  // expected-error @+1 {{perm has 3 entries, the input rank is 2}}
  %0 = mpc.transpose %x perm [0, 1, 2] : !mpc.tensor<4x3, shared, frac 16> -> !mpc.tensor<3x4, shared, frac 16>
  return
}

// -----

func.func @transpose_perm(%x: !mpc.tensor<4x3, shared, frac 16>) {
  // expected-error @+1 {{perm must be a permutation of [0, 2), got [0, 0]}}
  %0 = mpc.transpose %x perm [0, 0] : !mpc.tensor<4x3, shared, frac 16> -> !mpc.tensor<4x4, shared, frac 16>
  return
}

// -----

func.func @transpose_shape(%x: !mpc.tensor<4x3, shared, frac 16>) {
  // expected-error @+1 {{result shape [4, 3] does not match the expected [3, 4]}}
  %0 = mpc.transpose %x perm [1, 0] : !mpc.tensor<4x3, shared, frac 16> -> !mpc.tensor<4x3, shared, frac 16>
  return
}

// -----

func.func @slice_entries(%x: !mpc.tensor<4x3, shared, frac 16>) {
  // expected-error @+1 {{offsets, sizes and strides need 2 entries each}}
  %0 = mpc.slice %x offsets [0] sizes [1, 1] strides [1, 1] : !mpc.tensor<4x3, shared, frac 16> -> !mpc.tensor<1x1, shared, frac 16>
  return
}

// -----

func.func @slice_oob(%x: !mpc.tensor<4x3, shared, frac 16>) {
  // expected-error @+1 {{axis 1: offset 2, size 2, stride 1 reads outside [0, 3)}}
  %0 = mpc.slice %x offsets [0, 2] sizes [1, 2] strides [1, 1] : !mpc.tensor<4x3, shared, frac 16> -> !mpc.tensor<1x2, shared, frac 16>
  return
}

// -----

func.func @gather_axis(%x: !mpc.tensor<4x3, shared, frac 16>) {
  // expected-error @+1 {{axis 2 out of range [0, 2)}}
  %0 = mpc.gather %x axis 2 indices [0] : !mpc.tensor<4x3, shared, frac 16> -> !mpc.tensor<4x1, shared, frac 16>
  return
}

// -----

func.func @gather_empty(%x: !mpc.tensor<4x3, shared, frac 16>) {
  // expected-error @+1 {{needs at least one index}}
  %0 = mpc.gather %x axis 1 indices [] : !mpc.tensor<4x3, shared, frac 16> -> !mpc.tensor<4x1, shared, frac 16>
  return
}

// -----

func.func @gather_index(%x: !mpc.tensor<4x3, shared, frac 16>) {
  // expected-error @+1 {{index 3 out of range [0, 3)}}
  %0 = mpc.gather %x axis 1 indices [3] : !mpc.tensor<4x3, shared, frac 16> -> !mpc.tensor<4x1, shared, frac 16>
  return
}

// -----

func.func @concat_empty() {
  // expected-error @+1 {{needs at least one operand}}
  %0 = mpc.concat axis 0 : () -> !mpc.tensor<4, shared, frac 16>
  return
}

// -----

func.func @concat_axis(%x: !mpc.tensor<4x3, shared, frac 16>) {
  // expected-error @+1 {{axis 2 out of range [0, 2)}}
  %0 = mpc.concat %x, %x axis 2 : (!mpc.tensor<4x3, shared, frac 16>, !mpc.tensor<4x3, shared, frac 16>) -> !mpc.tensor<4x6, shared, frac 16>
  return
}

// -----

func.func @concat_vis(%x: !mpc.tensor<4x3, shared, frac 16>, %y: !mpc.tensor<4x3, private<server>, frac 16>) {
  // expected-error @+1 {{operands must be shared with equal rank and fractional bits}}
  %0 = mpc.concat %x, %y axis 1 : (!mpc.tensor<4x3, shared, frac 16>, !mpc.tensor<4x3, private<server>, frac 16>) -> !mpc.tensor<4x6, shared, frac 16>
  return
}

// -----

func.func @concat_dims(%x: !mpc.tensor<4x3, shared, frac 16>, %y: !mpc.tensor<5x3, shared, frac 16>) {
  // expected-error @+1 {{operand shapes differ outside axis 1: [5, 3] vs [4, 3]}}
  %0 = mpc.concat %x, %y axis 1 : (!mpc.tensor<4x3, shared, frac 16>, !mpc.tensor<5x3, shared, frac 16>) -> !mpc.tensor<4x6, shared, frac 16>
  return
}

// -----

func.func @im2col_rank(%x: !mpc.tensor<4x3, shared, frac 16>) {
  // expected-error @+1 {{expects an NCHW input, kernel [kh, kw], strides [sh, sw] and pads [top, left, bottom, right]}}
  %0 = mpc.im2col %x kernel [1, 1] strides [1, 1] pads [0, 0, 0, 0] : !mpc.tensor<4x3, shared, frac 16> -> !mpc.tensor<4x3, shared, frac 16>
  return
}

// -----

func.func @im2col_stride(%x: !mpc.tensor<1x1x4x4, shared, frac 16>) {
  // expected-error @+1 {{kernel and strides must be positive, pads >= 0}}
  %0 = mpc.im2col %x kernel [2, 2] strides [0, 2] pads [0, 0, 0, 0] : !mpc.tensor<1x1x4x4, shared, frac 16> -> !mpc.tensor<1x4x4, shared, frac 16>
  return
}

// -----

func.func @im2col_big(%x: !mpc.tensor<1x1x4x4, shared, frac 16>) {
  // expected-error @+1 {{kernel larger than the padded image}}
  %0 = mpc.im2col %x kernel [5, 5] strides [1, 1] pads [0, 0, 0, 0] : !mpc.tensor<1x1x4x4, shared, frac 16> -> !mpc.tensor<1x1x25, shared, frac 16>
  return
}

// -----

func.func @two_quad_axis(%x: !mpc.tensor<2x4x4, shared, frac 16>) {
  // expected-error @+1 {{normalises the last axis only: axis must be 2, got 1}}
  %0 = mpc.two_quad %x axis 1 : !mpc.tensor<2x4x4, shared, frac 16>
  return
}

// -----

func.func @two_relu_vis(%x: !mpc.tensor<2x4x4, private<client>, frac 16>) {
  // expected-error @+1 {{input must be shared, got private<client>}}
  %0 = mpc.two_relu %x axis 2 : !mpc.tensor<2x4x4, private<client>, frac 16>
  return
}

// -----

// The session attribute: only the runtime's ring.
// expected-error @+1 {{#mpc.session: ring must be 64 (the runtime's Z_2^64), got 32}}
module attributes {mpc.session = #mpc.session<ring = 32, frac_bits = 16, trunc = exact, protocols = a2b>} {}

// -----

// expected-error @+1 {{mpc.session must be a #mpc.session<ring = 64, frac_bits = F, trunc = probabilistic|exact, protocols = a2b|fss>, got 16 : i64}}
module attributes {mpc.session = 16 : i64} {}

// -----

// expected-error @+2 {{expected ::mpcvit::mpc::TruncKind to be one of: probabilistic, exact}}
// expected-error @+1 {{failed to parse Mpc_SessionAttr parameter 'trunc'}}
module attributes {mpc.session = #mpc.session<ring = 64, frac_bits = 16, trunc = dealer, protocols = a2b>} {}

// -----

func.func @parallel_one_branch(%x: !mpc.tensor<4, shared, frac 16>) {
  // expected-error @+1 {{needs at least 2 branches, got 1}}
  %r = mpc.parallel {
    %a = mpc.relu %x : !mpc.tensor<4, shared, frac 16>
    mpc.yield %a : !mpc.tensor<4, shared, frac 16>
  } : !mpc.tensor<4, shared, frac 16>
  return
}

// -----

func.func @parallel_result_type(%x: !mpc.tensor<4, shared, frac 16>) {
  // expected-error @+1 {{result 1 has type '!mpc.tensor<4, shared, frac 12>' but branch 1 yields '!mpc.tensor<4, shared, frac 16>'}}
  %r:2 = mpc.parallel {
    %a = mpc.relu %x : !mpc.tensor<4, shared, frac 16>
    mpc.yield %a : !mpc.tensor<4, shared, frac 16>
  }, {
    %b = mpc.gelu %x : !mpc.tensor<4, shared, frac 16>
    mpc.yield %b : !mpc.tensor<4, shared, frac 16>
  } : !mpc.tensor<4, shared, frac 16>, !mpc.tensor<4, shared, frac 12>
  return
}

// -----

func.func @parallel_result_count(%x: !mpc.tensor<4, shared, frac 16>) {
  // expected-error @+1 {{has 3 results but its branches yield 2 values}}
  %r:3 = mpc.parallel {
    %a = mpc.relu %x : !mpc.tensor<4, shared, frac 16>
    mpc.yield %a : !mpc.tensor<4, shared, frac 16>
  }, {
    %b = mpc.gelu %x : !mpc.tensor<4, shared, frac 16>
    mpc.yield %b : !mpc.tensor<4, shared, frac 16>
  } : !mpc.tensor<4, shared, frac 16>, !mpc.tensor<4, shared, frac 16>, !mpc.tensor<4, shared, frac 16>
  return
}

// -----

// A branch never sees another branch's values (each region is its own scope).
func.func @parallel_dependent(%x: !mpc.tensor<4, shared, frac 16>) {
  %r:2 = mpc.parallel {
    %a = mpc.relu %x : !mpc.tensor<4, shared, frac 16>
    mpc.yield %a : !mpc.tensor<4, shared, frac 16>
  }, {
    // expected-error @+1 {{use of undeclared SSA value name}}
    %b = mpc.gelu %a : !mpc.tensor<4, shared, frac 16>
    mpc.yield %b : !mpc.tensor<4, shared, frac 16>
  } : !mpc.tensor<4, shared, frac 16>, !mpc.tensor<4, shared, frac 16>
  return
}
