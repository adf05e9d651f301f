//===- NpyFuzzer.cpp - libFuzzer target of the .npy reader -----*- C++ -*-===//
//
// Arbitrary bytes to rt::parseNpy (the project's one .npy reader): every
// input must give an array or a std::runtime_error; crashes, sanitizer
// reports, leaks and timeouts are bugs. Built with -DMPCVIT_BUILD_FUZZERS=ON
// and clang; run with bench/fuzz_readers.sh.
//
//===----------------------------------------------------------------------===//
#include "mpcvit/runtime/npy.h"

#include <cstddef>
#include <cstdint>
#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  try {
    mpcvit::rt::NpyArray a = mpcvit::rt::parseNpy(
        std::string_view(reinterpret_cast<const char *>(data), size), "fuzz");
    // A parsed array round-trips.
    mpcvit::rt::NpyArray b =
        mpcvit::rt::parseNpy(mpcvit::rt::serializeNpy(a), "again");
    if (b.shape != a.shape || b.data.size() != a.data.size())
      __builtin_trap();
  } catch (const std::runtime_error &) {
  }
  return 0;
}
