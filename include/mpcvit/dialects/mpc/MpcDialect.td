//===- MpcDialect.td - the secret-shared 2PC dialect -------*- tablegen -*-===//
//
// The `mpc` dialect: tensors over the ring Z_2^ℓ (ℓ = 64) with fixed-point
// encoding and a visibility, and one op per runtime protocol (DESIGN.md §3,
// PROTOCOLS.md).
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_DIALECTS_MPC_MPCDIALECT_TD
#define MPCVIT_DIALECTS_MPC_MPCDIALECT_TD

include "mlir/IR/OpBase.td"

def Mpc_Dialect : Dialect {
  let name = "mpc";
  let cppNamespace = "::mpcvit::mpc";
  let summary = "Secret-shared fixed-point tensors and 2PC protocols";
  let description = [{
    Values of type `!mpc.tensor<shape, visibility, frac f>` are tensors over
    the ring Z_2^64 holding fixed-point numbers with `f` fractional bits
    (x is encoded as round(x·2^f) mod 2^64). The visibility says who knows
    the value: `public` (both parties, part of the program), `shared`
    (additively secret-shared between the server, party 0, and the client,
    party 1), or `private<server>` / `private<client>` (one party's own
    input: weights or the image).

    Each op maps one-to-one to a runtime protocol and implements
    `CommCostOpInterface`, which gives its online bytes sent by each party,
    online rounds and offline dealer bytes in closed form. The cost model of
    a program is the sum over its ops.
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let hasOperationAttrVerify = 1;
  let extraClassDeclaration = [{
    /// Ring size ℓ in bits used by the runtime (Z_2^64).
    static constexpr unsigned kRingBits = 64;
    /// Registers the types (defined in MpcTypes.cpp).
    void registerTypes();
  }];
}

class Mpc_Op<string mnemonic, list<Trait> traits = []>
    : Op<Mpc_Dialect, mnemonic, traits>;

#endif // MPCVIT_DIALECTS_MPC_MPCDIALECT_TD
