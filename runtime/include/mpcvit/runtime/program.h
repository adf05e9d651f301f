//===- program.h - A compiled private program and its three roles -*- C++
//-*-===//
//
// The executable that `mpcvit-compile` builds is the emitted forward function
// plus programMain(), which implements the roles (DESIGN.md §5):
//
//   NAME dealer --server H:P --client H:P --count N
//   NAME server [--weights NAME.weights] --listen H:P
//   NAME client --connect H:P --listen H:P --input x.npy|DIR
//               [--output logits.npy]
//   NAME local  --input x.npy|DIR [--weights NAME.weights]
//               [--output logits.npy]
//   common: [--json] [--timeout-ms MS] [--threads T]
//
// Topology: the dealer connects out to the server (the server's --listen
// port, which also accepts the client) and to the client (the client's
// --listen port); the client connects to the server. `local` runs the three
// roles as threads over loopback sockets on ephemeral ports. The handshake
// (context.h) checks the program hash, ring, fractional bits, truncation
// mode and protocol version on every connection; a mismatch is a
// ProtocolError on both sides. The server checks that its weights file
// belongs to this program (hash, names, shapes, fractional bits).
//
// The dealer sends each party the number of inferences N first, then streams
// one offline bundle per inference (a party receives it just before that
// inference, so memory stays bounded; its offline latency is the time spent
// receiving). The client checks N against its inputs (one .npy of the
// program's input shape, an .npy with a leading batch dimension, or a
// directory of .npy files in name order). Per inference the client prints
// top-1 (argmax of the last axis), online latency (s), online bytes sent by
// each party, online rounds (max over the parties), and the offline
// (dealer) bytes and latency per inference; `--json` prints one JSON line
// with the keys top1 (an int, or a list for a batch), count, online_s,
// offline_s, online_bytes_sent_per_party, online_bytes_sent_per_party_max,
// online_rounds, offline_bytes. The server and the dealer print the same
// numbers without top-1. Errors print "NAME ROLE: error: ..." and exit 1; usage
// errors exit 2. Every wait is bounded by --timeout-ms (default 30000).
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_PROGRAM_H
#define MPCVIT_RUNTIME_PROGRAM_H

#include "mpcvit/runtime/context.h"
#include "mpcvit/runtime/kernels.h"
#include "mpcvit/runtime/mmul_sp.h"

#include <string>
#include <vector>

namespace mpcvit::rt {

/// One server weight the program needs (order = weight index).
struct WeightSpec {
  std::string name;
  Shape shape;
  int frac = 0;
  bool matrix = false; ///< right operand of mmul_sp: deployed with a mask
};

/// What the emitted code declares about itself.
struct ProgramInfo {
  std::string name;
  uint64_t hash = 0; ///< program hash (structure, ring, f, trunc, version)
  int fracBits = kDefaultFracBits;
  TruncMode trunc = TruncMode::Local;
  CompareMode compare = kDefaultCompareMode;
  Shape input, output; ///< the client's input and the revealed output
  int outputFrac = kDefaultFracBits;
  std::vector<WeightSpec> weights;
};

/// The server's weights (loaded from the file) or, on the client and the
/// dealer, zero tensors of the same shapes; matrices are deployed
/// (mmul_sp.h) before the first inference.
class Weights {
public:
  const RingTensor &tensor(size_t i) const { return tensors_.at(i); }
  const ServerWeight &matrix(size_t i) const { return matrices_.at(i); }

  std::vector<RingTensor> tensors_;
  std::vector<ServerWeight> matrices_; ///< indexed like tensors_
};

/// The emitted forward pass: runs on all three roles; `input` is the
/// client's encoded input (zeros elsewhere); returns the revealed output on
/// the client (zeros elsewhere).
using ForwardFn = RingTensor (*)(Context &ctx, const Weights &w,
                                 const RingTensor &input);

/// Entry point of a compiled executable (see the file comment).
int programMain(int argc, char **argv, const ProgramInfo &info,
                ForwardFn forward);

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_PROGRAM_H
