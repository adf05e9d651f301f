//===- MpcTypes.td - fixed-point ring tensors with visibility -*- tablegen -*-//

#ifndef MPCVIT_DIALECTS_MPC_MPCTYPES_TD
#define MPCVIT_DIALECTS_MPC_MPCTYPES_TD

include "mpcvit/dialects/mpc/MpcDialect.td"
include "mlir/IR/AttrTypeBase.td"

def Mpc_TensorType : TypeDef<Mpc_Dialect, "RingTensor"> {
  let mnemonic = "tensor";
  let summary = "a static-shape fixed-point tensor over Z_2^64 with a visibility";
  let description = [{
    Syntax: `!mpc.tensor<` (dim `x`)* dim `,` visibility `,` `frac` f `>`,
    or `!mpc.tensor<` visibility `,` `frac` f `>` for a scalar, where
    visibility is `public`, `shared`, `private<server>` or
    `private<client>`. Dimensions are static and positive; `f` (fractional
    bits) is in [0, 63].

    Examples: `!mpc.tensor<65x256, shared, frac 16>`,
    `!mpc.tensor<256x512, private<server>, frac 16>`,
    `!mpc.tensor<1x10, public, frac 0>`.
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t", "static dimensions">:$shape,
    "::mpcvit::mpc::Visibility":$visibility,
    "unsigned":$fracBits);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Number of ring elements (product of the dimensions; 1 for a scalar).
    int64_t getNumElements() const;
    /// Rank (number of dimensions).
    int64_t getRank() const { return getShape().size(); }
    bool isShared() const {
      return getVisibility() == ::mpcvit::mpc::Visibility::Shared;
    }
    bool isPublic() const {
      return getVisibility() == ::mpcvit::mpc::Visibility::Public;
    }
    bool isPrivate() const { return !isShared() && !isPublic(); }
    /// Same type with another shape / visibility / fractional bits.
    RingTensorType withShape(::llvm::ArrayRef<int64_t> shape) const;
    RingTensorType withVisibility(::mpcvit::mpc::Visibility v) const;
    RingTensorType withFracBits(unsigned f) const;
  }];
}

// Any !mpc.tensor. The C++ type stays mlir::Type so that custom assembly
// prints the full `!mpc.tensor<...>` rather than the stripped `<...>`.
def Mpc_AnyTensor : Type<CPred<"::llvm::isa<::mpcvit::mpc::RingTensorType>($_self)">,
                         "mpc tensor">;
def Mpc_SharedTensor : Type<And<[Mpc_AnyTensor.predicate,
    CPred<"::llvm::cast<::mpcvit::mpc::RingTensorType>($_self).isShared()">]>,
    "shared mpc tensor">;

#endif // MPCVIT_DIALECTS_MPC_MPCTYPES_TD
