//===- LayerAttribution.cpp - which transformer layer an op belongs to ----===//

#include "mpcvit/cost/LayerAttribution.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;

namespace mpcvit::cost {

std::string nodeName(Location loc) {
  std::string found;
  loc->walk([&](Location l) {
    if (auto n = llvm::dyn_cast<NameLoc>(l)) {
      found = n.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return found;
}

std::optional<unsigned> layerOfNodeName(llvm::StringRef name) {
  // Longest keys first so `layers` is tried before `layer`.
  static const char *const keys[] = {
      "encoder_layer", "resblocks", "blocks", "layers", "block", "layer", "h"};
  for (size_t i = 0; i < name.size(); ++i) {
    if (i > 0 && name[i - 1] != '/' && name[i - 1] != '.' && name[i - 1] != '_')
      continue;
    for (const char *key : keys) {
      llvm::StringRef rest = name.drop_front(i);
      if (!rest.consume_front(key))
        continue;
      if (!rest.empty() && (rest[0] == '.' || rest[0] == '_'))
        rest = rest.drop_front();
      size_t digits = 0;
      while (digits < rest.size() && llvm::isDigit(rest[digits]))
        ++digits;
      if (digits == 0 || digits > 6)
        continue;
      // The number must end the component.
      if (digits < rest.size() && rest[digits] != '/' && rest[digits] != '.' &&
          rest[digits] != '_')
        continue;
      unsigned layer = 0;
      if (!rest.take_front(digits).getAsInteger(10, layer))
        return layer;
    }
  }
  return std::nullopt;
}

std::optional<unsigned> layerOf(Location loc) {
  return layerOfNodeName(nodeName(loc));
}

} // namespace mpcvit::cost
