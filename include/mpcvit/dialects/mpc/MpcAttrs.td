//===- MpcAttrs.td - attributes of the mpc dialect ---------*- tablegen -*-===//

#ifndef MPCVIT_DIALECTS_MPC_MPCATTRS_TD
#define MPCVIT_DIALECTS_MPC_MPCATTRS_TD

include "mpcvit/dialects/mpc/MpcDialect.td"
include "mlir/IR/EnumAttr.td"

def Mpc_TruncKind : I32EnumAttr<"TruncKind", "fixed-point truncation protocol", [
  // Each party shifts its own share: 0 bytes, 0 rounds, ±1 ulp, fails with
  // probability ≈ 2^(k+1−ℓ) for |x| < 2^k (SecureML §4.1).
  I32EnumAttrCase<"Local", 0, "local">,
  // Dealer pair (r, r ≫ s) plus an (s+1)-bit carry correction: open x − r,
  // 1 round, n·ℓ/8 bytes per party, n·ℓ/8 + ⌈n(s+1)/8⌉ offline, +1 ulp at
  // most and no wrap failure for |x| < 2^62.
  I32EnumAttrCase<"Dealer", 1, "dealer">
]> {
  let cppNamespace = "::mpcvit::mpc";
  let genSpecializedAttr = 0;
}

def Mpc_TruncKindAttr : EnumAttr<Mpc_Dialect, Mpc_TruncKind, "trunc_kind"> {
  let assemblyFormat = "$value";
}

#endif // MPCVIT_DIALECTS_MPC_MPCATTRS_TD
