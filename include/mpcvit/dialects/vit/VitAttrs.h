//===- VitAttrs.h - head kinds and GeLU kinds -------------------*- C++ -*-===//
//
// Declares HeadKind / HeadKindsAttr (per-head attention normalisation) and
// GeluKind / GeluKindAttr of the `vit` dialect.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_DIALECTS_VIT_VITATTRS_H
#define MPCVIT_DIALECTS_VIT_VITATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"

#include "mpcvit/dialects/vit/VitDialect.h"
#include "mpcvit/dialects/vit/VitEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "mpcvit/dialects/vit/VitAttrs.h.inc"

namespace mpcvit::vit {

/// Parses a bracketed list of head kinds, e.g. `[softmax, "2quad"]`: each
/// entry is a bare keyword or a string naming a HeadKind. Emits "unknown
/// head kind 'X' (expected one of softmax, relu_softmax, scale, 2quad,
/// 2relu)" and fails on anything else.
mlir::ParseResult parseHeadKindList(mlir::AsmParser &parser,
                                    llvm::SmallVectorImpl<HeadKind> &kinds);

/// Prints `[k0, k1, ...]`, quoting kinds that are not identifiers.
void printHeadKindList(mlir::AsmPrinter &printer,
                       llvm::ArrayRef<HeadKind> kinds);

} // namespace mpcvit::vit

#endif // MPCVIT_DIALECTS_VIT_VITATTRS_H
