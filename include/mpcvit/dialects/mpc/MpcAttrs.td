//===- MpcAttrs.td - attributes of the 2PC dialect ---------*- tablegen -*-===//
//
// The truncation and comparison protocol families and the one typed session
// attribute (`#mpc.session`) every lowered module carries.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_DIALECTS_MPC_MPCATTRS_TD
#define MPCVIT_DIALECTS_MPC_MPCATTRS_TD

include "mpcvit/dialects/mpc/MpcDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

// Named after what each protocol guarantees (the runtime's rt::TruncMode
// has the same values, checked in the handshake).
def Mpc_TruncKind : I32EnumAttr<"TruncKind", "fixed-point truncation protocol", [
  // SecureML §4.1: each party shifts its own share: 0 bytes, 0 rounds,
  // ±1 ulp, wrong with probability ≈ 2^(k+1−ℓ) per element for |x| < 2^k.
  I32EnumAttrCase<"Probabilistic", 0, "probabilistic">,
  // Dealer pair (r, r ≫ s) plus an (s+1)-bit carry correction: open x − r,
  // 1 round, n·ℓ/8 bytes per party, n·ℓ/8 + ⌈n(s+1)/8⌉ offline, +1 ulp at
  // most and never wrong for |x| < 2^62.
  I32EnumAttrCase<"Exact", 1, "exact">
]> {
  let cppNamespace = "::mpcvit::mpc";
  let genSpecializedAttr = 0;
}

def Mpc_TruncKindAttr : EnumAttr<Mpc_Dialect, Mpc_TruncKind, "trunc_kind"> {
  let assemblyFormat = "$value";
}

// Backend of the comparison family (DReLU, ReLU, max) and of every protocol
// built on it (rt::ProtocolSuite, same values).
def Mpc_ProtocolKind : I32EnumAttr<"ProtocolKind", "comparison backend", [
  // Boolean carry tree + B2A: 8 rounds, ≈ 37.6 B per element per party.
  I32EnumAttrCase<"A2B", 0, "a2b">,
  // FSS distributed comparison function on the masked input: 1 round,
  // 8 B per element per party, large dealer keys (runtime dcf.h).
  I32EnumAttrCase<"FSS", 1, "fss">
]> {
  let cppNamespace = "::mpcvit::mpc";
  let genSpecializedAttr = 0;
}

def Mpc_SessionAttr : AttrDef<Mpc_Dialect, "Session"> {
  let mnemonic = "session";
  let summary = "the protocol parameters of a lowered program";
  let description = [{
    What the handshake checks besides the program hash and what the cost of
    a composite op depends on besides its shapes: the ring Z_2^ring (the
    runtime implements ring = 64 only), the fixed-point fractional bits,
    the truncation protocol after products and the comparison backend.
    `--mpcvit-lower-to-mpc` sets it on the module as `mpc.session`; read it
    with `mpc::getSession(op)` (MpcAttrs.h), which gives the defaults
    (64, 16, probabilistic, a2b) for a module without one.

    Example:
    ```mlir
    module attributes {mpc.session = #mpc.session<ring = 64, frac_bits = 16,
                                                  trunc = exact, protocols = a2b>} {}
    ```
  }];
  let parameters = (ins "unsigned":$ring, "unsigned":$frac_bits,
                        EnumParameter<Mpc_TruncKind>:$trunc,
                        EnumParameter<Mpc_ProtocolKind>:$protocols);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // MPCVIT_DIALECTS_MPC_MPCATTRS_TD
