//===- ToCpp.h - mpc → C++ against the runtime (--emit-cpp) -----*- C++ -*-===//
//
// The emitter stays trivial: one runtime call (runtime/include/mpcvit/
// runtime/kernels.h) per `mpc` op, one local variable per value, the
// weight table and the program hash as data, and a main() that hands over
// to mpcvit::rt::programMain (the roles). The passes did the work.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_TARGET_TOCPP_H
#define MPCVIT_TARGET_TOCPP_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace mpcvit::target {

/// Emits the C++ program of a module lowered to `mpc` (see getProgram);
/// `name` names the program in messages. Fails with an error on the first
/// op the runtime has no kernel for.
mlir::LogicalResult emitCpp(mlir::ModuleOp module, llvm::raw_ostream &os,
                            llvm::StringRef name = "program");

/// Registers the `--emit-cpp` translation (mlir-translate style
/// TranslateFromMLIRRegistration) for tools built on mlirTranslateMain.
void registerToCppTranslation();

/// mpcvit-translate's `--emit-cpp IN -o OUT`: parses the mpc module in
/// `input` ("-" = stdin), emits C++ to `output` ("-" = stdout). Returns the
/// process exit status (errors on stderr).
int translateToCpp(const std::string &input, const std::string &output);

} // namespace mpcvit::target

#endif // MPCVIT_TARGET_TOCPP_H
