//===- CommCostOpInterface.td - per-op communication cost --*- tablegen -*-===//

#ifndef MPCVIT_DIALECTS_MPC_COMMCOSTOPINTERFACE_TD
#define MPCVIT_DIALECTS_MPC_COMMCOSTOPINTERFACE_TD

include "mlir/IR/OpBase.td"

def CommCostOpInterface : OpInterface<"CommCostOpInterface"> {
  let cppNamespace = "::mpcvit::mpc";
  let description = [{
    The exact communication of the protocol an `mpc` op runs, in closed form
    in its operand/result shapes, the ring size ℓ and the fractional bits:
    online bytes sent by the server (party 0) and by the client (party 1),
    online rounds, and offline bytes sent by the dealer, per inference. The
    formulas and their sources are in PROTOCOLS.md and beside each
    implementation (dialects/mpc/CommCostOpInterface.cpp). The cost of a
    program is the sum over its ops; the runtime's measured counters must
    equal it exactly.
  }];
  let methods = [
    InterfaceMethod<[{
        Returns the op's cost for a ring of `ringBits` bits, or failure
        (without a diagnostic) when the protocol's cost is not modelled yet;
        callers report the op by name.
      }],
      "::mlir::FailureOr<::mpcvit::mpc::CommCost>", "getCommCost",
      (ins "unsigned":$ringBits)>
  ];
}

#endif // MPCVIT_DIALECTS_MPC_COMMCOSTOPINTERFACE_TD
