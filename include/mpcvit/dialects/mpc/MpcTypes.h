//===- MpcTypes.h - fixed-point ring tensors with visibility ----*- C++ -*-===//

#ifndef MPCVIT_DIALECTS_MPC_MPCTYPES_H
#define MPCVIT_DIALECTS_MPC_MPCTYPES_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Types.h"
#include "llvm/ADT/StringRef.h"

#include <optional>

namespace mpcvit::mpc {

/// The parties of the protocol (DESIGN.md §5): the server holds the weights,
/// the client holds the input and receives the output.
enum class Party : unsigned { Server = 0, Client = 1 };

/// Who knows a value. Public values are part of the program; shared values
/// are additive shares over Z_2^64; private values belong to one party.
enum class Visibility : unsigned {
  Public,
  Shared,
  ServerPrivate,
  ClientPrivate,
};

/// The owner of a private visibility, or std::nullopt for public/shared.
std::optional<Party> getOwner(Visibility v);

/// The private visibility of party `p`.
Visibility privateTo(Party p);

/// "server" or "client".
llvm::StringRef stringifyParty(Party p);

/// "public", "shared", "private<server>" or "private<client>".
std::string stringifyVisibility(Visibility v);

} // namespace mpcvit::mpc

#define GET_TYPEDEF_CLASSES
#include "mpcvit/dialects/mpc/MpcTypes.h.inc"

#endif // MPCVIT_DIALECTS_MPC_MPCTYPES_H
