//===- VitDialect.td - the plaintext ViT dialect -----------*- tablegen -*-===//
//
// The `vit` dialect: plaintext, float, statically shaped, high-level Vision
// Transformer ops (DESIGN.md §3). High level on purpose: Softmax, GeLU and
// LayerNorm stay single ops so that the MPC-friendly passes can find them.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_DIALECTS_VIT_VITDIALECT_TD
#define MPCVIT_DIALECTS_VIT_VITDIALECT_TD

include "mlir/IR/OpBase.td"

def Vit_Dialect : Dialect {
  let name = "vit";
  let cppNamespace = "::mpcvit::vit";
  let summary = "Plaintext Vision Transformer ops on static float tensors";
  let description = [{
    The `vit` dialect is what the ONNX importer produces and what the
    MPC-friendly rewrite passes (`--mpcvit-replace-softmax`,
    `--mpcvit-linearize-gelu`, `--mpcvit-fuse-linear`) work on. Values are
    float tensors with static shapes; weights are constants (usually
    `dense_resource` blobs). Nothing here is secret yet: visibility and
    fixed-point encoding appear only after `--mpcvit-lower-to-mpc`.

    Per-head attention normalisation is a single op, `vit.attention_norm`,
    whose `kinds` attribute holds one entry per head (softmax, relu_softmax,
    scale, 2quad, 2relu), so the NAS result can address every head.
  }];
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    /// Registers the attributes (defined in VitAttrs.cpp).
    void registerAttributes();
  }];
}

class Vit_Op<string mnemonic, list<Trait> traits = []>
    : Op<Vit_Dialect, mnemonic, traits>;

// Every `vit` value is a statically shaped float tensor.
def Vit_Tensor : StaticShapeTensorOf<[AnyFloat]>;

#endif // MPCVIT_DIALECTS_VIT_VITDIALECT_TD
