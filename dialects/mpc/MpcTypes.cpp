//===- MpcTypes.cpp - fixed-point ring tensors with visibility --*- C++ -*-===//

#include "mpcvit/dialects/mpc/MpcTypes.h"
#include "mpcvit/dialects/mpc/MpcDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

#define GET_TYPEDEF_CLASSES
#include "mpcvit/dialects/mpc/MpcTypes.cpp.inc"

using namespace mlir;

namespace mpcvit::mpc {

void MpcDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "mpcvit/dialects/mpc/MpcTypes.cpp.inc"
      >();
}

std::optional<Party> getOwner(Visibility v) {
  switch (v) {
  case Visibility::ServerPrivate:
    return Party::Server;
  case Visibility::ClientPrivate:
    return Party::Client;
  default:
    return std::nullopt;
  }
}

Visibility privateTo(Party p) {
  return p == Party::Server ? Visibility::ServerPrivate
                            : Visibility::ClientPrivate;
}

StringRef stringifyParty(Party p) {
  return p == Party::Server ? "server" : "client";
}

std::string stringifyVisibility(Visibility v) {
  switch (v) {
  case Visibility::Public:
    return "public";
  case Visibility::Shared:
    return "shared";
  default:
    return ("private<" + stringifyParty(*getOwner(v)) + ">").str();
  }
}

int64_t RingTensorType::getNumElements() const {
  int64_t n = 1;
  for (int64_t d : getShape())
    n *= d;
  return n;
}

RingTensorType RingTensorType::withShape(ArrayRef<int64_t> shape) const {
  return RingTensorType::get(getContext(), shape, getVisibility(),
                             getFracBits());
}

RingTensorType RingTensorType::withVisibility(Visibility v) const {
  return RingTensorType::get(getContext(), getShape(), v, getFracBits());
}

RingTensorType RingTensorType::withFracBits(unsigned f) const {
  return RingTensorType::get(getContext(), getShape(), getVisibility(), f);
}

LogicalResult
RingTensorType::verify(function_ref<InFlightDiagnostic()> emitError,
                       ArrayRef<int64_t> shape, Visibility, unsigned fracBits) {
  for (int64_t d : shape)
    if (d < 1)
      return emitError() << "mpc tensor dimensions must be static and "
                            "positive, got "
                         << d;
  if (fracBits >= MpcDialect::kRingBits)
    return emitError() << "fractional bits " << fracBits
                       << " must be below the ring size "
                       << MpcDialect::kRingBits;
  return success();
}

// !mpc.tensor<65x256, shared, frac 16> | !mpc.tensor<public, frac 0>
Type RingTensorType::parse(AsmParser &parser) {
  SMLoc loc = parser.getCurrentLocation();
  SmallVector<int64_t> shape;
  if (parser.parseLess())
    return {};
  StringRef kw;
  if (failed(parser.parseOptionalKeyword(&kw))) {
    if (parser.parseDimensionList(shape, /*allowDynamic=*/false,
                                  /*withTrailingX=*/false) ||
        parser.parseComma())
      return {};
    if (parser.parseKeyword(&kw))
      return {};
  }
  Visibility vis;
  if (kw == "public") {
    vis = Visibility::Public;
  } else if (kw == "shared") {
    vis = Visibility::Shared;
  } else if (kw == "private") {
    StringRef who;
    if (parser.parseLess() || parser.parseKeyword(&who))
      return {};
    if (who == "server")
      vis = Visibility::ServerPrivate;
    else if (who == "client")
      vis = Visibility::ClientPrivate;
    else {
      parser.emitError(loc, "unknown party '")
          << who << "' (expected server or client)";
      return {};
    }
    if (parser.parseGreater())
      return {};
  } else {
    parser.emitError(loc, "unknown visibility '")
        << kw
        << "' (expected public, shared, private<server> or "
           "private<client>)";
    return {};
  }
  unsigned frac = 0;
  if (parser.parseComma() || parser.parseKeyword("frac") ||
      parser.parseInteger(frac) || parser.parseGreater())
    return {};
  return RingTensorType::getChecked([&] { return parser.emitError(loc); },
                                    parser.getContext(), shape, vis, frac);
}

void RingTensorType::print(AsmPrinter &printer) const {
  printer << '<';
  if (!getShape().empty()) {
    llvm::interleave(getShape(), printer, "x");
    printer << ", ";
  }
  printer << stringifyVisibility(getVisibility()) << ", frac " << getFracBits()
          << '>';
}

} // namespace mpcvit::mpc
