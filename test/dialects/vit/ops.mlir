// Round trip of every vit op in custom and generic form.
// RUN: mpcvit-opt %s | mpcvit-opt | FileCheck %s
// RUN: mpcvit-opt %s --mlir-print-op-generic | mpcvit-opt | FileCheck %s
// RUN: mpcvit-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @constant
func.func @constant() -> tensor<2xf32> {
  // CHECK: %[[C:.*]] = vit.constant dense<[5.000000e-01, -1.000000e+00]> : tensor<2xf32>
  // GENERIC: "vit.constant"() <{value = dense<[5.000000e-01, -1.000000e+00]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %b = vit.constant dense<[0.5, -1.0]> : tensor<2xf32>
  return %b : tensor<2xf32>
}

// CHECK-LABEL: func.func @constant_resource
func.func @constant_resource() -> tensor<2xf32> {
  // CHECK: vit.constant dense_resource<w0> : tensor<2xf32>
  %w = vit.constant dense_resource<w0> : tensor<2xf32>
  return %w : tensor<2xf32>
}

// CHECK-LABEL: func.func @linear
func.func @linear(%x: tensor<1x17x64xf32>, %w: tensor<128x64xf32>,
                  %b: tensor<128xf32>) -> (tensor<1x17x128xf32>, tensor<1x17x128xf32>) {
  // CHECK: vit.linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<1x17x64xf32>, tensor<128x64xf32>, tensor<128xf32>) -> tensor<1x17x128xf32>
  // GENERIC: "vit.linear"(%{{.*}}, %{{.*}}, %{{.*}}) : (tensor<1x17x64xf32>, tensor<128x64xf32>, tensor<128xf32>) -> tensor<1x17x128xf32>
  %y = vit.linear %x, %w, %b : (tensor<1x17x64xf32>, tensor<128x64xf32>, tensor<128xf32>) -> tensor<1x17x128xf32>
  // CHECK: vit.linear %{{.*}}, %{{.*}} : (tensor<1x17x64xf32>, tensor<128x64xf32>) -> tensor<1x17x128xf32>
  %z = vit.linear %x, %w : (tensor<1x17x64xf32>, tensor<128x64xf32>) -> tensor<1x17x128xf32>
  return %y, %z : tensor<1x17x128xf32>, tensor<1x17x128xf32>
}

// CHECK-LABEL: func.func @matmul
func.func @matmul(%q: tensor<1x4x17x16xf32>, %kt: tensor<1x4x16x17xf32>,
                  %v: tensor<4x17x16xf32>) -> tensor<1x4x17x16xf32> {
  // CHECK: vit.matmul %{{.*}}, %{{.*}} : (tensor<1x4x17x16xf32>, tensor<1x4x16x17xf32>) -> tensor<1x4x17x17xf32>
  %s = vit.matmul %q, %kt : (tensor<1x4x17x16xf32>, tensor<1x4x16x17xf32>) -> tensor<1x4x17x17xf32>
  // Batch dimensions broadcast: [1, 4] with [4].
  // CHECK: vit.matmul %{{.*}}, %{{.*}} : (tensor<1x4x17x17xf32>, tensor<4x17x16xf32>) -> tensor<1x4x17x16xf32>
  %o = vit.matmul %s, %v : (tensor<1x4x17x17xf32>, tensor<4x17x16xf32>) -> tensor<1x4x17x16xf32>
  return %o : tensor<1x4x17x16xf32>
}

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%x: tensor<1x17x64xf32>, %pos: tensor<1x17x64xf32>,
                       %s: tensor<1xf32>) -> tensor<1x17x64xf32> {
  // CHECK: vit.add %{{.*}}, %{{.*}} : (tensor<1x17x64xf32>, tensor<1x17x64xf32>) -> tensor<1x17x64xf32>
  %a = vit.add %x, %pos : (tensor<1x17x64xf32>, tensor<1x17x64xf32>) -> tensor<1x17x64xf32>
  // CHECK: vit.mul %{{.*}}, %{{.*}} : (tensor<1x17x64xf32>, tensor<1xf32>) -> tensor<1x17x64xf32>
  %m = vit.mul %a, %s : (tensor<1x17x64xf32>, tensor<1xf32>) -> tensor<1x17x64xf32>
  // CHECK: vit.relu %{{.*}} : tensor<1x17x64xf32>
  %r = vit.relu %m : tensor<1x17x64xf32>
  // CHECK: vit.gelu erf %{{.*}} : tensor<1x17x64xf32>
  // GENERIC: "vit.gelu"(%{{.*}}) <{kind = #vit<gelu_kind erf>}>
  %g = vit.gelu erf %r : tensor<1x17x64xf32>
  // CHECK: vit.gelu tanh %{{.*}} : tensor<1x17x64xf32>
  %t = vit.gelu tanh %g : tensor<1x17x64xf32>
  // CHECK: vit.quad %{{.*}} coeffs(1.250000e-01, 2.500000e-01, 5.000000e-01) : tensor<1x17x64xf32>
  %q = vit.quad %t coeffs(0.125, 0.25, 0.5) : tensor<1x17x64xf32>
  return %q : tensor<1x17x64xf32>
}

// CHECK-LABEL: func.func @normalisations
func.func @normalisations(%x: tensor<1x17x64xf32>, %g: tensor<64xf32>,
                          %b: tensor<64xf32>, %s: tensor<1x4x17x17xf32>,
                          %l: tensor<1x10xf32>)
    -> (tensor<1x17x64xf32>, tensor<1x4x17x17xf32>, tensor<1x10xf32>) {
  // CHECK: vit.layer_norm %{{.*}}, %{{.*}}, %{{.*}} epsilon 1.000000e-05 : (tensor<1x17x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x17x64xf32>
  %n = vit.layer_norm %x, %g, %b epsilon 1.0e-5 : (tensor<1x17x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x17x64xf32>
  // CHECK: vit.attention_norm %{{.*}} kinds [softmax, relu_softmax, scale, "2quad"] head_axis 1 : tensor<1x4x17x17xf32>
  // GENERIC: "vit.attention_norm"(%{{.*}}) <{epsilon = 9.9999999999999995E-7 : f64, head_axis = 1 : i64, kinds = #vit.head_kinds<[softmax, relu_softmax, scale, "2quad"]>}>
  %a = vit.attention_norm %s kinds [softmax, relu_softmax, scale, "2quad"] head_axis 1 : tensor<1x4x17x17xf32>
  // Every kind may also be spelled as a string, as in arch.json.
  // CHECK: vit.attention_norm %{{.*}} kinds ["2relu", softmax, scale, scale] head_axis 1 : tensor<1x4x17x17xf32>
  %a2 = vit.attention_norm %a kinds ["2relu", "softmax", scale, "scale"] head_axis 1 : tensor<1x4x17x17xf32>
  // CHECK: vit.attention_norm %{{.*}} kinds [relu_softmax, relu_softmax, scale, scale] head_axis 1 epsilon 1.000000e-03 : tensor<1x4x17x17xf32>
  %a3 = vit.attention_norm %a2 kinds [relu_softmax, relu_softmax, scale, scale] head_axis 1 epsilon 1.0e-3 : tensor<1x4x17x17xf32>
  // CHECK: vit.softmax %{{.*}} axis -1 : tensor<1x10xf32>
  %p = vit.softmax %l axis -1 : tensor<1x10xf32>
  return %n, %a3, %p : tensor<1x17x64xf32>, tensor<1x4x17x17xf32>, tensor<1x10xf32>
}

// CHECK-LABEL: func.func @data_movement
func.func @data_movement(%x: tensor<1x17x64xf32>, %cls: tensor<1x1x64xf32>,
                         %p: tensor<1x16x64xf32>)
    -> (tensor<1x4x17x16xf32>, tensor<1x17x64xf32>, tensor<1x1x64xf32>) {
  // CHECK: vit.reshape %{{.*}} : tensor<1x17x64xf32> -> tensor<1x17x4x16xf32>
  %r = vit.reshape %x : tensor<1x17x64xf32> -> tensor<1x17x4x16xf32>
  // CHECK: vit.transpose %{{.*}} perm [0, 2, 1, 3] : tensor<1x17x4x16xf32> -> tensor<1x4x17x16xf32>
  // GENERIC: "vit.transpose"(%{{.*}}) <{perm = array<i64: 0, 2, 1, 3>}>
  %t = vit.transpose %r perm [0, 2, 1, 3] : tensor<1x17x4x16xf32> -> tensor<1x4x17x16xf32>
  // CHECK: vit.concat %{{.*}}, %{{.*}} axis 1 : (tensor<1x1x64xf32>, tensor<1x16x64xf32>) -> tensor<1x17x64xf32>
  %c = vit.concat %cls, %p axis 1 : (tensor<1x1x64xf32>, tensor<1x16x64xf32>) -> tensor<1x17x64xf32>
  // CHECK: vit.slice %{{.*}} offsets [0, 0, 0] sizes [1, 1, 64] strides [1, 1, 1] : tensor<1x17x64xf32> -> tensor<1x1x64xf32>
  %s = vit.slice %c offsets [0, 0, 0] sizes [1, 1, 64] strides [1, 1, 1] : tensor<1x17x64xf32> -> tensor<1x1x64xf32>
  // CHECK: vit.gather %{{.*}} axis 1 indices [0, 3, 3] : tensor<1x17x64xf32> -> tensor<1x3x64xf32>
  %gt = vit.gather %c axis 1 indices [0, 3, 3] : tensor<1x17x64xf32> -> tensor<1x3x64xf32>
  return %t, %c, %s : tensor<1x4x17x16xf32>, tensor<1x17x64xf32>, tensor<1x1x64xf32>
}

// CHECK-LABEL: func.func @conv_patch
func.func @conv_patch(%img: tensor<1x1x28x28xf32>, %w: tensor<64x1x7x7xf32>,
                      %b: tensor<64xf32>) -> (tensor<1x64x4x4xf32>, tensor<1x64x8x8xf32>) {
  // CHECK: vit.conv_patch %{{.*}}, %{{.*}}, %{{.*}} strides [7, 7] pads [0, 0, 0, 0] : (tensor<1x1x28x28xf32>, tensor<64x1x7x7xf32>, tensor<64xf32>) -> tensor<1x64x4x4xf32>
  %p = vit.conv_patch %img, %w, %b strides [7, 7] pads [0, 0, 0, 0] : (tensor<1x1x28x28xf32>, tensor<64x1x7x7xf32>, tensor<64xf32>) -> tensor<1x64x4x4xf32>
  // Padding 1 on every side, stride 3, no bias: floor((28 + 2 - 7) / 3) + 1 = 8.
  // CHECK: vit.conv_patch %{{.*}}, %{{.*}} strides [3, 3] pads [1, 1, 1, 1] : (tensor<1x1x28x28xf32>, tensor<64x1x7x7xf32>) -> tensor<1x64x8x8xf32>
  %q = vit.conv_patch %img, %w strides [3, 3] pads [1, 1, 1, 1] : (tensor<1x1x28x28xf32>, tensor<64x1x7x7xf32>) -> tensor<1x64x8x8xf32>
  return %p, %q : tensor<1x64x4x4xf32>, tensor<1x64x8x8xf32>
}

// CHECK-LABEL: func.func @imported_primitives
func.func @imported_primitives(%x: tensor<1x17x64xf32>, %m: tensor<1x17x1xf32>,
                               %s: tensor<f32>) -> (tensor<1x17x64xf32>, tensor<1x17xf32>, tensor<1x17x1xf32>) {
  // CHECK: vit.sub %{{.*}}, %{{.*}} : (tensor<1x17x64xf32>, tensor<1x17x1xf32>) -> tensor<1x17x64xf32>
  %d = vit.sub %x, %m : (tensor<1x17x64xf32>, tensor<1x17x1xf32>) -> tensor<1x17x64xf32>
  // CHECK: vit.div %{{.*}}, %{{.*}} : (tensor<1x17x64xf32>, tensor<f32>) -> tensor<1x17x64xf32>
  %q = vit.div %d, %s : (tensor<1x17x64xf32>, tensor<f32>) -> tensor<1x17x64xf32>
  // CHECK: vit.pow %{{.*}}, %{{.*}} : (tensor<1x17x64xf32>, tensor<f32>) -> tensor<1x17x64xf32>
  %p = vit.pow %q, %s : (tensor<1x17x64xf32>, tensor<f32>) -> tensor<1x17x64xf32>
  // CHECK: vit.sqrt %{{.*}} : tensor<1x17x64xf32>
  %r = vit.sqrt %p : tensor<1x17x64xf32>
  // CHECK: vit.reciprocal %{{.*}} : tensor<1x17x64xf32>
  %i = vit.reciprocal %r : tensor<1x17x64xf32>
  // CHECK: vit.erf %{{.*}} : tensor<1x17x64xf32>
  %e = vit.erf %i : tensor<1x17x64xf32>
  // CHECK: vit.tanh %{{.*}} : tensor<1x17x64xf32>
  %t = vit.tanh %e : tensor<1x17x64xf32>
  // CHECK: vit.exp %{{.*}} : tensor<1x17x64xf32>
  %x2 = vit.exp %t : tensor<1x17x64xf32>
  // CHECK: vit.reduce_mean %{{.*}} axes [-1] keepdims : tensor<1x17x64xf32> -> tensor<1x17x1xf32>
  // GENERIC: "vit.reduce_mean"(%{{.*}}) <{axes = array<i64: -1>, keepdims}>
  %mean = vit.reduce_mean %x2 axes [-1] keepdims : tensor<1x17x64xf32> -> tensor<1x17x1xf32>
  // CHECK: vit.reduce_sum %{{.*}} axes [2] : tensor<1x17x64xf32> -> tensor<1x17xf32>
  %sum = vit.reduce_sum %x2 axes [2] : tensor<1x17x64xf32> -> tensor<1x17xf32>
  // CHECK: vit.reduce_max %{{.*}} axes [-1] keepdims : tensor<1x17x64xf32> -> tensor<1x17x1xf32>
  %max = vit.reduce_max %x2 axes [-1] keepdims : tensor<1x17x64xf32> -> tensor<1x17x1xf32>
  %mm = vit.add %mean, %max : (tensor<1x17x1xf32>, tensor<1x17x1xf32>) -> tensor<1x17x1xf32>
  return %x2, %sum, %mm : tensor<1x17x64xf32>, tensor<1x17xf32>, tensor<1x17x1xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w0: "0x040000000000003F000080BF"
    }
  }
#-}
