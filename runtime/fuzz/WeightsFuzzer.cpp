//===- WeightsFuzzer.cpp - libFuzzer target of the weights reader -*- C++ -*-===//
//
// parseWeightsFile on arbitrary bytes, twice: as they are (magic, size and
// SHA-256 checks), and wrapped into a file with a correct magic, size and
// digest, so that the entry parser behind the checksum (overflow-checked
// sizes against the bytes left) sees arbitrary content too. Every input must
// give a WeightsFile or a std::runtime_error; crashes, sanitizer reports and
// leaks are bugs. bench/fuzz_readers.sh runs it.
//
//===----------------------------------------------------------------------===//
#include "mpcvit/runtime/weights_file.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>

using namespace mpcvit::rt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string raw(reinterpret_cast<const char *>(data), size);
  try {
    parseWeightsFile(raw, "fuzz.weights");
  } catch (const std::runtime_error &) {
  }
  std::string f(kWeightsMagic, 8);
  uint64_t total = 8 + 8 + size + kWeightsDigestBytes;
  f.append(reinterpret_cast<const char *>(&total), 8);
  f += raw;
  auto d = sha256(f.data(), f.size());
  f.append(reinterpret_cast<const char *>(d.data()), d.size());
  try {
    WeightsFile w = parseWeightsFile(f, "wrapped.weights");
    for (const WeightEntry &e : w.weights)
      if (e.value.size() != size_t(numel(e.shape)))
        __builtin_trap();
  } catch (const std::runtime_error &) {
  }
  return 0;
}
