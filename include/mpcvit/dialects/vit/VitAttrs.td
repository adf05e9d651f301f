//===- VitAttrs.td - head kinds and GeLU kinds -------------*- tablegen -*-===//
//
// Attributes of the `vit` dialect: the attention-normalisation kind of each
// head (the NAS search space of MPCViT and MPCFormer) and the GeLU formula.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_DIALECTS_VIT_VITATTRS_TD
#define MPCVIT_DIALECTS_VIT_VITATTRS_TD

include "mpcvit/dialects/vit/VitDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Vit_HeadKind : I32Enum<"HeadKind",
    "attention-normalisation kind of one head", [
  // Softmax over the row: exp(a_j - max) / Σ exp(a_i - max).
  I32EnumCase<"Softmax", 0, "softmax">,
  // RSAttn, MPCViT (Zeng et al., ICCV 2023) §3.2: ReLU(a)/(Σ ReLU(a) + ε).
  I32EnumCase<"ReluSoftmax", 1, "relu_softmax">,
  // ScaleAttn, MPCViT §3.2: a / N with N the number of tokens.
  I32EnumCase<"Scale", 2, "scale">,
  // 2Quad, MPCFormer (Li et al., ICLR 2023) §3.2: (a+c)²/Σ(a+c)², c = 5.
  I32EnumCase<"TwoQuad", 3, "2quad">,
  // 2ReLU, MPCFormer §3.2: ReLU(a)/Σ ReLU(a).
  I32EnumCase<"TwoRelu", 4, "2relu">
]> {
  let cppNamespace = "::mpcvit::vit";
}

def Vit_HeadKindsAttr : AttrDef<Vit_Dialect, "HeadKinds"> {
  let mnemonic = "head_kinds";
  let summary = "per-head attention-normalisation kinds";
  let description = [{
    One `HeadKind` per head of an attention layer, in head order. Kinds that
    are not identifiers (`2quad`, `2relu`) are written as strings; any kind
    may be written as a string, which is how arch.json spells them.

    Example: `#vit.head_kinds<[softmax, relu_softmax, scale, "2quad"]>`.
  }];
  let parameters = (ins ArrayRefParameter<"::mpcvit::vit::HeadKind",
                                          "kind of each head">:$kinds);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Number of heads described.
    size_t size() const { return getKinds().size(); }
    /// Kind of head `h`; asserts h < size().
    ::mpcvit::vit::HeadKind operator[](size_t h) const {
      return getKinds()[h];
    }
  }];
}

def Vit_GeluKind : I32EnumAttr<"GeluKind", "formula of an exact GeLU", [
  // x·Φ(x) = 0.5·x·(1 + erf(x/√2)) (Hendrycks & Gimpel 2016, eq. 1).
  I32EnumAttrCase<"Erf", 0, "erf">,
  // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (Hendrycks & Gimpel 2016).
  I32EnumAttrCase<"Tanh", 1, "tanh">
]> {
  let cppNamespace = "::mpcvit::vit";
  let genSpecializedAttr = 0;
}

def Vit_GeluKindAttr : EnumAttr<Vit_Dialect, Vit_GeluKind, "gelu_kind"> {
  let assemblyFormat = "$value";
}

#endif // MPCVIT_DIALECTS_VIT_VITATTRS_TD
