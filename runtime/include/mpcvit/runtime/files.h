//===- files.h - Files the runtime reads and writes, with bounds -*- C++
//-*-===//
//
// One place for the runtime's file I/O: the client's .npy inputs
// (npy.h), the server's weights file (weights_file.h) and offline
// correlated randomness (correlated.h). A file is read only when its size is
// at most the caller's bound, which the caller derives from the program,
// never from the file's own header; private material is written owner-only.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_FILES_H
#define MPCVIT_RUNTIME_FILES_H

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace mpcvit::rt {

/// The bytes of `path`. Throws std::runtime_error "cannot read 'PATH': ..."
/// when it cannot be opened or read, and "'PATH': N bytes, more than the M
/// allowed for WHAT" (before reading) when it is larger than `maxBytes`.
std::string readFileBounded(const std::string &path, uint64_t maxBytes,
                            const std::string &what);

/// Writes `parts` one after another to `path`, created or truncated with
/// mode 0600. Throws std::runtime_error naming the file.
void writeFilePrivate(const std::string &path,
                      std::initializer_list<std::string_view> parts);

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_FILES_H
