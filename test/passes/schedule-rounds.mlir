// RUN: mpcvit-opt %s --split-input-file --mpcvit-schedule-rounds | FileCheck %s
// RUN: mpcvit-opt %s --split-input-file --mpcvit-schedule-rounds --mpcvit-cost-report=json -o /dev/null | FileCheck %s --check-prefix=COST

// Two head groups of different kinds and a group without rounds, joined by
// a concat: the two communicating cones become the branches of one
// mpc.parallel (the shared input %s stays outside: it feeds both); the
// local cone (%c) stays sequential.
// CHECK-LABEL: func.func @heads
// CHECK: %[[S:.*]] = mpc.add %arg0, %arg1
// CHECK: %[[C:.*]] = mpc.add %arg2, %arg2
// CHECK: %[[R:.*]]:2 = mpc.parallel {
// CHECK-NEXT: %[[A:.*]] = mpc.relu %[[S]]
// CHECK-NEXT: %[[A2:.*]] = mpc.relu %[[A]]
// CHECK-NEXT: mpc.yield %[[A2]]
// CHECK-NEXT: }, {
// CHECK-NEXT: %[[B:.*]] = mpc.gelu %[[S]]
// CHECK-NEXT: mpc.yield %[[B]]
// CHECK-NEXT: } :
// CHECK: mpc.concat %[[R]]#0, %[[R]]#1, %[[C]] axis 0
// Rounds (A2B, probabilistic truncation): relu 9, gelu 13. Sequentially
// 9 + 9 + 13 = 31; in lock-step max(9 + 9, 13) = 18. Bytes add up; the
// dealer sends 8 bytes per branch per party more (segment lengths).
// COST: "total": {
// COST: "online_rounds": 18,
// COST-NEXT: "offline_bytes": [[D:[0-9]+]],
// COST-NEXT: "sequential_rounds": 31
// COST: "critical_op": {
// COST-NEXT: "index": 2,
// COST-NEXT: "op": "mpc.relu",
func.func @heads(%x: !mpc.tensor<2x8, shared, frac 16>, %y: !mpc.tensor<2x8, shared, frac 16>, %z: !mpc.tensor<2x8, shared, frac 16>) -> !mpc.tensor<6x8, shared, frac 16> {
  %s = mpc.add %x, %y : (!mpc.tensor<2x8, shared, frac 16>, !mpc.tensor<2x8, shared, frac 16>) -> !mpc.tensor<2x8, shared, frac 16>
  %a = mpc.relu %s : !mpc.tensor<2x8, shared, frac 16>
  %a2 = mpc.relu %a : !mpc.tensor<2x8, shared, frac 16>
  %b = mpc.gelu %s : !mpc.tensor<2x8, shared, frac 16>
  %c = mpc.add %z, %z : (!mpc.tensor<2x8, shared, frac 16>, !mpc.tensor<2x8, shared, frac 16>) -> !mpc.tensor<2x8, shared, frac 16>
  %r = mpc.concat %a2, %b, %c axis 0 : (!mpc.tensor<2x8, shared, frac 16>, !mpc.tensor<2x8, shared, frac 16>, !mpc.tensor<2x8, shared, frac 16>) -> !mpc.tensor<6x8, shared, frac 16>
  return %r : !mpc.tensor<6x8, shared, frac 16>
}

// -----

// A value used by two joins is not exclusive to either: %a feeds the add
// and the concat, so only %b's cone communicates there and nothing moves.
// CHECK-LABEL: func.func @not_exclusive
// CHECK-NOT: mpc.parallel
// CHECK: return
func.func @not_exclusive(%x: !mpc.tensor<2x8, shared, frac 16>) -> !mpc.tensor<4x8, shared, frac 16> {
  %a = mpc.relu %x : !mpc.tensor<2x8, shared, frac 16>
  %b = mpc.gelu %x : !mpc.tensor<2x8, shared, frac 16>
  %d = mpc.add %a, %b : (!mpc.tensor<2x8, shared, frac 16>, !mpc.tensor<2x8, shared, frac 16>) -> !mpc.tensor<2x8, shared, frac 16>
  %r = mpc.concat %a, %d axis 0 : (!mpc.tensor<2x8, shared, frac 16>, !mpc.tensor<2x8, shared, frac 16>) -> !mpc.tensor<4x8, shared, frac 16>
  return %r : !mpc.tensor<4x8, shared, frac 16>
}

// -----

// Nested fork-join: the inner concat's two cones become an inner
// mpc.parallel, which then moves as a whole into a branch of the outer one.
// CHECK-LABEL: func.func @nested
// CHECK: mpc.parallel {
// CHECK: mpc.parallel {
// CHECK: mpc.relu
// CHECK: }, {
// CHECK: mpc.gelu
// CHECK: mpc.concat
// CHECK: mpc.yield
// CHECK: }, {
// CHECK: mpc.relu
// CHECK: mpc.yield
// Rounds: inner max(9, 13) = 13, outer max(13, 9 + 9) = 18.
// COST: "total": {
// COST: "online_rounds": 18,
func.func @nested(%x: !mpc.tensor<2x8, shared, frac 16>, %y: !mpc.tensor<2x8, shared, frac 16>) -> !mpc.tensor<6x8, shared, frac 16> {
  %a = mpc.relu %x : !mpc.tensor<2x8, shared, frac 16>
  %b = mpc.gelu %x : !mpc.tensor<2x8, shared, frac 16>
  %ab = mpc.concat %a, %b axis 0 : (!mpc.tensor<2x8, shared, frac 16>, !mpc.tensor<2x8, shared, frac 16>) -> !mpc.tensor<4x8, shared, frac 16>
  %c = mpc.relu %y : !mpc.tensor<2x8, shared, frac 16>
  %c2 = mpc.relu %c : !mpc.tensor<2x8, shared, frac 16>
  %r = mpc.concat %ab, %c2 axis 0 : (!mpc.tensor<4x8, shared, frac 16>, !mpc.tensor<2x8, shared, frac 16>) -> !mpc.tensor<6x8, shared, frac 16>
  return %r : !mpc.tensor<6x8, shared, frac 16>
}
