//===- ArchFuzzer.cpp - libFuzzer target of the arch.json reader -*- C++ -*-===//
//
// Arbitrary bytes to parseArch (depth and size limits, JSON parser, schema
// checks). Every input must give an ArchSpec or an llvm::Error; crashes
// (e.g. the stack overflow of a 50,000-deep document, issue 14),
// sanitizer reports and leaks are bugs. A parsed spec round-trips through
// toJson. Built with -DMPCVIT_BUILD_FUZZERS=ON and clang; run with
// bench/fuzz_readers.sh.
//
//===----------------------------------------------------------------------===//
#include "mpcvit/arch/ArchSpec.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  llvm::Expected<mpcvit::arch::ArchSpec> spec = mpcvit::arch::parseArch(text, "fuzz.json");
  if (!spec) {
    llvm::consumeError(spec.takeError());
    return 0;
  }
  llvm::Expected<mpcvit::arch::ArchSpec> again =
      mpcvit::arch::parseArch(mpcvit::arch::toJson(*spec), "again.json");
  if (!again)
    __builtin_trap();
  return 0;
}
