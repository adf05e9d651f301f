// Every head kind of vit.attention_norm against values computed by hand
// (VitOps.td): one row per head, rows [1, 2, 3] and [-1, 0, 2].
// RUN: mpcvit-run --plaintext %s --function kinds --print | FileCheck %s
// RUN: mpcvit-run --plaintext %s --function zero_rows --print | FileCheck %s --check-prefix=ZERO

// softmax [1,2,3]: e^k / (e + e² + e³) = 0.0900306 0.244728 0.665241
// relu_softmax [-1,0,2]: [0, 0, 2/(2+1e-6)] = 0 0 0.9999995
// scale [1,2,3]: a/3 = 0.333333 0.666667 1
// 2quad [-1,0,2]: (a+5)² = 16 25 49, sum 90 → 0.177778 0.277778 0.544444
// 2relu [1,2,3]: a/6 = 0.166667 0.333333 0.5
// CHECK: result #0 [1, 5, 1, 3]: 0.0900306 0.244728 0.665241 0 0 1 0.333333 0.666667 1 0.177778 0.277778 0.544444 0.166667 0.333333 0.5
func.func @kinds() -> tensor<1x5x1x3xf32> {
  %s = vit.constant dense<[[[[1.0, 2.0, 3.0]], [[-1.0, 0.0, 2.0]], [[1.0, 2.0, 3.0]], [[-1.0, 0.0, 2.0]], [[1.0, 2.0, 3.0]]]]> : tensor<1x5x1x3xf32>
  %a = vit.attention_norm %s kinds [softmax, relu_softmax, scale, "2quad", "2relu"] head_axis 1 : tensor<1x5x1x3xf32>
  return %a : tensor<1x5x1x3xf32>
}

// A row whose ReLU sum is 0 gives 0 for 2relu and relu_softmax (ε > 0).
// ZERO: result #0 [1, 2, 1, 2]: 0 0 0 0
func.func @zero_rows() -> tensor<1x2x1x2xf32> {
  %s = vit.constant dense<[[[[-1.0, -2.0]], [[-3.0, 0.0]]]]> : tensor<1x2x1x2xf32>
  %a = vit.attention_norm %s kinds ["2relu", relu_softmax] head_axis 1 : tensor<1x2x1x2xf32>
  return %a : tensor<1x2x1x2xf32>
}
