// Plaintext semantics of the vit ops (VitOps.td) on small constants, with
// expected values worked out by hand (or with the stated formula).
// RUN: mpcvit-run --plaintext %s --function linear --print | FileCheck %s --check-prefix=LINEAR
// RUN: mpcvit-run --plaintext %s --function matmul --print | FileCheck %s --check-prefix=MATMUL
// RUN: mpcvit-run --plaintext %s --function elementwise --print | FileCheck %s --check-prefix=ELT
// RUN: mpcvit-run --plaintext %s --function norms --print | FileCheck %s --check-prefix=NORM
// RUN: mpcvit-run --plaintext %s --function movement --print | FileCheck %s --check-prefix=MOVE
// RUN: mpcvit-run --plaintext %s --function conv --print | FileCheck %s --check-prefix=CONV
// RUN: mpcvit-run --plaintext %s --function reductions --print | FileCheck %s --check-prefix=RED
// RUN: mpcvit-run --plaintext %s --function f64 --print | FileCheck %s --check-prefix=F64

// x·Wᵀ + b with W [N=2, K=3]: [1,2,3]·[1,0,-1] + 10 = 8, [1,2,3]·[0.5,0.5,0.5] - 1 = 2
// LINEAR: result #0 [1, 2]: 8 2
func.func @linear() -> tensor<1x2xf32> {
  %x = vit.constant dense<[[1.0, 2.0, 3.0]]> : tensor<1x3xf32>
  %w = vit.constant dense<[[1.0, 0.0, -1.0], [0.5, 0.5, 0.5]]> : tensor<2x3xf32>
  %b = vit.constant dense<[10.0, -1.0]> : tensor<2xf32>
  %y = vit.linear %x, %w, %b : (tensor<1x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// Batch [2] broadcast against a rank-2 rhs: [[1,2]]·[[1,2],[3,4]] = [7,10]; [[0,1]]·… = [3,4]
// MATMUL: result #0 [2, 1, 2]: 7 10 3 4
func.func @matmul() -> tensor<2x1x2xf32> {
  %a = vit.constant dense<[[[1.0, 2.0]], [[0.0, 1.0]]]> : tensor<2x1x2xf32>
  %b = vit.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %y = vit.matmul %a, %b : (tensor<2x1x2xf32>, tensor<2x2xf32>) -> tensor<2x1x2xf32>
  return %y : tensor<2x1x2xf32>
}

// x = [-1, 0.5, 2]
// gelu erf: x·Φ(x) = -0.158655 0.345731 1.9545
// gelu tanh: -0.158808 0.345714 1.9546
// quad 0.125x²+0.25x+0.5: 0.375 0.65625 1.5
// relu: 0 0.5 2;  sub 1: -2 -0.5 1;  div 2: -0.5 0.25 1;  pow 2: 1 0.25 4
// sqrt(x²): 1 0.5 2;  reciprocal: -1 2 0.5;  erf: -0.842701 0.5205 0.995322
// tanh: -0.761594 0.462117 0.964028;  exp: 0.367879 1.64872 7.38906
// ELT: result #0 [3]: -0.158655 0.345731 1.9545
// ELT: result #1 [3]: -0.158808 0.345714 1.9546
// ELT: result #2 [3]: 0.375 0.65625 1.5
// ELT: result #3 [3]: 0 0.5 2
// ELT: result #4 [3]: -2 -0.5 1
// ELT: result #5 [3]: -0.5 0.25 1
// ELT: result #6 [3]: 1 0.25 4
// ELT: result #7 [3]: 1 0.5 2
// ELT: result #8 [3]: -1 2 0.5
// ELT: result #9 [3]: -0.842701 0.5205 0.995322
// ELT: result #10 [3]: -0.761594 0.462117 0.964028
// ELT: result #11 [3]: 0.367879 1.64872 7.38906
func.func @elementwise() -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %x = vit.constant dense<[-1.0, 0.5, 2.0]> : tensor<3xf32>
  %one = vit.constant dense<1.0> : tensor<f32>
  %two = vit.constant dense<2.0> : tensor<1xf32>
  %g = vit.gelu erf %x : tensor<3xf32>
  %t = vit.gelu tanh %x : tensor<3xf32>
  %q = vit.quad %x coeffs(0.125, 0.25, 0.5) : tensor<3xf32>
  %r = vit.relu %x : tensor<3xf32>
  %s = vit.sub %x, %one : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  %d = vit.div %x, %two : (tensor<3xf32>, tensor<1xf32>) -> tensor<3xf32>
  %p = vit.pow %x, %two : (tensor<3xf32>, tensor<1xf32>) -> tensor<3xf32>
  %sq = vit.sqrt %p : tensor<3xf32>
  %rc = vit.reciprocal %x : tensor<3xf32>
  %e = vit.erf %x : tensor<3xf32>
  %th = vit.tanh %x : tensor<3xf32>
  %ex = vit.exp %x : tensor<3xf32>
  return %g, %t, %q, %r, %s, %d, %p, %sq, %rc, %e, %th, %ex : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
}

// layer_norm of [1, 2, 3, 6]: mean 3, biased var (4+1+0+9)/4 = 3.5,
// (x-3)/sqrt(3.5+1e-5)·γ + β with γ = [1, 2, 1, 1], β = [0, 0, 1, 0]:
// -1.06904 -1.06904 1 1.60357
// softmax of [[1, 2], [3, 3]] along axis 0: columns → 0.119203 0.268941 0.880797 0.731059
// NORM: result #0 [1, 4]: -1.06904 -1.06904 1 1.60357
// NORM: result #1 [2, 2]: 0.119203 0.268941 0.880797 0.731059
func.func @norms() -> (tensor<1x4xf32>, tensor<2x2xf32>) {
  %x = vit.constant dense<[[1.0, 2.0, 3.0, 6.0]]> : tensor<1x4xf32>
  %g = vit.constant dense<[1.0, 2.0, 1.0, 1.0]> : tensor<4xf32>
  %b = vit.constant dense<[0.0, 0.0, 1.0, 0.0]> : tensor<4xf32>
  %n = vit.layer_norm %x, %g, %b epsilon 1.0e-5 : (tensor<1x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  %s = vit.constant dense<[[1.0, 2.0], [3.0, 3.0]]> : tensor<2x2xf32>
  %p = vit.softmax %s axis 0 : tensor<2x2xf32>
  return %n, %p : tensor<1x4xf32>, tensor<2x2xf32>
}

// x = [[0,1,2],[3,4,5]]
// transpose: [[0,3],[1,4],[2,5]]; reshape to [3,2]: unchanged order;
// concat with itself on axis 0 ([x; x]) then rows 1 and 3 (stride 2) of column 1: [4, 4]
// gather columns [2, 0, 2]: [[2,0,2],[5,3,5]]
// MOVE: result #0 [3, 2]: 0 3 1 4 2 5
// MOVE: result #1 [3, 2]: 0 1 2 3 4 5
// MOVE: result #2 [2, 1]: 4 4
// MOVE: result #3 [2, 3]: 2 0 2 5 3 5
func.func @movement() -> (tensor<3x2xf32>, tensor<3x2xf32>, tensor<2x1xf32>, tensor<2x3xf32>) {
  %x = vit.constant dense<[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]> : tensor<2x3xf32>
  %t = vit.transpose %x perm [1, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
  %r = vit.reshape %x : tensor<2x3xf32> -> tensor<3x2xf32>
  %c = vit.concat %x, %x axis 0 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  %s = vit.slice %c offsets [1, 1] sizes [2, 1] strides [2, 1] : tensor<4x3xf32> -> tensor<2x1xf32>
  %g = vit.gather %x axis 1 indices [2, 0, 2] : tensor<2x3xf32> -> tensor<2x3xf32>
  return %t, %r, %s, %g : tensor<3x2xf32>, tensor<3x2xf32>, tensor<2x1xf32>, tensor<2x3xf32>
}

// 4x4 image 0..15, 2x2 patches (stride 2) with weights [[1,0],[0,1]] + 0.5:
// patch sums of the diagonal: 0+5, 2+7, 8+13, 10+15 → 5.5 9.5 21.5 25.5
// padded 1 on each side with stride 3 and a 2x2 all-ones kernel: Ho = (6-2)/3+1 = 2
// windows at rows/cols {-1,0} and {2,3}: 0, 2+3=5, 8+12=20, 10+11+14+15=50
// CONV: result #0 [1, 1, 2, 2]: 5.5 9.5 21.5 25.5
// CONV: result #1 [1, 1, 2, 2]: 0 5 20 50
func.func @conv() -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) {
  %x = vit.constant dense<[[[[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0], [12.0, 13.0, 14.0, 15.0]]]]> : tensor<1x1x4x4xf32>
  %w = vit.constant dense<[[[[1.0, 0.0], [0.0, 1.0]]]]> : tensor<1x1x2x2xf32>
  %b = vit.constant dense<[0.5]> : tensor<1xf32>
  %y = vit.conv_patch %x, %w, %b strides [2, 2] pads [0, 0, 0, 0] : (tensor<1x1x4x4xf32>, tensor<1x1x2x2xf32>, tensor<1xf32>) -> tensor<1x1x2x2xf32>
  %ones = vit.constant dense<1.0> : tensor<1x1x2x2xf32>
  %z = vit.conv_patch %x, %ones strides [3, 3] pads [1, 1, 1, 1] : (tensor<1x1x4x4xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  return %y, %z : tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>
}

// x = [[1, 5, 3], [2, -4, 8]]: mean over -1 (keepdims) 3 2; sum over 0: 3 1 11; max over both: 8
// RED: result #0 [2, 1]: 3 2
// RED: result #1 [3]: 3 1 11
// RED: result #2 []: 8
func.func @reductions() -> (tensor<2x1xf32>, tensor<3xf32>, tensor<f32>) {
  %x = vit.constant dense<[[1.0, 5.0, 3.0], [2.0, -4.0, 8.0]]> : tensor<2x3xf32>
  %m = vit.reduce_mean %x axes [-1] keepdims : tensor<2x3xf32> -> tensor<2x1xf32>
  %s = vit.reduce_sum %x axes [0] : tensor<2x3xf32> -> tensor<3xf32>
  %mx = vit.reduce_max %x axes [0, 1] : tensor<2x3xf32> -> tensor<f32>
  return %m, %s, %mx : tensor<2x1xf32>, tensor<3xf32>, tensor<f32>
}

// Rounding per op: (1e8 + 1) - 1e8 is 1 in f64 but 0 in f32 (1e8 + 1 is
// not a float).
// F64: result #0 [1]: 1
// F64: result #1 [1]: 0
func.func @f64() -> (tensor<1xf64>, tensor<1xf32>) {
  %a = vit.constant dense<[1.0e8]> : tensor<1xf64>
  %one = vit.constant dense<[1.0]> : tensor<1xf64>
  %s = vit.add %a, %one : (tensor<1xf64>, tensor<1xf64>) -> tensor<1xf64>
  %d = vit.sub %s, %a : (tensor<1xf64>, tensor<1xf64>) -> tensor<1xf64>
  %a32 = vit.constant dense<[1.0e8]> : tensor<1xf32>
  %one32 = vit.constant dense<[1.0]> : tensor<1xf32>
  %s32 = vit.add %a32, %one32 : (tensor<1xf32>, tensor<1xf32>) -> tensor<1xf32>
  %d32 = vit.sub %s32, %a32 : (tensor<1xf32>, tensor<1xf32>) -> tensor<1xf32>
  return %d, %d32 : tensor<1xf64>, tensor<1xf32>
}
