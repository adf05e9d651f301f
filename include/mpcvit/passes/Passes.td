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

#endif // MPCVIT_PASSES_PASSES_TD
