//===- Preprocess.h - The program's input normalisation in C++ --*- C++ -*-===//
//
// The emitter's side of `mpcvit.preprocess` (mpcvit/support/Preprocess.h):
// the module attribute becomes ProgramInfo::preprocess of the executable
// (runtime/include/mpcvit/runtime/program.h), so that its client accepts
// raw uint8 images and normalises them before sharing. Kept apart from the
// op-by-op emitter (ToCpp.cpp), which calls these two functions.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_TARGET_PREPROCESS_H
#define MPCVIT_TARGET_PREPROCESS_H

#include "mpcvit/target/Program.h"

#include <string>

namespace mpcvit::target {

/// Checks the module's `mpcvit.preprocess` (if any) against the program's
/// input shape; failure with an error on the module.
mlir::LogicalResult verifyPreprocess(const ProgramView &program);

/// The statements of programInfo() that set `p.preprocess` (indented, one
/// per line), or "" when the module records no normalisation. Call after
/// verifyPreprocess.
std::string preprocessInfo(const ProgramView &program);

} // namespace mpcvit::target

#endif // MPCVIT_TARGET_PREPROCESS_H
