// The cost report of a small program, checked against hand-computed
// numbers (ℓ = 64: 8 bytes per element; n = 2 elements unless stated):
//   mmul_sp [1x4]·[4x2]: client opens 1·4 → 32 B, 1 round; dealer 1·2·8 = 16
//   trunc exact (16 bits): 16 B each, 1 round; dealer 16 + ⌈2·17/8⌉ = 21
//   relu (A2B): DReLU ⌈63n/8⌉ + 2·(⌈61n/8⌉+⌈31n/8⌉+⌈15n/8⌉+⌈7n/8⌉+⌈3n/8⌉+⌈n/8⌉)
//     + ⌈n/8⌉ = 16 + 2·32 + 1 = 81, + mul_ss 16n = 113 B each, 9 rounds;
//     dealer ⌈63n/8⌉ + 32 + 8n + 8n = 80
//   mul_ss: 2·2·8 = 32 B each, 1 round, dealer 16; reveal: server 16 B
// Layers by node name: /blocks.0/... → 0, encoder_layer_1 → 1, else other.
// Latency (lan: 1 Gbit/s, 0.5 ms RTT): 14 rounds · 0.25 ms (one hop each)
//   + 225 B · 8 / 1e9 = 0.0035018 s.
// RUN: mpcvit-opt %s --mpcvit-cost-report -o /dev/null | FileCheck %s
// RUN: mpcvit-opt %s --mpcvit-cost-report="json profiles=lan,custom:100,10" -o /dev/null | FileCheck %s --check-prefix=JSON
// RUN: mpcvit-opt %s --mpcvit-cost-report=json -o /dev/null | %python -c "import json,sys; json.load(sys.stdin)"
// RUN: not mpcvit-opt %s --mpcvit-cost-report="profiles=mars" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PROFILE
// RUN: not mpcvit-opt %s --mpcvit-cost-report="calibration=%t.missing" -o /dev/null 2>&1 | FileCheck %s --check-prefix=CALIB

// CHECK: mpcvit cost report (16 fractional bits, exact truncation, A2B protocols, ring 2^64)
// CHECK: per op (ops that communicate):
// CHECK-NEXT: # op
// CHECK-NEXT: 1 mpc.mmul_sp 0 1x2 0 32 1 16  /blocks.0/attn/qkv/MatMul
// CHECK-NEXT: 2 mpc.trunc 0 1x2 16 16 1 21  /blocks.0/attn/qkv/MatMul
// CHECK-NEXT: 4 mpc.trunc 0 1x2 16 16 1 21  /blocks.0/attn/Softmax
// CHECK-NEXT: 5 mpc.relu 1 1x2 113 113 9 80  /encoder/layers/encoder_layer_1/mlp/Relu
// CHECK-NEXT: 6 mpc.mul_ss other 1x2 32 32 1 16  /head/Mul
// CHECK-NEXT: 8 mpc.reveal other 1x2 16 0 1 0  /head/Mul
// CHECK: per layer (rounds along the critical path
// CHECK-NEXT: layer ops
// CHECK-NEXT: 0 4 32 64 3 58 3 #1 mpc.mmul_sp (1 rounds)
// CHECK-NEXT: 1 1 113 113 9 80 9 #5 mpc.relu (9 rounds)
// CHECK-NEXT: other 4 48 32 2 16 2 #6 mpc.mul_ss (1 rounds)
// CHECK-NEXT: total 9 193 209 14 154 14
// CHECK: attention normalisations, cost of ONE head
// CHECK: 0 0 1 1x2 softmax [[B:[1-9][0-9]*]] [[B]] {{[1-9][0-9]*}}
// CHECK-NEXT: 0 0 1 1x2 relu_softmax
// CHECK-NEXT: 0 0 1 1x2 scale 16 16 1 21
// CHECK-NEXT: 0 0 1 1x2 2quad
// CHECK-NEXT: 0 0 1 1x2 2relu
// CHECK-NEXT: kinds per head: scale
// CHECK: compute unknown: 0 s
// CHECK-NEXT: profile
// CHECK-NEXT: lan 1000.0 0.500 0.0035 0.0000 0.0035
// CHECK-NEXT: wan 400.0 4.000 0.0280
// CHECK-NEXT: wan-slow 100.0 80.000 0.5600

// JSON: "format": "mpcvit.cost-report.v1"
// JSON: "trunc": "exact"
// JSON: "total": {
// JSON-NEXT: "online_bytes_sent_per_party": [
// JSON-NEXT: 193,
// JSON-NEXT: 209
// JSON-NEXT: ],
// JSON-NEXT: "online_bytes_sent_per_party_max": 209,
// JSON-NEXT: "online_rounds": 14,
// JSON-NEXT: "offline_bytes": 154,
// JSON-NEXT: "sequential_rounds": 14
// JSON: "attention": [
// JSON: "kinds": [
// JSON-NEXT: "scale"
// JSON: "per_head": {
// JSON: "scale": {
// JSON-NEXT: "online_bytes_sent_per_party": [
// JSON-NEXT: 16,
// JSON: "latency": [
// JSON: "profile": "lan",
// JSON: "total_s": 0.0035018
// JSON: "profile": "custom:100,10",
// JSON-NEXT: "bandwidth_bps": 100000000,
// JSON-NEXT: "rtt_s": 0.01
// JSON: "ops": [

// PROFILE: unknown network profile 'mars'
// CALIB: calibration file {{.*}}.missing: cannot read

module attributes {mpc.session = #mpc.session<ring = 64, frac_bits = 16, trunc = exact, protocols = a2b>} {
  func.func @main(%arg0: !mpc.tensor<1x4, private<client>, frac 16>) -> !mpc.tensor<1x2, private<client>, frac 16> {
    %w = mpc.weight "w_0" dense<1.0> : tensor<4x2xf32> -> !mpc.tensor<4x2, private<server>, frac 16> loc("/blocks.0/attn/qkv/MatMul")
    %x = mpc.share %arg0 : !mpc.tensor<1x4, private<client>, frac 16> -> !mpc.tensor<1x4, shared, frac 16> loc("input")
    %p = mpc.mmul_sp %x, %w : (!mpc.tensor<1x4, shared, frac 16>, !mpc.tensor<4x2, private<server>, frac 16>) -> !mpc.tensor<1x2, shared, frac 32> loc("/blocks.0/attn/qkv/MatMul")
    %t = mpc.trunc exact %p : !mpc.tensor<1x2, shared, frac 32> -> !mpc.tensor<1x2, shared, frac 16> loc("/blocks.0/attn/qkv/MatMul")
    %c = mpc.constant dense<0.5> : tensor<f32> -> !mpc.tensor<public, frac 16> loc("/blocks.0/attn/Mul")
    %s = mpc.mul_public %t, %c {mpcvit.attention_norm = {cols = 2 : i64, heads = 1 : i64, id = 0 : i64, kinds = ["scale"], rows = 1 : i64}} : (!mpc.tensor<1x2, shared, frac 16>, !mpc.tensor<public, frac 16>) -> !mpc.tensor<1x2, shared, frac 32> loc("/blocks.0/attn/Softmax")
    %u = mpc.trunc exact %s : !mpc.tensor<1x2, shared, frac 32> -> !mpc.tensor<1x2, shared, frac 16> loc("/blocks.0/attn/Softmax")
    %r = mpc.relu %u : !mpc.tensor<1x2, shared, frac 16> loc(fused["/encoder/layers/encoder_layer_1/mlp/Relu", "x.onnx":3:0])
    %q = mpc.mul_ss %r, %u : (!mpc.tensor<1x2, shared, frac 16>, !mpc.tensor<1x2, shared, frac 16>) -> !mpc.tensor<1x2, shared, frac 32> loc("/head/Mul")
    %v = mpc.trunc probabilistic %q : !mpc.tensor<1x2, shared, frac 32> -> !mpc.tensor<1x2, shared, frac 16> loc("/head/Mul")
    %o = mpc.reveal %v : !mpc.tensor<1x2, shared, frac 16> -> !mpc.tensor<1x2, private<client>, frac 16> loc("/head/Mul")
    return %o : !mpc.tensor<1x2, private<client>, frac 16>
  }
}
