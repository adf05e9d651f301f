//===- VitAttrs.cpp - head kinds and GeLU kinds -----------------*- C++ -*-===//

#include "mpcvit/dialects/vit/VitAttrs.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "mlir/IR/Builders.h"

#include "mpcvit/dialects/vit/VitEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "mpcvit/dialects/vit/VitAttrs.cpp.inc"

using namespace mlir;

namespace mpcvit::vit {

void VitDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "mpcvit/dialects/vit/VitAttrs.cpp.inc"
      >();
}

static std::string allHeadKinds() {
  std::string s;
  for (uint32_t i = 0; i <= getMaxEnumValForHeadKind(); ++i) {
    if (i)
      s += ", ";
    s += stringifyHeadKind(static_cast<HeadKind>(i)).str();
  }
  return s;
}

ParseResult parseHeadKindList(AsmParser &parser,
                              SmallVectorImpl<HeadKind> &kinds) {
  return parser.parseCommaSeparatedList(
      AsmParser::Delimiter::Square, [&]() -> ParseResult {
        SMLoc loc = parser.getCurrentLocation();
        std::string name;
        if (parser.parseKeywordOrString(&name))
          return failure();
        std::optional<HeadKind> kind = symbolizeHeadKind(name);
        if (!kind)
          return parser.emitError(loc, "unknown head kind '")
                 << name << "' (expected one of " << allHeadKinds() << ")";
        kinds.push_back(*kind);
        return success();
      });
}

void printHeadKindList(AsmPrinter &printer, ArrayRef<HeadKind> kinds) {
  printer << '[';
  llvm::interleaveComma(kinds, printer, [&](HeadKind k) {
    StringRef name = stringifyHeadKind(k);
    if (llvm::isAlpha(name.front()))
      printer << name;
    else
      printer << '"' << name << '"';
  });
  printer << ']';
}

Attribute HeadKindsAttr::parse(AsmParser &parser, Type) {
  SmallVector<HeadKind> kinds;
  if (parser.parseLess() || parseHeadKindList(parser, kinds) ||
      parser.parseGreater())
    return {};
  return HeadKindsAttr::getChecked(
      [&] { return parser.emitError(parser.getNameLoc()); },
      parser.getContext(), ArrayRef<HeadKind>(kinds));
}

void HeadKindsAttr::print(AsmPrinter &printer) const {
  printer << '<';
  printHeadKindList(printer, getKinds());
  printer << '>';
}

LogicalResult
HeadKindsAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      ArrayRef<HeadKind> kinds) {
  if (kinds.empty())
    return emitError() << "head kinds must name at least one head";
  for (HeadKind k : kinds)
    if (static_cast<uint32_t>(k) > getMaxEnumValForHeadKind())
      return emitError() << "illegal head kind value "
                         << static_cast<uint32_t>(k);
  return success();
}

} // namespace mpcvit::vit
