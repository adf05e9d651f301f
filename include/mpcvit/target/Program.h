//===- Program.h - The lowered program as the target sees it ----*- C++ -*-===//
//
// What the C++ emitter, the program hash and the weights file agree on: the
// one function of a module lowered by --mpcvit-lower-to-mpc, its server
// weights in order (the `mpc.weight` ops in program order; weight i is
// entry i of NAME.weights and `W.tensor(i)` in the emitted code) and the
// session parameters (the module's `#mpc.session`).
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_TARGET_PROGRAM_H
#define MPCVIT_TARGET_PROGRAM_H

#include <vector>

#include "mpcvit/dialects/mpc/MpcOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace mpcvit::target {

struct ProgramView {
  mlir::func::FuncOp fn;
  llvm::SmallVector<mpc::WeightOp> weights;
  mpc::SessionAttr session; ///< the module's #mpc.session
};

/// The program of `module`, or failure with an error on the module naming
/// what is missing: exactly one function with a body, one `private<client>`
/// argument, one result revealed to the client, and the session attributes.
mlir::FailureOr<ProgramView> getProgram(mlir::ModuleOp module);

/// The float values of an `mpc.weight` / `mpc.constant` value attribute
/// (dense or dense_resource f32/f64), row-major. Failure when the data is
/// not available (elided), with an error on `op` unless it is null.
mlir::FailureOr<std::vector<double>> elementValues(mlir::Operation *op,
                                                   mlir::Attribute attr);

/// 64-bit FNV-1a hash of the program's structure: every op's name,
/// operands, result types and attributes in program order, except the
/// values of `mpc.weight` (so the hash names the program, not the
/// server's secret), and the session parameters. The handshake and the
/// weights file carry it.
uint64_t programHash(const ProgramView &program);

/// Writes NAME.weights (format 2 in runtime/include/mpcvit/runtime/
/// weights_file.h: recorded size, entries, SHA-256 of the contents): each
/// weight encoded as round(v · 2^frac) mod 2^64. The file is written as
/// NAME.weights.tmp and renamed once complete. Errors (unreadable weight
/// data, a value out of the fixed-point range, an unwritable file) are
/// emitted on the op / module, and leave no weights file behind.
mlir::LogicalResult writeWeightsFile(const ProgramView &program,
                                     llvm::StringRef path);

} // namespace mpcvit::target

#endif // MPCVIT_TARGET_PROGRAM_H
