// mpcvit-translate --emit-cpp of an mpc.parallel: the results are declared
// first, each branch is a lambda run by runLockstep (runtime lockstep.h)
// that assigns its yielded value; the code stays one statement per op.
// RUN: mpcvit-opt %s --mpcvit-schedule-rounds | mpcvit-translate --emit-cpp - | FileCheck %s

// CHECK: RingTensor forward(Context &ctx, const Weights &W, const RingTensor &input) {
// CHECK-NEXT: Shared v0 = k::shareFrom(ctx, 1, input);
// CHECK-NEXT: // mpc.parallel: 2 independent branches in lock-step (one message per party per round)
// CHECK-NEXT: Shared v1;
// CHECK-NEXT: Shared v2;
// CHECK-NEXT: runLockstep(ctx, {
// CHECK-NEXT: [&] {
// CHECK-NEXT: Shared v3 = k::relu(ctx, v0); // mpc.relu
// CHECK-NEXT: Shared v4 = k::relu(ctx, v3); // mpc.relu
// CHECK-NEXT: v1 = std::move(v4);
// CHECK-NEXT: },
// CHECK-NEXT: [&] {
// CHECK-NEXT: Shared v5 = k::gelu(ctx, v0); // mpc.gelu
// CHECK-NEXT: v2 = std::move(v5);
// CHECK-NEXT: }
// CHECK-NEXT: });
// CHECK-NEXT: Shared v6 = concat({&v1, &v2}, 1);
// CHECK-NEXT: RingTensor v7 = k::revealToClient(ctx, v6);
// CHECK-NEXT: return v7;
// The dealer's bytes per inference in the program equal the cost report's
// (they include the segment lengths, 2 × 16).
// CHECK: p.offlineBytes = 1897ull;
// RUN: mpcvit-opt %s --mpcvit-schedule-rounds --mpcvit-cost-report=json -o /dev/null | FileCheck %s --check-prefix=COST
// COST: "offline_bytes": 1897
module attributes {mpc.session = #mpc.session<ring = 64, frac_bits = 16, trunc = probabilistic, protocols = a2b>} {
  func.func @main(%x: !mpc.tensor<1x8, private<client>, frac 16>) -> !mpc.tensor<1x16, private<client>, frac 16> {
    %s = mpc.share %x : !mpc.tensor<1x8, private<client>, frac 16> -> !mpc.tensor<1x8, shared, frac 16>
    %a = mpc.relu %s : !mpc.tensor<1x8, shared, frac 16>
    %a2 = mpc.relu %a : !mpc.tensor<1x8, shared, frac 16>
    %b = mpc.gelu %s : !mpc.tensor<1x8, shared, frac 16>
    %c = mpc.concat %a2, %b axis 1 : (!mpc.tensor<1x8, shared, frac 16>, !mpc.tensor<1x8, shared, frac 16>) -> !mpc.tensor<1x16, shared, frac 16>
    %r = mpc.reveal %c : !mpc.tensor<1x16, shared, frac 16> -> !mpc.tensor<1x16, private<client>, frac 16>
    return %r : !mpc.tensor<1x16, private<client>, frac 16>
  }
}
