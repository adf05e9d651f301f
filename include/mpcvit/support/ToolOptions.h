//===- ToolOptions.h - --help and --version of the mpcvit tools -*- C++ -*-===//
//
// The four tools link libLLVM.so and libMLIR.so, which register some 3000
// command-line options of their own (AMDGPU, ARM, SPIR-V, ...): a plain
// `--help` listed them all. Each tool declares its options in its own
// cl::OptionCategory and calls setupToolOptions before parsing: `--help`
// then lists that category (plus any options named in `keep`) and the
// generic ones (--help, --version); every other option is cl::Hidden, so
// it still works and `--help-hidden` still lists it. `--version` prints
//   TOOL VERSION (LLVM X.Y.Z)
// with the project's version (project(... VERSION) in CMakeLists.txt).
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_SUPPORT_TOOLOPTIONS_H
#define MPCVIT_SUPPORT_TOOLOPTIONS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"

namespace mpcvit {

/// The project's version, e.g. "0.1.0".
llvm::StringRef version();

/// Installs the `--version` printer of tool `toolName` and hides every
/// option registered so far that is neither in `own` nor generic nor
/// registered under a name in `keep` (an entry ending in '*' keeps every
/// name with that prefix). Options registered after the call stay visible.
void setupToolOptions(llvm::StringRef toolName, llvm::cl::OptionCategory &own,
                      llvm::ArrayRef<llvm::StringRef> keep = {});

} // namespace mpcvit

#endif // MPCVIT_SUPPORT_TOOLOPTIONS_H
