// The MLP of the fmnist-tiny block above as the lowering will emit it in the
// mpc dialect (written by hand until --mpcvit-lower-to-mpc lands): the
// client's activations are shared, multiplied with the server's weights by
// mmul_sp, truncated back to 16 fractional bits, and only the final output
// is revealed, to the client. Every op carries its communication cost
// (CommCostOpInterface).
func.func @mlp(%x: !mpc.tensor<17x64, private<client>, frac 16>,
               %w1: !mpc.tensor<64x128, private<server>, frac 16>,
               %b1: !mpc.tensor<128, private<server>, frac 16>,
               %w2: !mpc.tensor<128x64, private<server>, frac 16>,
               %b2: !mpc.tensor<64, private<server>, frac 16>)
    -> !mpc.tensor<17x64, private<client>, frac 16> {
  %xs = mpc.share %x : !mpc.tensor<17x64, private<client>, frac 16> -> !mpc.tensor<17x64, shared, frac 16>
  %h0 = mpc.mmul_sp %xs, %w1 : (!mpc.tensor<17x64, shared, frac 16>, !mpc.tensor<64x128, private<server>, frac 16>) -> !mpc.tensor<17x128, shared, frac 32>
  %h1 = mpc.trunc probabilistic %h0 : !mpc.tensor<17x128, shared, frac 32> -> !mpc.tensor<17x128, shared, frac 16>
  %h2 = mpc.add %h1, %b1 : (!mpc.tensor<17x128, shared, frac 16>, !mpc.tensor<128, private<server>, frac 16>) -> !mpc.tensor<17x128, shared, frac 16>
  %h = mpc.gelu %h2 : !mpc.tensor<17x128, shared, frac 16>
  %y0 = mpc.mmul_sp %h, %w2 : (!mpc.tensor<17x128, shared, frac 16>, !mpc.tensor<128x64, private<server>, frac 16>) -> !mpc.tensor<17x64, shared, frac 32>
  %y1 = mpc.trunc probabilistic %y0 : !mpc.tensor<17x64, shared, frac 32> -> !mpc.tensor<17x64, shared, frac 16>
  %y2 = mpc.add %y1, %b2 : (!mpc.tensor<17x64, shared, frac 16>, !mpc.tensor<64, private<server>, frac 16>) -> !mpc.tensor<17x64, shared, frac 16>
  %y = mpc.add %y2, %xs : (!mpc.tensor<17x64, shared, frac 16>, !mpc.tensor<17x64, shared, frac 16>) -> !mpc.tensor<17x64, shared, frac 16>
  %out = mpc.reveal %y : !mpc.tensor<17x64, shared, frac 16> -> !mpc.tensor<17x64, private<client>, frac 16>
  return %out : !mpc.tensor<17x64, private<client>, frac 16>
}
