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
    cost of each op is declared with the op (MpcOps.td, `cost`) as the
    runtime's own cost function of the kernel the op runs; sources are in
    PROTOCOLS.md and beside each runtime function. The cost of a
    program is the sum over its ops; the runtime's measured counters must
    equal it exactly.
  }];
  let methods = [
    InterfaceMethod<[{
        Returns the op's cost under the session of its module
        (`#mpc.session`, read with mpc::getSession), or failure (without a
        diagnostic) when the session's ring is not the runtime's 2^64;
        callers report the op by name.
      }],
      "::mlir::FailureOr<::mpcvit::mpc::CommCost>", "getCommCost">
  ];
}

#endif // MPCVIT_DIALECTS_MPC_COMMCOSTOPINTERFACE_TD
