// --emit-cpp rejects programs the runtime cannot run, naming the op and the
// operand; the checks come from the ops' declared kernel arguments
// (MpcOps.td kernelArgs, sessionFrac).
// RUN: rm -rf %t && split-file %s %t
// RUN: not mpcvit-translate --emit-cpp %t/sub.mlir 2>&1 | FileCheck %s --check-prefix=SUB
// RUN: not mpcvit-translate --emit-cpp %t/frac.mlir 2>&1 | FileCheck %s --check-prefix=FRAC
// RUN: not mpcvit-translate --emit-cpp %t/nosession.mlir 2>&1 | FileCheck %s --check-prefix=NOSESSION

//--- sub.mlir
// A public minuend: the runtime's sub takes the shared operand first.
// SUB: error: 'mpc.sub' op the runtime needs a shared operand here, got '!mpc.tensor<1x4, public, frac 16>'
module attributes {mpc.session = #mpc.session<ring = 64, frac_bits = 16, trunc = probabilistic, protocols = a2b>} {
  func.func @main(%x: !mpc.tensor<1x4, private<client>, frac 16>) -> !mpc.tensor<1x4, private<client>, frac 16> {
    %s = mpc.share %x : !mpc.tensor<1x4, private<client>, frac 16> -> !mpc.tensor<1x4, shared, frac 16>
    %c = mpc.constant dense<1.0> : tensor<1x4xf32> -> !mpc.tensor<1x4, public, frac 16>
    %d = mpc.sub %c, %s : (!mpc.tensor<1x4, public, frac 16>, !mpc.tensor<1x4, shared, frac 16>) -> !mpc.tensor<1x4, shared, frac 16>
    %r = mpc.reveal %d : !mpc.tensor<1x4, shared, frac 16> -> !mpc.tensor<1x4, private<client>, frac 16>
    return %r : !mpc.tensor<1x4, private<client>, frac 16>
  }
}


//--- frac.mlir
// A fused protocol on other fractional bits than the session's.
// FRAC: error: 'mpc.gelu' op the runtime protocol works on the session's 16 fractional bits, got '!mpc.tensor<1x4, shared, frac 12>'
module attributes {mpc.session = #mpc.session<ring = 64, frac_bits = 16, trunc = probabilistic, protocols = a2b>} {
  func.func @main(%x: !mpc.tensor<1x4, private<client>, frac 12>) -> !mpc.tensor<1x4, private<client>, frac 12> {
    %s = mpc.share %x : !mpc.tensor<1x4, private<client>, frac 12> -> !mpc.tensor<1x4, shared, frac 12>
    %g = mpc.gelu %s : !mpc.tensor<1x4, shared, frac 12>
    %r = mpc.reveal %g : !mpc.tensor<1x4, shared, frac 12> -> !mpc.tensor<1x4, private<client>, frac 12>
    return %r : !mpc.tensor<1x4, private<client>, frac 12>
  }
}


//--- nosession.mlir
// No session: the program was not lowered by --mpcvit-lower-to-mpc.
// NOSESSION: error: missing the mpc.session module attribute: run --mpcvit-lower-to-mpc
module {
  func.func @main(%x: !mpc.tensor<1x4, private<client>, frac 16>) -> !mpc.tensor<1x4, private<client>, frac 16> {
    %s = mpc.share %x : !mpc.tensor<1x4, private<client>, frac 16> -> !mpc.tensor<1x4, shared, frac 16>
    %r = mpc.reveal %s : !mpc.tensor<1x4, shared, frac 16> -> !mpc.tensor<1x4, private<client>, frac 16>
    return %r : !mpc.tensor<1x4, private<client>, frac 16>
  }
}
