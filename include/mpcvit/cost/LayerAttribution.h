//===- LayerAttribution.h - which transformer layer an op belongs to -*- C++
//-*-===//
//
// Per-layer rows of the cost report. The rule: an op belongs to layer L when
// the ONNX node name of its location (the importer's NameLoc, kept by every
// pass through the lowering) contains a path component `<key><sep><L>` with
// key ∈ {blocks, block, layers, layer, encoder_layer, resblocks, h} and
// sep ∈ {'.', '_', ''} at the start of the name or after '/', '.' or '_'
// (e.g. `/blocks.2/self_attn/MatMul` → 2, torchvision
// `/encoder/layers/encoder_layer_3/ln/Add` → 3). The first match counts.
// Ops with no such name (patch embedding, class token, final norm, head,
// ops without a NameLoc) have no layer: the report's "other" row.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_COST_LAYERATTRIBUTION_H
#define MPCVIT_COST_LAYERATTRIBUTION_H

#include "mlir/IR/Location.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace mpcvit::cost {

/// The first NameLoc name inside `loc` (looking through FusedLoc and
/// CallSiteLoc), or "" when there is none.
std::string nodeName(mlir::Location loc);

/// The layer index of an ONNX node name by the rule above, or nullopt.
std::optional<unsigned> layerOfNodeName(llvm::StringRef name);

/// layerOfNodeName(nodeName(loc)).
std::optional<unsigned> layerOf(mlir::Location loc);

} // namespace mpcvit::cost

#endif // MPCVIT_COST_LAYERATTRIBUTION_H
