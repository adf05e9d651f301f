// --emit-cpp rejects programs the runtime cannot run, naming the op.
// RUN: not mpcvit-translate --emit-cpp %s 2>&1 | FileCheck %s

// CHECK: error: 'mpc.exp' op has no runtime kernel in the C++ emitter
module attributes {mpcvit.frac_bits = 16 : i64, mpcvit.trunc = "local"} {
  func.func @main(%x: !mpc.tensor<1x4, private<client>, frac 16>) -> !mpc.tensor<1x4, private<client>, frac 16> {
    %s = mpc.share %x : !mpc.tensor<1x4, private<client>, frac 16> -> !mpc.tensor<1x4, shared, frac 16>
    %e = mpc.exp %s : !mpc.tensor<1x4, shared, frac 16>
    %r = mpc.reveal %e : !mpc.tensor<1x4, shared, frac 16> -> !mpc.tensor<1x4, private<client>, frac 16>
    return %r : !mpc.tensor<1x4, private<client>, frac 16>
  }
}
