//===- ArchSpec.h - the NAS result (arch.json, mpcvit.arch.v1) --*- C++ -*-===//
//
// Reads and validates the architecture file that the MPCViT search writes
// (DESIGN.md §4, format documented in docs/arch-json.md): per layer, the
// attention kind of every head and the GeLU treatment (gelu, quad, or
// MPCViT+ token-wise linearization with a β mask over the tokens).
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_ARCH_ARCHSPEC_H
#define MPCVIT_ARCH_ARCHSPEC_H

#include "mpcvit/dialects/vit/VitAttrs.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace mpcvit::arch {

/// GeLU treatment of one layer's MLP.
enum class GeluMode {
  Gelu,      ///< unchanged exact GeLU
  Quad,      ///< MPCFormer Quad GeLU 0.125x² + 0.25x + 0.5
  Linearize, ///< MPCViT+ token-wise: β = 0 tokens identity + ReLU after fc2
};

/// "gelu", "quad" or "linearize".
llvm::StringRef stringifyGeluMode(GeluMode mode);

/// One transformer layer of the NAS result.
struct LayerArch {
  /// Attention-normalisation kind of each head, in head order.
  llvm::SmallVector<vit::HeadKind> heads;
  GeluMode gelu = GeluMode::Gelu;
  /// β per token (size = model tokens) when gelu == Linearize: true keeps
  /// the GeLU, false linearizes the token. Empty otherwise.
  llvm::SmallVector<bool> tokens;
};

/// A validated mpcvit.arch.v1 file.
struct ArchSpec {
  int64_t depth = 0;  ///< number of transformer layers
  int64_t heads = 0;  ///< attention heads per layer
  int64_t tokens = 0; ///< tokens per image (patches + class token)
  int64_t dim = 0;    ///< embedding dimension
  llvm::SmallVector<LayerArch> layers; ///< exactly `depth` entries
};

/// The format tag of version 1.
inline constexpr llvm::StringLiteral kArchFormatV1 = "mpcvit.arch.v1";

/// Parses and validates `json` (the text of an arch file named `fileName`,
/// used in messages). Errors name the JSON path and what was expected, e.g.
/// "arch.json: layers[1].heads[2]: expected one of softmax, relu_softmax,
/// scale, 2quad, 2relu, got \"tanh\"".
/// Limits checked before the JSON is parsed: nesting depth (arrays and
/// objects) and size in bytes.
inline constexpr unsigned kMaxArchDepth = 32;
inline constexpr size_t kMaxArchBytes = size_t(64) << 20;

llvm::Expected<ArchSpec> parseArch(llvm::StringRef json,
                                   llvm::StringRef fileName);

/// Reads `path` and parses it with parseArch; a missing or unreadable file
/// is an error naming the path.
llvm::Expected<ArchSpec> loadArch(llvm::StringRef path);

/// Serialises `spec` as mpcvit.arch.v1 JSON (the inverse of parseArch).
std::string toJson(const ArchSpec &spec);

} // namespace mpcvit::arch

#endif // MPCVIT_ARCH_ARCHSPEC_H
