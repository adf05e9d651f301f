//===- program.h - A compiled private program and its three roles -*- C++
//-*-===//
//
// The executable that `mpcvit-compile` builds is the emitted forward function
// plus programMain(), which implements the roles (DESIGN.md §5):
//
//   NAME dealer --listen H:P [--sessions N] [--max-sessions K]
//   NAME dealer --out DIR --count N
//   NAME server --listen H:P (--dealer H:P | --offline DIR)
//               [--weights NAME.weights] [--sessions N] [--max-sessions K]
//   NAME client --connect H:P (--dealer H:P | --offline DIR)
//               --input x.npy|DIR [--output logits.npy]
//               (x.npy float: normalised images; uint8: raw images, when
//               the program records its normalisation, ProgramInfo)
//   NAME local  --input x.npy|DIR [--weights NAME.weights]
//               [--output logits.npy]
//   every networked role: --tls-cert F --tls-key F --tls-ca F, or --insecure
//   common: [--json] [--timeout-ms MS] [--threads T]
//
// Topology (session_setup.h): the dealer is a service; the server is a service
// that serves client sessions one after another and concurrently (at most
// --max-sessions at once, default 4) until SIGTERM/SIGINT (running sessions
// finish, exit 0) or until --sessions N sessions have run; for each session
// it connects to the dealer, which pairs it with the client's own
// connection. Every link is mutual TLS 1.3 with role certificates (tls.h);
// a networked role started without TLS material and without --insecure
// refuses to start. `local` runs the three roles as threads in one process
// over loopback (plain TCP: no secret leaves the process).
//
// Offline material: with a live dealer the server asks for one bundle per
// inference as the client asks for it, so a client may send any number of
// images. `dealer --out DIR --count N` instead writes N bundles for each
// party (DIR/server, DIR/client) and `server/client --offline DIR/<role>`
// use them later with no dealer online; each bundle is claimed once
// (renamed to .used) and a reused one is refused.
//
// A session that fails (peer died, stalled, sent garbage or a wrong
// certificate) ends alone with an error line on stderr; the services keep
// serving. Sizes: every received frame is bounded by the program (exact
// sizes online, ProgramInfo::offlineBytes for bundles); every wait has a
// total deadline (--timeout-ms plus 1 s per MiB moved).
//
// A batch program (input [B, ...], B > 1) takes any number of images: the
// client runs them B at a time and pads the last group with zero images
// whose output rows it drops.
//
// Per inference the client prints top-1 (argmax of the last axis), online
// latency (s), online bytes sent by each party, online rounds (max over the
// parties), and the offline (dealer) bytes and latency per inference;
// `--json` prints one JSON line with the keys top1 (an int, or a list for a
// batch), count, online_s, offline_s, online_bytes_sent_per_party,
// online_bytes_sent_per_party_max, online_rounds, offline_bytes. The server
// prints the same per session without top-1 (its offline_bytes: its own
// share of the material); the dealer prints its offline latency and bytes
// per session. A connection refused before its session formed (TLS, role,
// hello) does not count against --sessions N. Errors
// print "NAME ROLE: error: ..." and exit 1; usage errors exit 2.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_PROGRAM_H
#define MPCVIT_RUNTIME_PROGRAM_H

#include "mpcvit/runtime/context.h"
#include "mpcvit/runtime/kernels.h"
#include "mpcvit/runtime/lockstep.h"
#include "mpcvit/runtime/mmul_sp.h"

#include <memory>
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
  TruncMode trunc = TruncMode::Probabilistic;
  ProtocolSuite protocols = kDefaultProtocols;
  Shape input, output; ///< the client's input and the revealed output
  int outputFrac = kDefaultFracBits;
  std::vector<WeightSpec> weights;
  /// Dealer bytes per inference for both parties (the cost model's
  /// offline bytes): the bound on one party's bundle. 0 = unknown (1 GiB).
  uint64_t offlineBytes = 0;
  /// The largest |x| of an input element the fixed-point format carries
  /// through the first layers (the compiler's range analysis, InputRange.h);
  /// the client refuses larger values. 0 = not analysed (only NaN/Inf and
  /// the encodable range are checked).
  double inputAbsMax = 0;
  /// The raw-image normalisation recorded at compile time (module attribute
  /// `mpcvit.preprocess`): the client also accepts uint8 images (values
  /// 0..255, the program's NCHW layout) and computes, before sharing,
  /// x[n, c, ...] = (u · scale − mean[c]) / std[c]. Empty mean: none (a
  /// uint8 input is then refused).
  struct Preprocess {
    double scale = 0;
    std::vector<double> mean, std;
  } preprocess;
};

/// The server's weights (loaded from the file) or, on the client and the
/// dealer, zero tensors of the same shapes; matrices are deployed
/// (mmul_sp.h) before the first inference.
class Weights {
public:
  const RingTensor &tensor(size_t i) const { return tensors_->at(i); }
  const ServerWeight &matrix(size_t i) const { return matrices_.at(i); }

  /// Shared by the concurrent sessions of a server (read-only).
  std::shared_ptr<const std::vector<RingTensor>> tensors_;
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
