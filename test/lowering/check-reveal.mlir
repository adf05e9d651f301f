// --mpcvit-check-reveal: mpc.reveal only for the final output, to the client.
// RUN: mpcvit-opt %s --split-input-file --verify-diagnostics --mpcvit-check-reveal

// The lowering's output passes.
func.func @ok(%x: !mpc.tensor<1x4, private<client>, frac 16>) -> !mpc.tensor<1x4, private<client>, frac 16> {
  %s = mpc.share %x : !mpc.tensor<1x4, private<client>, frac 16> -> !mpc.tensor<1x4, shared, frac 16>
  %r = mpc.reveal %s : !mpc.tensor<1x4, shared, frac 16> -> !mpc.tensor<1x4, private<client>, frac 16>
  return %r : !mpc.tensor<1x4, private<client>, frac 16>
}

// -----

func.func @to_server(%x: !mpc.tensor<1x4, private<client>, frac 16>) -> !mpc.tensor<1x4, private<server>, frac 16> {
  %s = mpc.share %x : !mpc.tensor<1x4, private<client>, frac 16> -> !mpc.tensor<1x4, shared, frac 16>
  // expected-error @+1 {{'mpc.reveal' op reveals toward private<server>: only the final output may be revealed, and only to the client}}
  %r = mpc.reveal %s : !mpc.tensor<1x4, shared, frac 16> -> !mpc.tensor<1x4, private<server>, frac 16>
  return %r : !mpc.tensor<1x4, private<server>, frac 16>
}

// -----

func.func @intermediate(%x: !mpc.tensor<1x4, private<client>, frac 16>) -> !mpc.tensor<1x4, shared, frac 16> {
  %s = mpc.share %x : !mpc.tensor<1x4, private<client>, frac 16> -> !mpc.tensor<1x4, shared, frac 16>
  // expected-error @+1 {{'mpc.reveal' op reveals an intermediate value used by 'mpc.share'}}
  %r = mpc.reveal %s : !mpc.tensor<1x4, shared, frac 16> -> !mpc.tensor<1x4, private<client>, frac 16>
  %t = mpc.share %r : !mpc.tensor<1x4, private<client>, frac 16> -> !mpc.tensor<1x4, shared, frac 16>
  return %t : !mpc.tensor<1x4, shared, frac 16>
}

// -----

func.func @unused(%x: !mpc.tensor<1x4, private<client>, frac 16>) {
  %s = mpc.share %x : !mpc.tensor<1x4, private<client>, frac 16> -> !mpc.tensor<1x4, shared, frac 16>
  // expected-error @+1 {{'mpc.reveal' op reveals a value that is not the program's output (it has no use)}}
  %r = mpc.reveal %s : !mpc.tensor<1x4, shared, frac 16> -> !mpc.tensor<1x4, private<client>, frac 16>
  return
}
