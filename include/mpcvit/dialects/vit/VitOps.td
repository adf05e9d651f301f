//===- VitOps.td - plaintext ViT ops -----------------------*- tablegen -*-===//
//
// Ops of the `vit` dialect (DESIGN.md §3). Every op has a verifier for shapes
// and attributes, a custom assembly format, and an example that is also a lit
// round-trip test (test/dialects/vit/ops.mlir).
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_DIALECTS_VIT_VITOPS_TD
#define MPCVIT_DIALECTS_VIT_VITOPS_TD

include "mpcvit/dialects/vit/VitDialect.td"
include "mpcvit/dialects/vit/VitAttrs.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Constants and linear algebra
//===----------------------------------------------------------------------===//

def Vit_ConstantOp : Vit_Op<"constant",
    [Pure, ConstantLike, AllTypesMatch<["value", "result"]>]> {
  let summary = "a constant float tensor (weights, biases, embeddings)";
  let description = [{
    Materialises a float tensor. Weights imported from ONNX are
    `dense_resource` blobs owned by the module; small constants may be
    `dense<...>`. The attribute's type is the result type.

    Example:
    ```mlir
    %b = vit.constant dense<[0.5, -1.0]> : tensor<2xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Vit_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

def Vit_LinearOp : Vit_Op<"linear", [Pure]> {
  let summary = "y = x·Wᵀ + b over the last axis";
  let description = [{
    A fully connected layer applied to the last axis of `input`
    ([..., K]) with `weight` [N, K] (the layout of torch.nn.Linear and ONNX
    Gemm with transB = 1) and an optional `bias` [N]. The result has shape
    [..., N]. All element types agree.

    Example:
    ```mlir
    %y = vit.linear %x, %w, %b : (tensor<1x17x64xf32>, tensor<128x64xf32>,
                                  tensor<128xf32>) -> tensor<1x17x128xf32>
    ```
  }];
  let arguments = (ins Vit_Tensor:$input, Vit_Tensor:$weight,
                       Optional<Vit_Tensor>:$bias);
  let results = (outs Vit_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Vit_MatmulOp : Vit_Op<"matmul", [Pure]> {
  let summary = "batched matrix product with broadcast batch dimensions";
  let description = [{
    `lhs` [..., M, K] times `rhs` [..., K, N] gives [..., M, N]; the batch
    dimensions broadcast as in NumPy (ONNX MatMul semantics for rank ≥ 2).
    Used for Q·Kᵀ and A·V, where both operands are activations.

    Example:
    ```mlir
    %s = vit.matmul %q, %kt : (tensor<1x4x17x16xf32>, tensor<1x4x16x17xf32>)
                              -> tensor<1x4x17x17xf32>
    ```
  }];
  let arguments = (ins Vit_Tensor:$lhs, Vit_Tensor:$rhs);
  let results = (outs Vit_Tensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

class Vit_BroadcastBinaryOp<string mnemonic, string what>
    : Vit_Op<mnemonic, [Pure, Commutative]> {
  let summary = "elementwise " # what # " with NumPy broadcasting";
  let arguments = (ins Vit_Tensor:$lhs, Vit_Tensor:$rhs);
  let results = (outs Vit_Tensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Vit_AddOp : Vit_BroadcastBinaryOp<"add", "sum"> {
  let description = [{
    `lhs + rhs`; the shapes broadcast as in NumPy and the result has the
    broadcast shape (residual connections, biases, position embeddings).

    Example:
    ```mlir
    %z = vit.add %x, %pos : (tensor<1x17x64xf32>, tensor<1x17x64xf32>)
                            -> tensor<1x17x64xf32>
    ```
  }];
}

def Vit_MulOp : Vit_BroadcastBinaryOp<"mul", "product"> {
  let description = [{
    `lhs * rhs` elementwise; the shapes broadcast as in NumPy.

    Example:
    ```mlir
    %z = vit.mul %x, %s : (tensor<1x17x64xf32>, tensor<1xf32>)
                          -> tensor<1x17x64xf32>
    ```
  }];
}

class Vit_UnaryOp<string mnemonic, list<Trait> traits = []>
    : Vit_Op<mnemonic, !listconcat([Pure, SameOperandsAndResultType], traits)> {
  let arguments = (ins Vit_Tensor:$input);
  let results = (outs Vit_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Vit_ReluOp : Vit_UnaryOp<"relu"> {
  let summary = "max(x, 0) elementwise";
  let description = [{
    Example:
    ```mlir
    %y = vit.relu %x : tensor<1x17x128xf32>
    ```
  }];
}

def Vit_GeluOp : Vit_Op<"gelu", [Pure, SameOperandsAndResultType]> {
  let summary = "exact GeLU, erf or tanh formula";
  let description = [{
    GeLU(x) = x·Φ(x) (Hendrycks & Gimpel 2016). `erf` is the exact form
    0.5·x·(1 + erf(x/√2)) that torch.nn.GELU() exports; `tanh` is the
    approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715x³))) of
    GELU(approximate='tanh'). MPC-friendly replacements (Quad GeLU,
    identity) are written with `vit.quad` or removed by
    `--mpcvit-linearize-gelu`.

    Example:
    ```mlir
    %y = vit.gelu erf %x : tensor<1x17x128xf32>
    ```
  }];
  let arguments = (ins Vit_Tensor:$input, Vit_GeluKindAttr:$kind);
  let results = (outs Vit_Tensor:$result);
  let assemblyFormat = "custom<GeluKind>($kind) $input attr-dict `:` type($result)";
}

def Vit_QuadOp : Vit_Op<"quad", [Pure, SameOperandsAndResultType]> {
  let summary = "a·x² + b·x + c elementwise";
  let description = [{
    A quadratic polynomial with constant coefficients. MPCFormer's Quad GeLU
    (Li et al., ICLR 2023, §3.2) is `a = 0.125, b = 0.25, c = 0.5`; one
    secret square and local operations under 2PC.

    Example:
    ```mlir
    %y = vit.quad %x coeffs(1.250000e-01, 2.500000e-01, 5.000000e-01)
        : tensor<1x17x128xf32>
    ```
  }];
  let arguments = (ins Vit_Tensor:$input, F64Attr:$a, F64Attr:$b, F64Attr:$c);
  let results = (outs Vit_Tensor:$result);
  let assemblyFormat = [{
    $input `coeffs` `(` $a `,` $b `,` $c `)` attr-dict `:` type($result)
  }];
}

//===----------------------------------------------------------------------===//
// Normalisations
//===----------------------------------------------------------------------===//

def Vit_SoftmaxOp : Vit_Op<"softmax", [Pure, SameOperandsAndResultType]> {
  let summary = "softmax along one axis";
  let description = [{
    exp(x − max) / Σ exp(x − max) along `axis` (negative counts from the
    end, as in ONNX). A softmax over attention scores is raised to
    `vit.attention_norm` by `--mpcvit-raise-patterns`; this op remains for
    other uses.

    Example:
    ```mlir
    %p = vit.softmax %x axis -1 : tensor<1x10xf32>
    ```
  }];
  let arguments = (ins Vit_Tensor:$input, I64Attr:$axis);
  let results = (outs Vit_Tensor:$result);
  let assemblyFormat = "$input `axis` $axis attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Vit_AttentionNormOp : Vit_Op<"attention_norm",
    [Pure, SameOperandsAndResultType]> {
  let summary = "per-head normalisation of attention scores";
  let description = [{
    Normalises each row (last axis) of the attention scores `input`, e.g.
    [B, H, N, N], with the kind of the row's head: `kinds[h]` applies to
    index h along `head_axis`. Kinds (HeadKind): `softmax`; `relu_softmax`
    (RSAttn, MPCViT §3.2: ReLU(a)/(Σ_row ReLU(a) + ε)); `scale` (ScaleAttn,
    MPCViT §3.2: a/N, N = length of the row = number of tokens); `2quad`
    (MPCFormer §3.2: (a+5)²/Σ_row (a+5)²); `2relu` (MPCFormer:
    ReLU(a)/Σ_row ReLU(a)).

    `epsilon` (default 1e-6) is the ε of `relu_softmax`; `2quad` uses
    c = 5. The verifier requires rank ≥ 3, `head_axis` < rank − 2 (neither
    the row nor the column axis), one kind per head and ε > 0.

    Example:
    ```mlir
    %a = vit.attention_norm %s kinds [softmax, relu_softmax, scale, "2quad"]
        head_axis 1 : tensor<1x4x17x17xf32>
    ```
  }];
  let arguments = (ins Vit_Tensor:$input, Vit_HeadKindsAttr:$kinds,
                       I64Attr:$head_axis,
                       DefaultValuedAttr<F64Attr, "1.0e-6">:$epsilon);
  let results = (outs Vit_Tensor:$result);
  let assemblyFormat = [{
    $input `kinds` custom<HeadKinds>($kinds) `head_axis` $head_axis
    (`epsilon` $epsilon^)? attr-dict `:` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Number of heads = size of the head axis.
    int64_t getNumHeads() {
      return getInput().getType().getDimSize(getHeadAxis());
    }
  }];
}

def Vit_LayerNormOp : Vit_Op<"layer_norm", [Pure]> {
  let summary = "layer normalisation over the last axis";
  let description = [{
    (x − mean) / sqrt(var + epsilon) · gamma + beta over the last axis
    (Ba et al. 2016; torch.nn.LayerNorm with one normalised dimension, ONNX
    LayerNormalization with axis = −1). `gamma` and `beta` have shape [D]
    where D is the last dimension of `input`; the result has the type of
    `input`. The variance is the biased (population) variance.

    Example:
    ```mlir
    %y = vit.layer_norm %x, %g, %b epsilon 1.000000e-05
        : (tensor<1x17x64xf32>, tensor<64xf32>, tensor<64xf32>)
        -> tensor<1x17x64xf32>
    ```
  }];
  let arguments = (ins Vit_Tensor:$input, Vit_Tensor:$gamma, Vit_Tensor:$beta,
                       F64Attr:$epsilon);
  let results = (outs Vit_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta `epsilon` $epsilon attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def Vit_TransposeOp : Vit_Op<"transpose", [Pure]> {
  let summary = "permute the axes of a tensor";
  let description = [{
    Result axis i is input axis `perm[i]` (ONNX Transpose semantics).

    Example:
    ```mlir
    %t = vit.transpose %x perm [0, 2, 1, 3]
        : tensor<1x17x4x16xf32> -> tensor<1x4x17x16xf32>
    ```
  }];
  let arguments = (ins Vit_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Vit_Tensor:$result);
  let assemblyFormat = [{
    $input `perm` $perm attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Vit_ReshapeOp : Vit_Op<"reshape", [Pure]> {
  let summary = "reinterpret a tensor with a new static shape";
  let description = [{
    Row-major reshape; element counts and element types must agree.

    Example:
    ```mlir
    %r = vit.reshape %x : tensor<1x17x64xf32> -> tensor<1x17x4x16xf32>
    ```
  }];
  let arguments = (ins Vit_Tensor:$input);
  let results = (outs Vit_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Vit_ConcatOp : Vit_Op<"concat", [Pure]> {
  let summary = "concatenate tensors along one axis";
  let description = [{
    All operands have the same rank and agree on every dimension except
    `axis`; the result's `axis` dimension is the sum (class token +
    patch tokens).

    Example:
    ```mlir
    %t = vit.concat %cls, %patches axis 1
        : (tensor<1x1x64xf32>, tensor<1x16x64xf32>) -> tensor<1x17x64xf32>
    ```
  }];
  let arguments = (ins Variadic<Vit_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Vit_Tensor:$result);
  let assemblyFormat = [{
    $inputs `axis` $axis attr-dict `:` functional-type($inputs, results)
  }];
  let hasVerifier = 1;
}

def Vit_SliceOp : Vit_Op<"slice", [Pure]> {
  let summary = "strided static slice";
  let description = [{
    result[i…] = input[offsets + i·strides] for every axis; `sizes` is the
    result shape. Offsets are non-negative, strides positive, and the last
    element read lies inside the input (e.g. selecting the class token).

    Example:
    ```mlir
    %c = vit.slice %x offsets [0, 0, 0] sizes [1, 1, 64] strides [1, 1, 1]
        : tensor<1x17x64xf32> -> tensor<1x1x64xf32>
    ```
  }];
  let arguments = (ins Vit_Tensor:$input, DenseI64ArrayAttr:$offsets,
                       DenseI64ArrayAttr:$sizes, DenseI64ArrayAttr:$strides);
  let results = (outs Vit_Tensor:$result);
  let assemblyFormat = [{
    $input `offsets` $offsets `sizes` $sizes `strides` $strides attr-dict `:`
    type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Vit_GatherOp : Vit_Op<"gather", [Pure]> {
  let summary = "select entries along one axis by constant indices";
  let description = [{
    result[..., i, ...] = input[..., indices[i], ...] along `axis` (ONNX
    Gather with constant indices; negative axis counts from the end).
    Indices are in [0, dim) and may repeat or reorder. Used to pick token
    groups, e.g. the tokens that MPCViT+ linearises (β = 0) and the inverse
    permutation that puts the groups back in token order. With public
    indices it is free under 2PC.

    Example:
    ```mlir
    %t = vit.gather %x axis 1 indices [0, 3, 5]
        : tensor<1x17x64xf32> -> tensor<1x3x64xf32>
    ```
  }];
  let arguments = (ins Vit_Tensor:$input, I64Attr:$axis,
                       DenseI64ArrayAttr:$indices);
  let results = (outs Vit_Tensor:$result);
  let assemblyFormat = [{
    $input `axis` $axis `indices` $indices attr-dict `:` type($input) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

def Vit_ConvPatchOp : Vit_Op<"conv_patch", [Pure]> {
  let summary = "2-D convolution of the patch embedding (NCHW)";
  let description = [{
    input [B, C, H, W] ⋆ weight [D, C, kh, kw] + bias [D] with `strides`
    [sh, sw] and zero `pads` [top, left, bottom, right] (ONNX Conv, group 1,
    dilation 1). The result is [B, D, Ho, Wo] with
    Ho = (H + top + bottom − kh) / sh + 1 (exact division not required, floor).
    A ViT patch embedding has kernel = stride = patch size.

    Example:
    ```mlir
    %p = vit.conv_patch %img, %w, %b strides [7, 7] pads [0, 0, 0, 0]
        : (tensor<1x1x28x28xf32>, tensor<64x1x7x7xf32>, tensor<64xf32>)
        -> tensor<1x64x4x4xf32>
    ```
  }];
  let arguments = (ins Vit_Tensor:$input, Vit_Tensor:$weight,
                       Optional<Vit_Tensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads);
  let results = (outs Vit_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? `strides` $strides `pads` $pads attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Primitive ops of imported graphs (ONNX importer, issue 3)
//
// What exporters emit before --mpcvit-raise-patterns recognises GeLU,
// LayerNorm and attention. They are plaintext only: nothing lowers them to
// `mpc`, so a graph that still holds one after raising cannot be compiled
// privately (the plaintext evaluator runs them).
//===----------------------------------------------------------------------===//

class Vit_OrderedBinaryOp<string mnemonic, string what>
    : Vit_Op<mnemonic, [Pure]> {
  let summary = "elementwise " # what # " with NumPy broadcasting";
  let arguments = (ins Vit_Tensor:$lhs, Vit_Tensor:$rhs);
  let results = (outs Vit_Tensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Vit_SubOp : Vit_OrderedBinaryOp<"sub", "difference"> {
  let description = [{
    `lhs - rhs` elementwise (ONNX Sub); shapes broadcast as in NumPy.

    Example:
    ```mlir
    %d = vit.sub %x, %m : (tensor<1x17x64xf32>, tensor<1x17x1xf32>)
                          -> tensor<1x17x64xf32>
    ```
  }];
}

def Vit_DivOp : Vit_OrderedBinaryOp<"div", "quotient"> {
  let description = [{
    `lhs / rhs` elementwise (ONNX Div on floats, IEEE division); shapes
    broadcast as in NumPy.

    Example:
    ```mlir
    %q = vit.div %x, %s : (tensor<1x17x64xf32>, tensor<f32>)
                          -> tensor<1x17x64xf32>
    ```
  }];
}

def Vit_PowOp : Vit_OrderedBinaryOp<"pow", "power"> {
  let description = [{
    `lhs ^ rhs` elementwise (ONNX Pow, C `pow`); shapes broadcast as in
    NumPy. Exporters emit it with a constant exponent (2 in LayerNorm, 3 in
    tanh GeLU).

    Example:
    ```mlir
    %p = vit.pow %x, %two : (tensor<1x17x64xf32>, tensor<f32>)
                            -> tensor<1x17x64xf32>
    ```
  }];
}

def Vit_SqrtOp : Vit_UnaryOp<"sqrt"> {
  let summary = "square root elementwise";
  let description = [{
    Example:
    ```mlir
    %y = vit.sqrt %x : tensor<1x17x1xf32>
    ```
  }];
}

def Vit_ReciprocalOp : Vit_UnaryOp<"reciprocal"> {
  let summary = "1 / x elementwise";
  let description = [{
    Example:
    ```mlir
    %y = vit.reciprocal %x : tensor<1x17x1xf32>
    ```
  }];
}

def Vit_ErfOp : Vit_UnaryOp<"erf"> {
  let summary = "Gauss error function elementwise";
  let description = [{
    erf(x) = 2/√π ∫₀ˣ exp(−t²) dt (ONNX Erf); part of exported exact GeLU.

    Example:
    ```mlir
    %y = vit.erf %x : tensor<1x17x128xf32>
    ```
  }];
}

def Vit_TanhOp : Vit_UnaryOp<"tanh"> {
  let summary = "hyperbolic tangent elementwise";
  let description = [{
    Example:
    ```mlir
    %y = vit.tanh %x : tensor<1x17x128xf32>
    ```
  }];
}

def Vit_ExpOp : Vit_UnaryOp<"exp"> {
  let summary = "natural exponential elementwise";
  let description = [{
    Example:
    ```mlir
    %y = vit.exp %x : tensor<1x4x17x17xf32>
    ```
  }];
}

class Vit_ReduceOp<string mnemonic, string what> : Vit_Op<mnemonic, [Pure]> {
  let summary = what # " over a set of axes";
  let arguments = (ins Vit_Tensor:$input, DenseI64ArrayAttr:$axes,
                       UnitAttr:$keepdims);
  let results = (outs Vit_Tensor:$result);
  let assemblyFormat = [{
    $input `axes` $axes (`keepdims` $keepdims^)? attr-dict `:` type($input)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

def Vit_ReduceMeanOp : Vit_ReduceOp<"reduce_mean", "arithmetic mean"> {
  let description = [{
    Mean over `axes` (ONNX ReduceMean; negative axes count from the end,
    each axis at most once, none means no axis). With `keepdims` the
    reduced axes stay with size 1, otherwise they are removed.

    Example:
    ```mlir
    %m = vit.reduce_mean %x axes [-1] keepdims
        : tensor<1x17x64xf32> -> tensor<1x17x1xf32>
    ```
  }];
}

def Vit_ReduceSumOp : Vit_ReduceOp<"reduce_sum", "sum"> {
  let description = [{
    Sum over `axes` (ONNX ReduceSum); axes and `keepdims` as in
    `vit.reduce_mean`.

    Example:
    ```mlir
    %s = vit.reduce_sum %x axes [2] : tensor<1x17x64xf32> -> tensor<1x17xf32>
    ```
  }];
}

def Vit_ReduceMaxOp : Vit_ReduceOp<"reduce_max", "maximum"> {
  let description = [{
    Maximum over `axes` (ONNX ReduceMax); axes and `keepdims` as in
    `vit.reduce_mean`.

    Example:
    ```mlir
    %s = vit.reduce_max %x axes [-1] keepdims
        : tensor<1x4x17x17xf32> -> tensor<1x4x17x1xf32>
    ```
  }];
}

#endif // MPCVIT_DIALECTS_VIT_VITOPS_TD
