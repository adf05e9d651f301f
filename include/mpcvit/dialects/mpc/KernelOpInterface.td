//===- KernelOpInterface.td - the runtime call of an mpc op -*- tablegen -*-===//
//
// What the C++ emitter calls for an op and how the cost model's calibration
// measures its local work. Implemented for every op by `Mpc_KernelOp`
// (MpcOps.td) from the fields of the op's one declaration; nothing about an
// individual op is written in the emitter or in the calibration.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_DIALECTS_MPC_KERNELOPINTERFACE_TD
#define MPCVIT_DIALECTS_MPC_KERNELOPINTERFACE_TD

include "mlir/IR/OpBase.td"

def KernelOpInterface : OpInterface<"KernelOpInterface"> {
  let cppNamespace = "::mpcvit::mpc";
  let description = [{
    The runtime kernel an `mpc` op lowers to, as the C++ emitter writes it:
    `getRuntimeKernel()` is the callee (e.g. `k::relu`, `reshape`; empty for an op
    that emits no statement, such as `mpc.weight`), `getRuntimeKernelArgs()` its
    arguments as tokens the emitter expands (lib/target/ToCpp.cpp):

      ctx          the party's Context
      operands     every operand, comma-separated
      in:N         operand N
      shared:N     operand N, which must be shared
      ptrs         {&a, &b, ...} of every operand (variadic kernels)
      shape        the result shape {d0, d1, ...}
      frac         the result's fractional bits
      shift        operand 0's fractional bits minus the result's
      sharing:N    how operand N is held: 's' shared, 'p' public, 'w' server
      owner:N      the party owning private operand N (0 server, 1 client)
      weight:N     W.tensor(i) of operand N, which must be an mpc.weight
      matrix:N     W.matrix(i) likewise (a deployed mmul_sp matrix)
      attr:NAME    attribute NAME: a float as %.17g, an integer, an i64
                   array {..}, dense float data {..}
      code         getRuntimeKernelCode(): an op-specific C++ expression

    `getCalibrationKeys()` lists the keys of the calibration file
    (bench/results/cost_calibration.json) tried in order, and
    `getCalibrationUnits()` the units of work the seconds are per.
  }];
  let methods = [
    StaticInterfaceMethod<"The emitted callee, or empty for no statement.",
      "::llvm::StringRef", "getRuntimeKernel">,
    StaticInterfaceMethod<"The callee's arguments as tokens (see above).",
      "::llvm::ArrayRef<::llvm::StringRef>", "getRuntimeKernelArgs">,
    StaticInterfaceMethod<[{
        True when the runtime kernel works on the session's fractional bits
        only (the emitter checks operand 0 has them).
      }], "bool", "requiresSessionFrac">,
    InterfaceMethod<"The `code` argument token's C++ text.",
      "std::string", "getRuntimeKernelCode">,
    InterfaceMethod<[{
        Calibration keys tried in order (empty: the op does no local work
        worth measuring).
      }], "::llvm::SmallVector<std::string>", "getCalibrationKeys">,
    InterfaceMethod<"Units of local work the calibration is per.",
      "uint64_t", "getCalibrationUnits">
  ];
}

#endif // MPCVIT_DIALECTS_MPC_KERNELOPINTERFACE_TD
