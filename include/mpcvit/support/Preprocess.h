//===- Preprocess.h - The input normalisation a program records -*- C++ -*-===//
//
// Raw images (uint8, 0..255) become the model's input as
//
//   x[n, c, h, w] = (u[n, c, h, w] · scale − mean[c]) / std[c]
//
// The exporter records this in the ONNX file (metadata_props key
// "mpcvit.preprocess", JSON {"layout": "NCHW", "scale": 0.00392156862745098,
// "mean": [0.286], "std": [0.353]}); the importer turns it into the module
// attribute `mpcvit.preprocess`, a dictionary
//
//   {layout = "NCHW", scale = 0.0039215686274509803 : f64,
//    mean = array<f64: 0.286>, std = array<f64: 0.353>}
//
// which `mpcvit-compile --preprocess scale=1/255,mean=M,std=S` sets or
// overrides, the passes keep, and the C++ emitter writes into
// ProgramInfo::preprocess (lib/target/Preprocess.cpp): the client then
// accepts uint8 images and normalises them locally before sharing.
//
// Checked wherever a normalisation enters: layout NCHW, a rank-4 input
// whose C dimension equals the number of means and of stds, finite values,
// scale > 0 and std > 0.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_SUPPORT_PREPROCESS_H
#define MPCVIT_SUPPORT_PREPROCESS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace mpcvit {

/// The module attribute and the ONNX metadata key.
inline constexpr llvm::StringLiteral kPreprocessAttr = "mpcvit.preprocess";
inline constexpr llvm::StringLiteral kPreprocessMetadataKey =
    "mpcvit.preprocess";

struct Preprocess {
  std::string layout = "NCHW";
  double scale = 1.0;
  std::vector<double> mean, std; ///< one per channel
};

/// The JSON of the ONNX metadata entry (keys layout, scale, mean, std; a
/// missing layout is NCHW). Errors say which key is wrong.
llvm::Expected<Preprocess> parsePreprocessJson(llvm::StringRef json);

/// The command-line form "scale=1/255,mean=0.2860,std=0.3530"
/// (per-channel values separated by ':', e.g. mean=0.485:0.456:0.406;
/// scale may be a fraction A/B; optional layout=NCHW).
llvm::Expected<Preprocess> parsePreprocessSpec(llvm::StringRef spec);

/// Checks `p` against the program's input shape (see the file comment).
llvm::Error checkPreprocess(const Preprocess &p,
                            llvm::ArrayRef<int64_t> inputShape);

/// "scale=0.00392157, mean=[0.286], std=[0.353] (NCHW)", for messages.
std::string formatPreprocess(const Preprocess &p);

mlir::DictionaryAttr preprocessAttr(mlir::MLIRContext *ctx,
                                    const Preprocess &p);

/// The normalisation recorded on `module`: nullopt when it has none, an
/// error when the attribute is malformed.
llvm::Expected<std::optional<Preprocess>>
modulePreprocess(mlir::ModuleOp module);

/// Checks `p` against the first argument of the module's function (a
/// ranked tensor) and records it as the module attribute.
llvm::Error setModulePreprocess(mlir::ModuleOp module, const Preprocess &p);

} // namespace mpcvit

#endif // MPCVIT_SUPPORT_PREPROCESS_H
