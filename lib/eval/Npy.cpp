//===- Npy.cpp - .npy for the evaluator: the runtime's reader -------------===//
//
// One .npy reader in the project: the runtime's (runtime/src/npy.cpp, no
// LLVM dependency); this file only turns its exceptions into llvm::Error.
//
//===----------------------------------------------------------------------===//

#include "mpcvit/eval/Npy.h"

using namespace llvm;

namespace mpcvit::eval {

namespace {
template <typename F> auto guarded(F f) -> Expected<decltype(f())> {
  try {
    return f();
  } catch (const std::exception &e) {
    return createStringError(inconvertibleErrorCode(), e.what());
  }
}
} // namespace

Expected<NpyArray> parseNpy(StringRef bytes, StringRef name) {
  return guarded([&] {
    return rt::parseNpy(std::string_view(bytes.data(), bytes.size()),
                        name.str());
  });
}

Expected<NpyArray> readNpy(const std::string &path) {
  return guarded([&] { return rt::readNpy(path); });
}

Error writeNpy(const std::string &path, const NpyArray &array) {
  try {
    rt::writeNpy(path, array);
  } catch (const std::exception &e) {
    return createStringError(inconvertibleErrorCode(), e.what());
  }
  return Error::success();
}

} // namespace mpcvit::eval
