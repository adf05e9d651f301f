//===- Passes.td - every --mpcvit-* pass -------------------*- tablegen -*-===//
//
// All passes of mpcvit, declared in one place (DESIGN.md §1). Each pass lives
// in passes/<Name>.cpp, named after its flag, and each description's example
// is a real lit test under test/passes/.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_PASSES_PASSES_TD
#define MPCVIT_PASSES_PASSES_TD

include "mlir/Pass/PassBase.td"

def ReplaceSoftmax : Pass<"mpcvit-replace-softmax", "mlir::ModuleOp"> {
  let summary = "set the attention kind of every head from the NAS result";
  let description = [{
    Sets the `kinds` of every `vit.attention_norm`, in layer order (the
    order of the ops in the module), from an arch.json file
    (`arch=FILE`, DESIGN.md §4) or to one kind for every head (`all=KIND`
    with KIND one of softmax, relu_softmax, scale, 2quad, 2relu; for
    baselines). Exactly one of the two options is required.

    Semantics of the kinds (vit.attention_norm): RSAttn ReLU(a)/(Σ ReLU(a)+ε)
    and ScaleAttn a/N (MPCViT §3.2, N = tokens), 2Quad (a+5)²/Σ(a+5)² and
    2ReLU (MPCFormer §3.2).

    A mismatch between the file and the model is an error naming both
    numbers: the number of attention layers, the heads of a layer, or the
    tokens (the row length of the scores).

    Example (test/passes/replace-softmax.mlir):
    ```mlir
    // mpcvit-opt --mpcvit-replace-softmax=all=relu_softmax
    %a = vit.attention_norm %s kinds [softmax, softmax] head_axis 1
        : tensor<1x2x5x5xf32>
    // becomes
    %a = vit.attention_norm %s kinds [relu_softmax, relu_softmax]
        head_axis 1 : tensor<1x2x5x5xf32>
    ```
  }];
  let options = [
    Option<"archFile", "arch", "std::string", /*default=*/"\"\"",
           "arch.json (mpcvit.arch.v1) whose per-head kinds to apply">,
    Option<"allKind", "all", "std::string", /*default=*/"\"\"",
           "one head kind for every head of every layer">
  ];
}

def LinearizeGelu : Pass<"mpcvit-linearize-gelu", "mlir::ModuleOp"> {
  let summary = "replace or linearize GeLU per layer and per token";
  let description = [{
    Rewrites every `vit.gelu`, in layer order, by the GeLU treatment of its
    layer from an arch.json file (`arch=FILE`) or by one treatment for all
    layers (`all=quad` or `all=identity`):

    - `gelu`: unchanged.
    - `quad`: MPCFormer's Quad GeLU 0.125x² + 0.25x + 0.5 (Li et al., ICLR
      2023, §3.2) as `vit.quad`.
    - `identity`: the GeLU is removed (its input is used instead).
    - `linearize` with a per-token mask β (MPCViT+, Zeng et al., ICCV 2023,
      §3.4): the MLP `fc2(gelu(fc1(x)))` must be `vit.linear` → `vit.gelu`
      → `vit.linear`. Tokens with β = 1 keep it; tokens with β = 0 compute
      `relu(fc2(fc1(x)))`, whose two linears `--mpcvit-fuse-linear` then
      fuses into one. The token groups are selected with `vit.gather`
      (public indices, free under 2PC) and put back in token order with the
      inverse permutation; no token computes both branches.

    Errors name the layer and what was expected (layer count, token count,
    the linear → gelu → linear shape for token-wise linearization).

    Example (test/passes/linearize-gelu.mlir):
    ```mlir
    // mpcvit-opt --mpcvit-linearize-gelu=all=quad
    %g = vit.gelu erf %h : tensor<1x5x8xf32>
    // becomes
    %g = vit.quad %h coeffs(1.250000e-01, 2.500000e-01, 5.000000e-01)
        : tensor<1x5x8xf32>
    ```
  }];
  let options = [
    Option<"archFile", "arch", "std::string", /*default=*/"\"\"",
           "arch.json (mpcvit.arch.v1) whose per-layer GeLU kinds to apply">,
    Option<"allKind", "all", "std::string", /*default=*/"\"\"",
           "quad or identity for every GeLU">
  ];
}

def FuseLinear : Pass<"mpcvit-fuse-linear", "mlir::ModuleOp"> {
  let summary = "fuse linear layers and fold constants into weights";
  let description = [{
    Constant folding into the server's weights, so that the private program
    runs fewer multiplications (DESIGN.md §1):

    1. LayerNorm affine: `linear(layer_norm(x, γ, β), W, b)` →
       `linear(layer_norm(x, 1, 0), W·diag(γ), W·β + b)` when every user of
       the LayerNorm is a `vit.linear`.
    2. Attention scale: `mul(matmul(q, kᵀ), c)` (or `mul(q, c)`) with a
       scalar constant c is folded into the rows of the projection that
       produces q (W_q, b_q ← c·W_q, c·b_q), following reshape, transpose,
       slice and gather; a fused QKV projection is scaled on q's rows only.
    3. ScaleAttn: when every head of a `vit.attention_norm` is `scale`, the
       op is a/N; 1/N is folded into the V projection and the op removed.
    4. Reassociation: `matmul(matmul(q, kᵀ), v)` → `matmul(q, matmul(kᵀ, v))`
       when nothing nonlinear is left between (all-scale heads) and it
       costs fewer multiply-accumulates (N > head dim).
    5. Linear fusion: `linear(linear(x, W1, b1), W2, b2)` with nothing
       between → `linear(x, W2·W1, W2·b1 + b2)` (also for the token group
       that MPCViT+ linearized).

    New weights are `dense_resource` blobs (up to 16 elements: `dense`).
    With `report=true` the pass emits a remark on the module with the
    multiply-accumulates of linear, matmul and conv_patch ops before and
    after, and what it folded.

    Example (test/passes/fuse-linear.mlir):
    ```mlir
    %h = vit.linear %x, %w1, %b1 : (tensor<1x5x8xf32>, tensor<16x8xf32>,
                                    tensor<16xf32>) -> tensor<1x5x16xf32>
    %y = vit.linear %h, %w2, %b2 : (tensor<1x5x16xf32>, tensor<8x16xf32>,
                                    tensor<8xf32>) -> tensor<1x5x8xf32>
    // becomes one vit.linear with W = W2·W1 [8, 8] and b = W2·b1 + b2
    ```
  }];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "emit a remark with MACs before/after and the rewrites applied">
  ];
}

def RaisePatterns : Pass<"mpcvit-raise-patterns", "mlir::ModuleOp"> {
  let summary = "recognise GeLU, LayerNorm, attention and linear layers in "
                "imported vit IR";
  let description = [{
    The ONNX importer emits what exporters wrote: primitive `vit` ops
    (erf, pow, reduce_mean, matmul with constant weights, ...). This pass
    raises them to the high-level ops that the MPC-friendly passes work on:

    - erf-form and tanh-form GeLU (any elementwise subgraph of one input and
      scalar constants that contains `vit.erf`/`vit.tanh` and computes
      0.5·x·(1 + erf(x/√2)) or the tanh formula, checked numerically at
      sample points) → `vit.gelu erf|tanh`;
    - LayerNorm decomposed as ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div and
      an affine Mul/Add with constant γ, β (last axis) → `vit.layer_norm`;
    - `vit.softmax` over the last axis of a scaled Q·Kᵀ (matmul of two
      activations, optionally times or divided by a scalar constant) →
      `vit.attention_norm` with one `softmax` kind per head: head axis 1 for
      [B, H, N, N]; [B·H, N, N] (nn.MultiheadAttention) is reshaped to
      [B, H, N, N] with B the leading dimension of the first argument;
    - `vit.matmul` with a constant [K, N] (or the transpose of a constant
      [N, K], Gemm transB = 1) → `vit.linear` with W [N, K]; a following
      `vit.add` of a constant bias with N elements is folded into it;
    - `vit.div` of an activation by a single-element constant c ≠ 0 →
      `vit.mul` by the constant 1/c (nn.MultiheadAttention's q / √d_head;
      the lowering has a public product but no division).

    Example (test/onnx/raise-patterns.mlir):
    ```mlir
    // mpcvit-opt --mpcvit-raise-patterns
    %d = vit.div %x, %sqrt2 : (tensor<1x5x8xf32>, tensor<f32>) -> tensor<1x5x8xf32>
    %e = vit.erf %d : tensor<1x5x8xf32>
    %a = vit.add %e, %one : (tensor<1x5x8xf32>, tensor<f32>) -> tensor<1x5x8xf32>
    %m = vit.mul %x, %a : (tensor<1x5x8xf32>, tensor<1x5x8xf32>) -> tensor<1x5x8xf32>
    %g = vit.mul %m, %half : (tensor<1x5x8xf32>, tensor<f32>) -> tensor<1x5x8xf32>
    // becomes
    %g = vit.gelu erf %x : tensor<1x5x8xf32>
    ```
  }];
}

def LowerToMpc : Pass<"mpcvit-lower-to-mpc", "mlir::ModuleOp"> {
  let summary = "lower plaintext vit ops to secret-shared mpc protocols";
  let description = [{
    Lowers every function from `vit` to `mpc` (DESIGN.md §1):

    - Visibility: the function's arguments are the client's input
      (`private<client>`, shared at once by `mpc.share`, 0 bytes); the
      model's constants are the server's weights (`mpc.weight`,
      `private<server>`, written to the weights file), except
      single-element architecture constants (attention scale, 1/N of
      ScaleAttn, Quad coefficients) which are public (`mpc.constant`);
      everything computed from both is `shared`. Every returned value is
      revealed to the client (`mpc.reveal`), the only plain value.
    - Fixed point with `frac-bits` f (default 16, 10 to 18: the range the
      runtime's fused protocols are validated for): a product has 2f bits and
      is followed by one `mpc.trunc` of kind `trunc` (`probabilistic`,
      default: local share truncation, wrong with probability ≈ 2^(k+1−64)
      per element; or `exact`: dealer-assisted, 1 round, never wrong). Truncations are merged where provably safe: the bias of a
      linear / patch convolution is encoded with 2f bits and added before
      the truncation, and a·x² + b·x + c (`vit.quad`) is truncated once
      after the sum.
    - One protocol per op: `linear` → `mmul_sp` with Wᵀ [K, N] (the client
      opens its masked activation only); `conv_patch` → `im2col` +
      `mmul_sp`; `matmul` → `mmul_ss`; `mul` → `mul_public` (scalar
      constant) or `mul_ss`; `gelu`, `relu`, `softmax`, `layer_norm` → the
      fused protocols; `quad` → `square` + public products; reshape,
      transpose, slice, gather and concat are local.
    - `attention_norm` with mixed kinds: the heads of each kind are
      gathered along `head_axis` (public indices) and normalised by that
      kind's protocol only (`softmax`, `relu_softmax`, `two_quad`,
      `two_relu`, or a public 1/N product for `scale`), then concatenated
      and put back in head order by the inverse permutation; no head
      computes two kinds.

    The module gets the session attribute `mpc.session =
    #mpc.session<ring = 64, frac_bits = f, trunc = ..., protocols = ...>`
    (the parameters the handshake checks; `compare` picks
    the runtime's comparison backend for every comparison-based protocol:
    `a2b`, default, or `dcf` function secret sharing, fewer rounds and bytes
    online, much larger dealer keys). Errors name the op: primitive
    ops left unraised (sub, div, pow, erf, ...), non-constant weights, a
    product with a non-scalar constant.

    Example (test/lowering/lower-to-mpc.mlir):
    ```mlir
    // mpcvit-opt --mpcvit-lower-to-mpc
    %y = vit.linear %x, %w, %b : (tensor<1x4xf32>, tensor<2x4xf32>,
                                  tensor<2xf32>) -> tensor<1x2xf32>
    // becomes (W transposed to [4, 2], bias added before the truncation)
    %w = mpc.weight "w_0" dense<...> : tensor<4x2xf32>
        -> !mpc.tensor<4x2, private<server>, frac 16>
    %p = mpc.mmul_sp %x, %w : (!mpc.tensor<1x4, shared, frac 16>,
        !mpc.tensor<4x2, private<server>, frac 16>)
        -> !mpc.tensor<1x2, shared, frac 32>
    %b = mpc.weight "b_1" dense<...> : tensor<2xf32>
        -> !mpc.tensor<2, private<server>, frac 32>
    %s = mpc.add %p, %b : ... -> !mpc.tensor<1x2, shared, frac 32>
    %y = mpc.trunc probabilistic %s : !mpc.tensor<1x2, shared, frac 32>
        -> !mpc.tensor<1x2, shared, frac 16>
    ```
  }];
  let options = [
    Option<"fracBits", "frac-bits", "unsigned", /*default=*/"16",
           "fractional bits of the fixed-point encoding (10..18)">,
    Option<"truncMode", "trunc", "std::string",
           /*default=*/"\"probabilistic\"",
           "truncation protocol after products: probabilistic or exact">,
    Option<"protocols", "protocols", "std::string", /*default=*/"\"a2b\"",
           "protocol suite of the runtime: a2b or fss">
  ];
  let dependentDialects = ["mpcvit::mpc::MpcDialect"];
}

def CheckReveal : Pass<"mpcvit-check-reveal", "mlir::ModuleOp"> {
  let summary = "reject any mpc.reveal other than the final output to the client";
  let description = [{
    Enforces the security invariant of PROTOCOLS.md: no intermediate value
    is ever revealed; the only plain value is the final output, revealed to
    the client. Every `mpc.reveal` must (1) reveal toward the client
    (`private<client>` result), and (2) be used only by the function's
    `func.return` (the output); a function may hold at most one reveal per
    returned value. Any other reveal is an error naming the op and the rule
    it breaks. `mpcvit-compile` runs this pass after the lowering.

    Example (test/lowering/check-reveal.mlir):
    ```mlir
    // mpcvit-opt --mpcvit-check-reveal
    %r = mpc.reveal %s : !mpc.tensor<1x4, shared, frac 16>
        -> !mpc.tensor<1x4, private<client>, frac 16>
    %t = mpc.share %r : ...   // error: 'mpc.reveal' op reveals an
                              // intermediate value ...
    ```
  }];
}

def ScheduleRounds : Pass<"mpcvit-schedule-rounds", "mlir::ModuleOp"> {
  let summary = "run independent protocol sequences in lock-step (mpc.parallel)";
  let description = [{
    Independent protocol steps can share rounds (PROTOCOLS.md "Rounds of
    independent ops"; DESIGN.md §5). For every op J of a lowered program
    with two or more operands (a `mpc.concat` joining head groups or
    MPCViT+ token groups, an `mpc.add`, ...) the pass collects, for each
    operand, its exclusive cone: the ops of the same block whose results
    flow only into that operand of J (ops without operands, weights and
    constants, stay where they are). Cones are disjoint and no cone uses a
    value another cone defines. When at least two cones communicate
    (rounds > 0), they move, in program order, into the branches of one
    `mpc.parallel` placed before J (cones without rounds stay sequential).
    Joins are visited in program order, so an inner fork-join becomes a
    nested `mpc.parallel` inside an outer branch.

    The runtime runs the branches in lock-step (one message per party per
    round), so a layer whose heads mix kinds pays the rounds of its most
    expensive kind; the cost model (`--mpcvit-cost-report`) counts rounds
    along the critical path and bytes as the sum. Results are unchanged:
    the same protocols run on the same values. `mpcvit-compile` runs this
    pass after the lowering (`--schedule=sequential` skips it).

    Example (test/passes/schedule-rounds.mlir):
    ```mlir
    // mpcvit-opt --mpcvit-schedule-rounds
    %a = mpc.relu %x : !mpc.tensor<4x8, shared, frac 16>
    %b = mpc.gelu %y : !mpc.tensor<4x8, shared, frac 16>
    %c = mpc.concat %a, %b axis 0 : (...) -> !mpc.tensor<8x8, shared, frac 16>
    // becomes
    %r:2 = mpc.parallel {
      %a = mpc.relu %x : ...
      mpc.yield %a : ...
    }, {
      %b = mpc.gelu %y : ...
      mpc.yield %b : ...
    } : ...
    %c = mpc.concat %r#0, %r#1 axis 0 : ...
    ```
  }];
  let dependentDialects = ["mpcvit::mpc::MpcDialect"];
}

def CostReport : Pass<"mpcvit-cost-report", "mlir::ModuleOp"> {
  let summary = "print the exact communication and estimated latency of a lowered program";
  let description = [{
    For a program lowered by `--mpcvit-lower-to-mpc` (DESIGN.md §6), prints
    per op (ops that communicate), per layer and in total: online bytes
    sent by the server and by the client, online rounds and offline bytes
    sent by the dealer, per inference (`CommCostOpInterface`: the runtime's
    closed-form cost functions of the kernels the emitter calls, for the
    module's `#mpc.session`); for
    every attention normalisation (ops tagged `mpcvit.attention_norm` by the
    lowering) the cost of one head under each kind (softmax, relu_softmax,
    scale, 2quad, 2relu); and the estimated online latency per network
    profile, Σ_ops (rounds·RTT + max-party bytes/bandwidth) + compute.

    Layers come from the ops' locations (the ONNX node name,
    `/blocks.N/...`, `encoder_layer_N`, ...: lib/cost/LayerAttribution.h);
    ops without one are the "other" row. Keep locations by running the
    passes in one process or on bytecode (`mpcvit-translate --import-onnx
    --emit-bytecode`); textual IR printed without debug info has none.

    Options: `json` prints the same as one JSON object
    (`--mpcvit-cost-report=json`); `calibration=FILE` reads the compute
    term (seconds per unit of work, written by `mpcvit_runtime_bench
    --calibrate FILE`; without it compute is reported as unknown, 0 s);
    `profiles=lan,wan,wan-slow` (default) and/or `custom:BW,RTT` (Mbit/s,
    ms; e.g. `profiles=lan,custom:100,10`); `output=FILE`
    (default `-`, stdout). The IR passes through unchanged. Errors name
    the op: a non-`mpc` op, a cost that fails (another ring), a malformed
    session attribute, calibration file or profile.

    Example (test/cost/cost-report.mlir):
    ```mlir
    // mpcvit-opt --mpcvit-cost-report -o /dev/null
    %p = mpc.mmul_sp %x, %w {...} : (!mpc.tensor<1x17x64, shared, frac 16>,
        !mpc.tensor<64x192, private<server>, frac 16>)
        -> !mpc.tensor<1x17x192, shared, frac 32> loc("/blocks.0/attn/qkv/MatMul")
    // prints
    // 2  mpc.mmul_sp  0  1x17x192  0  8704  1  26112  /blocks.0/attn/qkv/MatMul
    ```
  }];
  let options = [
    Option<"json", "json", "bool", /*default=*/"false",
           "print the report as JSON">,
    Option<"calibration", "calibration", "std::string", /*default=*/"\"\"",
           "calibration file of the compute term (mpcvit.calibration.v1)">,
    ListOption<"profiles", "profiles", "std::string",
               "network profiles: lan, wan, wan-slow, custom:BW,RTT">,
    Option<"output", "output", "std::string", /*default=*/"\"-\"",
           "file to write the report to ('-': stdout)">,
  ];
}

#endif // MPCVIT_PASSES_PASSES_TD
