// Round trip of every mpc op and of the tensor type, custom and generic form.
// RUN: mpcvit-opt %s | mpcvit-opt | FileCheck %s
// RUN: mpcvit-opt %s --mlir-print-op-generic | mpcvit-opt | FileCheck %s

// CHECK-LABEL: func.func @types
// CHECK-SAME: !mpc.tensor<65x256, shared, frac 16>
// CHECK-SAME: !mpc.tensor<256x512, private<server>, frac 16>
// CHECK-SAME: !mpc.tensor<1x784, private<client>, frac 12>
// CHECK-SAME: !mpc.tensor<public, frac 0>
func.func @types(%a: !mpc.tensor<65x256, shared, frac 16>,
                 %b: !mpc.tensor<256x512, private<server>, frac 16>,
                 %c: !mpc.tensor<1x784, private<client>, frac 12>,
                 %d: !mpc.tensor<public, frac 0>) {
  return
}

// CHECK-LABEL: func.func @io
func.func @io(%x: !mpc.tensor<1x784, private<client>, frac 16>)
    -> !mpc.tensor<1x784, private<client>, frac 16> {
  // CHECK: mpc.constant dense<5.000000e-01> : tensor<2x3xf32> -> !mpc.tensor<2x3, public, frac 16>
  %c = mpc.constant dense<0.5> : tensor<2x3xf32> -> !mpc.tensor<2x3, public, frac 16>
  // CHECK: mpc.share %{{.*}} : !mpc.tensor<1x784, private<client>, frac 16> -> !mpc.tensor<1x784, shared, frac 16>
  %s = mpc.share %x : !mpc.tensor<1x784, private<client>, frac 16> -> !mpc.tensor<1x784, shared, frac 16>
  // CHECK: mpc.reveal %{{.*}} : !mpc.tensor<1x784, shared, frac 16> -> !mpc.tensor<1x784, private<client>, frac 16>
  %y = mpc.reveal %s : !mpc.tensor<1x784, shared, frac 16> -> !mpc.tensor<1x784, private<client>, frac 16>
  return %y : !mpc.tensor<1x784, private<client>, frac 16>
}

// CHECK-LABEL: func.func @local
func.func @local(%x: !mpc.tensor<65x256, shared, frac 16>,
                 %b: !mpc.tensor<256, private<server>, frac 16>,
                 %m: !mpc.tensor<65x1, shared, frac 16>,
                 %c: !mpc.tensor<1, public, frac 16>) {
  // CHECK: mpc.add %{{.*}}, %{{.*}} : (!mpc.tensor<65x256, shared, frac 16>, !mpc.tensor<256, private<server>, frac 16>) -> !mpc.tensor<65x256, shared, frac 16>
  %0 = mpc.add %x, %b : (!mpc.tensor<65x256, shared, frac 16>, !mpc.tensor<256, private<server>, frac 16>) -> !mpc.tensor<65x256, shared, frac 16>
  // CHECK: mpc.sub %{{.*}}, %{{.*}} : (!mpc.tensor<65x256, shared, frac 16>, !mpc.tensor<65x1, shared, frac 16>) -> !mpc.tensor<65x256, shared, frac 16>
  %1 = mpc.sub %0, %m : (!mpc.tensor<65x256, shared, frac 16>, !mpc.tensor<65x1, shared, frac 16>) -> !mpc.tensor<65x256, shared, frac 16>
  // CHECK: mpc.mul_public %{{.*}}, %{{.*}} : (!mpc.tensor<65x256, shared, frac 16>, !mpc.tensor<1, public, frac 16>) -> !mpc.tensor<65x256, shared, frac 32>
  %2 = mpc.mul_public %1, %c : (!mpc.tensor<65x256, shared, frac 16>, !mpc.tensor<1, public, frac 16>) -> !mpc.tensor<65x256, shared, frac 32>
  return
}

// CHECK-LABEL: func.func @products
func.func @products(%x: !mpc.tensor<65x256, shared, frac 16>,
                    %y: !mpc.tensor<65x256, shared, frac 16>,
                    %g: !mpc.tensor<256, private<server>, frac 16>,
                    %w: !mpc.tensor<256x512, private<server>, frac 16>,
                    %q: !mpc.tensor<4x65x64, shared, frac 16>,
                    %k: !mpc.tensor<4x64x65, shared, frac 16>) {
  // CHECK: mpc.mul_ss %{{.*}}, %{{.*}} : (!mpc.tensor<65x256, shared, frac 16>, !mpc.tensor<65x256, shared, frac 16>) -> !mpc.tensor<65x256, shared, frac 32>
  %0 = mpc.mul_ss %x, %y : (!mpc.tensor<65x256, shared, frac 16>, !mpc.tensor<65x256, shared, frac 16>) -> !mpc.tensor<65x256, shared, frac 32>
  // CHECK: mpc.square %{{.*}} : !mpc.tensor<65x256, shared, frac 16> -> !mpc.tensor<65x256, shared, frac 32>
  %2 = mpc.square %x : !mpc.tensor<65x256, shared, frac 16> -> !mpc.tensor<65x256, shared, frac 32>
  // CHECK: mpc.mmul_ss %{{.*}}, %{{.*}} : (!mpc.tensor<4x65x64, shared, frac 16>, !mpc.tensor<4x64x65, shared, frac 16>) -> !mpc.tensor<4x65x65, shared, frac 32>
  %3 = mpc.mmul_ss %q, %k : (!mpc.tensor<4x65x64, shared, frac 16>, !mpc.tensor<4x64x65, shared, frac 16>) -> !mpc.tensor<4x65x65, shared, frac 32>
  // CHECK: mpc.mmul_sp %{{.*}}, %{{.*}} : (!mpc.tensor<65x256, shared, frac 16>, !mpc.tensor<256x512, private<server>, frac 16>) -> !mpc.tensor<65x512, shared, frac 32>
  %4 = mpc.mmul_sp %x, %w : (!mpc.tensor<65x256, shared, frac 16>, !mpc.tensor<256x512, private<server>, frac 16>) -> !mpc.tensor<65x512, shared, frac 32>
  // CHECK: mpc.trunc probabilistic %{{.*}} : !mpc.tensor<65x512, shared, frac 32> -> !mpc.tensor<65x512, shared, frac 16>
  %5 = mpc.trunc probabilistic %4 : !mpc.tensor<65x512, shared, frac 32> -> !mpc.tensor<65x512, shared, frac 16>
  // CHECK: mpc.trunc exact %{{.*}} : !mpc.tensor<65x256, shared, frac 32> -> !mpc.tensor<65x256, shared, frac 16>
  %6 = mpc.trunc exact %0 : !mpc.tensor<65x256, shared, frac 32> -> !mpc.tensor<65x256, shared, frac 16>
  return
}

// CHECK-LABEL: func.func @comparisons
func.func @comparisons(%x: !mpc.tensor<4x65x65, shared, frac 16>) {
  // CHECK: mpc.relu %{{.*}} : !mpc.tensor<4x65x65, shared, frac 16>
  %0 = mpc.relu %x : !mpc.tensor<4x65x65, shared, frac 16>
  return
}

// CHECK-LABEL: func.func @nonlinear
func.func @nonlinear(%x: !mpc.tensor<4x65x65, shared, frac 16>,
                     %h: !mpc.tensor<65x256, shared, frac 16>,
                     %g: !mpc.tensor<256, private<server>, frac 16>,
                     %b: !mpc.tensor<256, private<server>, frac 16>) {
  // CHECK: mpc.gelu %{{.*}} : !mpc.tensor<65x256, shared, frac 16>
  %3 = mpc.gelu %h : !mpc.tensor<65x256, shared, frac 16>
  // CHECK: mpc.softmax %{{.*}} axis 2 : !mpc.tensor<4x65x65, shared, frac 16>
  %4 = mpc.softmax %x axis 2 : !mpc.tensor<4x65x65, shared, frac 16>
  // CHECK: mpc.relu_softmax %{{.*}} axis 2 epsilon 1.000000e-03 : !mpc.tensor<4x65x65, shared, frac 16>
  %5 = mpc.relu_softmax %x axis 2 epsilon 1.0e-3 : !mpc.tensor<4x65x65, shared, frac 16>
  // CHECK: mpc.layer_norm %{{.*}}, %{{.*}}, %{{.*}} epsilon 1.000000e-05 : (!mpc.tensor<65x256, shared, frac 16>, !mpc.tensor<256, private<server>, frac 16>, !mpc.tensor<256, private<server>, frac 16>) -> !mpc.tensor<65x256, shared, frac 16>
  %6 = mpc.layer_norm %h, %g, %b epsilon 1.0e-5 : (!mpc.tensor<65x256, shared, frac 16>, !mpc.tensor<256, private<server>, frac 16>, !mpc.tensor<256, private<server>, frac 16>) -> !mpc.tensor<65x256, shared, frac 16>
  return
}

// CHECK-LABEL: func.func @layout
func.func @layout(%x: !mpc.tensor<1x17x64, shared, frac 16>,
                  %s: !mpc.tensor<1x4x17x17, shared, frac 16>,
                  %img: !mpc.tensor<1x1x28x28, shared, frac 16>,
                  %c: !mpc.tensor<1x1x64, shared, frac 16>,
                  %p: !mpc.tensor<1x16x64, shared, frac 16>) {
  // CHECK: mpc.weight "fc1.w" dense<5.000000e-01> : tensor<4x8xf32> -> !mpc.tensor<4x8, private<server>, frac 16>
  %w = mpc.weight "fc1.w" dense<5.000000e-01> : tensor<4x8xf32> -> !mpc.tensor<4x8, private<server>, frac 16>
  // CHECK: mpc.reshape %{{.*}} : !mpc.tensor<1x17x64, shared, frac 16> -> !mpc.tensor<1x17x4x16, shared, frac 16>
  %0 = mpc.reshape %x : !mpc.tensor<1x17x64, shared, frac 16> -> !mpc.tensor<1x17x4x16, shared, frac 16>
  // CHECK: mpc.transpose %{{.*}} perm [0, 2, 1, 3] : !mpc.tensor<1x17x4x16, shared, frac 16> -> !mpc.tensor<1x4x17x16, shared, frac 16>
  %1 = mpc.transpose %0 perm [0, 2, 1, 3] : !mpc.tensor<1x17x4x16, shared, frac 16> -> !mpc.tensor<1x4x17x16, shared, frac 16>
  // CHECK: mpc.slice %{{.*}} offsets [0, 0, 0] sizes [1, 1, 64] strides [1, 1, 1] : !mpc.tensor<1x17x64, shared, frac 16> -> !mpc.tensor<1x1x64, shared, frac 16>
  %2 = mpc.slice %x offsets [0, 0, 0] sizes [1, 1, 64] strides [1, 1, 1] : !mpc.tensor<1x17x64, shared, frac 16> -> !mpc.tensor<1x1x64, shared, frac 16>
  // CHECK: mpc.gather %{{.*}} axis 1 indices [0, 3] : !mpc.tensor<1x4x17x17, shared, frac 16> -> !mpc.tensor<1x2x17x17, shared, frac 16>
  %3 = mpc.gather %s axis 1 indices [0, 3] : !mpc.tensor<1x4x17x17, shared, frac 16> -> !mpc.tensor<1x2x17x17, shared, frac 16>
  // CHECK: mpc.concat %{{.*}}, %{{.*}} axis 1 : (!mpc.tensor<1x1x64, shared, frac 16>, !mpc.tensor<1x16x64, shared, frac 16>) -> !mpc.tensor<1x17x64, shared, frac 16>
  %4 = mpc.concat %c, %p axis 1 : (!mpc.tensor<1x1x64, shared, frac 16>, !mpc.tensor<1x16x64, shared, frac 16>) -> !mpc.tensor<1x17x64, shared, frac 16>
  // CHECK: mpc.im2col %{{.*}} kernel [7, 7] strides [7, 7] pads [0, 0, 0, 0] : !mpc.tensor<1x1x28x28, shared, frac 16> -> !mpc.tensor<1x16x49, shared, frac 16>
  %5 = mpc.im2col %img kernel [7, 7] strides [7, 7] pads [0, 0, 0, 0] : !mpc.tensor<1x1x28x28, shared, frac 16> -> !mpc.tensor<1x16x49, shared, frac 16>
  // CHECK: mpc.two_quad %{{.*}} axis 3 : !mpc.tensor<1x2x17x17, shared, frac 16>
  %6 = mpc.two_quad %3 axis 3 : !mpc.tensor<1x2x17x17, shared, frac 16>
  // CHECK: mpc.two_relu %{{.*}} axis 3 : !mpc.tensor<1x2x17x17, shared, frac 16>
  %7 = mpc.two_relu %3 axis 3 : !mpc.tensor<1x2x17x17, shared, frac 16>
  return
}
