//===- program.cpp - The roles of a compiled private program --------------===//
#include "mpcvit/runtime/program.h"

#include "mpcvit/runtime/handshake.h"
#include "mpcvit/runtime/local_session.h"
#include "mpcvit/runtime/npy.h"
#include "mpcvit/runtime/weights_file.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <sys/resource.h>
#include <sys/stat.h>
#include <thread>

namespace mpcvit::rt {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// `msg` (an error of `role`) plus what to change when it shows a swapped
/// or wrong address: the peer at the other end of a link is not the role
/// the link expects (certificate or hello), or nothing listens there.
std::string withAddressHint(const std::string &role, const std::string &msg) {
  auto has = [&](const char *s) { return msg.find(s) != std::string::npos; };
  auto expects = [&](const std::string &peer) {
    return has(("does not name the role mpcvit-" + peer).c_str()) ||
           has(("this link expects the " + peer).c_str());
  };
  const bool noConn = has("cannot connect to ");
  std::string hint;
  if (role == "client" &&
      (expects("server") || (noConn && has("cannot connect to server")))) {
    hint = noConn ? "is the server running, and is --connect the server's "
                    "--listen address?"
                  : "--connect is not the server's address: give --connect "
                    "the server's --listen address (the dealer's goes to "
                    "--dealer)";
  } else if ((role == "client" || role == "server") &&
             (expects("dealer") ||
              (noConn && has("cannot connect to dealer")))) {
    hint = noConn ? "is the dealer running, and is --dealer the dealer's "
                    "--listen address?"
                  : "--dealer is not the dealer's address: give --dealer the "
                    "dealer's --listen address" +
                        std::string(role == "client"
                                        ? " (the server's goes to --connect)"
                                        : "");
  } else if (role == "server" && expects("client")) {
    hint = "only clients connect to a server: the peer's --dealer names "
           "this server's address; give it the dealer's --listen address";
  } else if (role == "dealer" && expects("server or")) {
    hint = "only servers (--dealer) and clients (--dealer) connect to a "
           "dealer";
  }
  return hint.empty() ? msg : msg + "; " + hint;
}

/// Parsed command line: role and --key value pairs (--json is a flag).
struct Options {
  std::string role;
  std::map<std::string, std::string> kv;
  bool json = false;
  bool insecure = false;
  bool has(const std::string &k) const { return kv.count(k) != 0; }
  std::string get(const std::string &k) const {
    auto it = kv.find(k);
    if (it == kv.end())
      throw UsageError(role + " needs --" + k);
    return it->second;
  }
};

const char *kUsage =
    "usage:\n"
    "  NAME dealer --listen H:P [--sessions N] [--max-sessions K]\n"
    "  NAME dealer --out DIR --count N\n"
    "  NAME server --listen H:P (--dealer H:P | --offline DIR) "
    "[--weights NAME.weights]\n"
    "              [--sessions N] [--max-sessions K]\n"
    "  NAME client --connect H:P (--dealer H:P | --offline DIR) "
    "--input x.npy|DIR [--output logits.npy]\n"
    "  NAME local  --input x.npy|DIR [--weights NAME.weights] "
    "[--output logits.npy]\n"
    "  TLS (dealer, server, client): --tls-cert F --tls-key F --tls-ca F,\n"
    "      or --insecure for plain TCP on a trusted network\n"
    "  common options: --json, --timeout-ms MS (default 30000), --threads T\n";

Options parse(int argc, char **argv) {
  if (argc < 2)
    throw UsageError("missing role");
  Options o;
  o.role = argv[1];
  const std::vector<std::string> tls = {"tls-cert", "tls-key", "tls-ca"};
  static const std::map<std::string, std::vector<std::string>> allowed = {
      {"dealer", {"listen", "sessions", "max-sessions", "out", "count"}},
      {"server",
       {"weights", "listen", "dealer", "offline", "sessions", "max-sessions"}},
      {"client", {"connect", "dealer", "offline", "input", "output"}},
      {"local", {"input", "weights", "output"}}};
  auto it = allowed.find(o.role);
  if (it == allowed.end())
    throw UsageError("unknown role '" + o.role +
                     "' (expected dealer, server, client or local)");
  const bool networked = o.role != "local";
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--json") {
      o.json = true;
      continue;
    }
    if (a == "--insecure" && networked) {
      o.insecure = true;
      continue;
    }
    if (a.rfind("--", 0) != 0)
      throw UsageError("unexpected argument '" + a + "'");
    std::string k = a.substr(2);
    bool ok =
        k == "timeout-ms" || k == "threads" ||
        (networked && std::find(tls.begin(), tls.end(), k) != tls.end()) ||
        std::find(it->second.begin(), it->second.end(), k) != it->second.end();
    if (!ok)
      throw UsageError("unknown option --" + k + " for role " + o.role);
    if (i + 1 >= argc)
      throw UsageError("--" + k + " needs a value");
    if (o.kv.count(k))
      throw UsageError("--" + k + " given twice");
    o.kv[k] = argv[++i];
  }
  if (o.role == "dealer" && o.has("out") == o.has("listen"))
    throw UsageError("dealer needs exactly one of --listen H:P (a service) "
                     "and --out DIR (offline material to disk)");
  if (o.role == "dealer" && o.has("count") && !o.has("out"))
    throw UsageError("--count is for dealer --out (a live dealer serves "
                     "bundles on demand)");
  if ((o.role == "server" || o.role == "client") &&
      o.has("dealer") == o.has("offline"))
    throw UsageError(o.role + " needs exactly one of --dealer H:P and "
                              "--offline DIR");
  bool anyTls = o.has("tls-cert") || o.has("tls-key") || o.has("tls-ca");
  bool needsNet = networked && !(o.role == "dealer" && o.has("out"));
  if (needsNet && o.insecure && anyTls)
    throw UsageError("--insecure and --tls-* exclude each other");
  if (needsNet && !o.insecure && !anyTls)
    throw UsageError(o.role +
                     " refuses to start without TLS: give --tls-cert, "
                     "--tls-key and --tls-ca (scripts/make-certs.sh makes a "
                     "test CA), or --insecure for plain TCP on a trusted "
                     "network");
  return o;
}

std::pair<std::string, uint16_t> hostPort(const std::string &s,
                                          const std::string &what) {
  size_t c = s.rfind(':');
  if (c == std::string::npos || c == 0 || c + 1 == s.size())
    throw UsageError("--" + what + " expects HOST:PORT, got '" + s + "'");
  char *end = nullptr;
  long p = std::strtol(s.c_str() + c + 1, &end, 10);
  if (*end || p < 0 || p > 65535)
    throw UsageError("--" + what + ": bad port in '" + s + "'");
  return {s.substr(0, c), uint16_t(p)};
}

long number(const Options &o, const std::string &k, long def, long lo,
            long hi) {
  if (!o.has(k))
    return def;
  std::string v = o.get(k);
  char *end = nullptr;
  long n = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end || n < lo || n > hi)
    throw UsageError("--" + k + " expects an integer in [" +
                     std::to_string(lo) + ", " + std::to_string(hi) +
                     "], got '" + v + "'");
  return n;
}

SessionConfig sessionConfig(const ProgramInfo &info, const Options &o) {
  SessionConfig c;
  c.fracBits = info.fracBits;
  c.trunc = info.trunc;
  c.protocols = info.protocols;
  c.programHash = info.hash;
  int ms = int(number(o, "timeout-ms", 30000, 100, 3600000));
  c.transport.connectTimeoutMs = ms;
  c.transport.ioTimeoutMs = ms;
  if (info.offlineBytes)
    c.transport.maxMessageBytes = info.offlineBytes;
  c.gemmThreads = int(number(o, "threads", 0, 0, 1024));
  if (o.has("tls-cert") || o.has("tls-key") || o.has("tls-ca")) {
    TlsFiles f;
    f.cert = o.has("tls-cert") ? o.get("tls-cert") : "";
    f.key = o.has("tls-key") ? o.get("tls-key") : "";
    f.ca = o.has("tls-ca") ? o.get("tls-ca") : "";
    c.transport.tls = std::make_shared<TlsContext>(f);
  }
  return c;
}

std::vector<uint8_t> u64Bytes(const std::vector<uint64_t> &v) {
  std::vector<uint8_t> b(v.size() * 8);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}
std::vector<uint64_t> bytesU64(const std::vector<uint8_t> &b) {
  std::vector<uint64_t> v(b.size() / 8);
  std::memcpy(v.data(), b.data(), v.size() * 8);
  return v;
}

/// Zero weights of the program's shapes (client, dealer).
Weights zeroWeights(const ProgramInfo &info) {
  auto t = std::make_shared<std::vector<RingTensor>>();
  for (const WeightSpec &s : info.weights)
    t->emplace_back(s.shape);
  Weights w;
  w.tensors_ = std::move(t);
  return w;
}

/// Loads and checks the server's weights file against the program.
Weights loadWeights(const ProgramInfo &info, const std::string &path) {
  std::vector<std::pair<std::string, Shape>> specs;
  for (const WeightSpec &s : info.weights)
    specs.emplace_back(s.name, s.shape);
  WeightsFile f = readWeightsFile(path, weightsFileBytes(specs));
  if (f.programHash != info.hash)
    throw ProtocolError(path + ": belongs to program " +
                        hexHash(f.programHash) + ", this is program " +
                        hexHash(info.hash) + " (another model's weights?)");
  if (f.weights.size() != info.weights.size())
    throw ProtocolError(path + ": holds " + std::to_string(f.weights.size()) +
                        " weights, the program expects " +
                        std::to_string(info.weights.size()));
  auto t = std::make_shared<std::vector<RingTensor>>();
  for (size_t i = 0; i < info.weights.size(); ++i) {
    const WeightSpec &s = info.weights[i];
    const WeightEntry &e = f.weights[i];
    if (e.name != s.name || e.shape != s.shape || e.frac != s.frac)
      throw ProtocolError(path + ": weight " + std::to_string(i) + " is '" +
                          e.name + "' " + shapeStr(e.shape) + " frac " +
                          std::to_string(e.frac) + ", the program expects '" +
                          s.name + "' " + shapeStr(s.shape) + " frac " +
                          std::to_string(s.frac));
    t->push_back(e.value);
  }
  Weights w;
  w.tensors_ = std::move(t);
  return w;
}

/// Per-deployment setup of the mmul_sp weights (all roles, same order).
void deploy(Context &ctx, const ProgramInfo &info, Weights &w) {
  w.matrices_.resize(info.weights.size());
  for (size_t i = 0; i < info.weights.size(); ++i)
    if (info.weights[i].matrix)
      w.matrices_[i] = deploy_weight(ctx, uint64_t(i), w.tensor(i));
}

/// Refuses NaN, infinities and values outside the range the program's
/// fixed-point format carries (ProgramInfo::inputAbsMax, else the encodable
/// range), naming the input, the element and the value.
void checkInputRange(const ProgramInfo &info,
                     const std::vector<std::vector<double>> &inputs,
                     const std::string &path) {
  const double encodable = std::ldexp(1.0, 62 - info.fracBits);
  const double limit = info.inputAbsMax > 0 ? info.inputAbsMax : encodable;
  for (size_t k = 0; k < inputs.size(); ++k)
    for (size_t i = 0; i < inputs[k].size(); ++i) {
      double v = inputs[k][i];
      if (std::isfinite(v) && std::fabs(v) <= limit)
        continue;
      char buf[96];
      std::snprintf(buf, sizeof(buf), "%.9g", v);
      std::string where = path + ": input " + std::to_string(k) + ", element " +
                          std::to_string(i) + " is " + buf;
      if (!std::isfinite(v))
        throw std::runtime_error(where + ": not a finite number");
      char lim[64];
      std::snprintf(lim, sizeof(lim), "%.6g", limit);
      throw std::runtime_error(
          where + ", outside [-" + lim + ", " + lim +
          "], the range this program's fixed-point format (" +
          std::to_string(info.fracBits) +
          " fractional bits) carries through its first layers: is the "
          "image normalised as the model expects?");
    }
}

/// Raw uint8 images (values 0..255, the program's NCHW layout) → the
/// model's input, x = (u · scale − mean[c]) / std[c], with the
/// normalisation the program records (ProgramInfo::preprocess).
void normalizeRaw(const ProgramInfo &info, std::vector<double> &data,
                  const std::string &path) {
  const ProgramInfo::Preprocess &p = info.preprocess;
  if (p.mean.empty())
    throw std::runtime_error(
        path + ": holds uint8 (raw) images, but this program records no "
               "normalisation to turn them into the model's input: compile "
               "it with mpcvit-compile --preprocess "
               "scale=1/255,mean=M,std=S (or export the model with "
               "python/mpcvit, which records it), or give normalised float "
               "images");
  const size_t channels = p.mean.size();
  if (info.input.size() != 4 || info.input[1] != int64_t(channels) ||
      p.std.size() != channels)
    throw std::runtime_error(
        path + ": the program's normalisation has " + std::to_string(channels) +
        " channel(s), its input is " + shapeStr(info.input) + " (not NCHW)");
  const size_t plane = size_t(info.input[2]) * size_t(info.input[3]);
  for (size_t i = 0; i < data.size(); ++i) {
    size_t c = (i / plane) % channels;
    data[i] = (data[i] * p.scale - p.mean[c]) / p.std[c];
  }
}

/// The client's inputs, one array per inference of the program's input
/// shape [B, ...]. Files (one .npy, or a directory of them in name order)
/// hold images: an array of the program's input shape is B images, [N, ...]
/// with items of the per-image shape (the input without its leading B) is
/// N images, [N, B, ...] is N·B; float arrays hold normalised images, uint8
/// arrays raw ones (normalizeRaw). For a batch program (B > 1) the images are
/// run B at a time; the last group is padded with zero images, whose
/// outputs are dropped (`padded` tells how many).
struct Inputs {
  std::vector<std::vector<double>> inferences;
  size_t images = 0, padded = 0;
};

Inputs loadInputs(const ProgramInfo &info, const std::string &path) {
  std::vector<std::string> files;
  struct stat st;
  if (stat(path.c_str(), &st) != 0)
    throw std::runtime_error(path + ": no such file or directory");
  if (S_ISDIR(st.st_mode)) {
    DIR *d = opendir(path.c_str());
    if (!d)
      throw std::runtime_error(path + ": cannot read the directory");
    while (dirent *e = readdir(d)) {
      std::string n = e->d_name;
      if (n.size() > 4 && n.compare(n.size() - 4, 4, ".npy") == 0)
        files.push_back(path + "/" + n);
    }
    closedir(d);
    std::sort(files.begin(), files.end());
    if (files.empty())
      throw std::runtime_error(path + ": no .npy files in the directory");
  } else {
    files.push_back(path);
  }
  const size_t n = numel(info.input);
  const size_t batch =
      info.input.empty() ? 1 : size_t(std::max<int64_t>(info.input[0], 1));
  const size_t per = n / batch; // elements of one image
  Shape image(info.input.begin() + (info.input.empty() ? 0 : 1),
              info.input.end());
  // Largest input file accepted: 2^16 inputs of the program's shape as
  // float64 plus a header (a limit from the program, not from the file).
  const uint64_t maxBytes = (uint64_t(1) << 16) + uint64_t(n) * 8 * 65536;
  std::vector<double> all; // every image, row-major
  for (const std::string &f : files) {
    NpyArray a = readNpy(f, maxBytes, /*allowUint8=*/true);
    Shape item(a.shape.begin() + (a.shape.empty() ? 0 : 1), a.shape.end());
    bool ok = a.shape == info.input ||                  // B images
              (!a.shape.empty() && item == image) ||    // N images
              (!a.shape.empty() && item == info.input); // N·B images
    if (!ok)
      throw std::runtime_error(f + ": shape " + shapeStr(a.shape) +
                               " is neither the program's input " +
                               shapeStr(info.input) + ", a batch [N, " +
                               shapeStr(image) +
                               "] of images, nor a batch of inputs");
    if (a.isUint8)
      normalizeRaw(info, a.data, f);
    all.insert(all.end(), a.data.begin(), a.data.end());
  }
  Inputs in;
  in.images = per ? all.size() / per : 0;
  if (in.images == 0)
    throw std::runtime_error(path + ": holds no input (a batch of 0 images)");
  in.padded = (batch - in.images % batch) % batch;
  if (in.padded && (info.output.empty() || info.output[0] != int64_t(batch)))
    throw std::runtime_error(
        path + ": " + std::to_string(in.images) +
        " images do not fill batches of " + std::to_string(batch) +
        " and the program's output " + shapeStr(info.output) +
        " has no per-image rows to drop the padding from");
  all.resize(all.size() + in.padded * per, 0.0);
  for (size_t i = 0; i < all.size(); i += n)
    in.inferences.emplace_back(all.begin() + i, all.begin() + i + n);
  checkInputRange(info, in.inferences, path);
  return in;
}

/// What a role measured (per inference where it says so).
struct Report {
  size_t count = 0;
  double onlineS = 0, offlineS = 0; // per inference
  uint64_t bytes[2] = {0, 0};       // online bytes sent, per inference
  uint64_t rounds = 0;              // per inference, max of parties
  uint64_t offlineBytes = 0;        // dealer bytes, per inference
  std::vector<int> top1;
  std::vector<double> logits; // all outputs, row-major
  /// Client only: online / offline seconds of each inference, in order.
  std::vector<double> onlineEach, offlineEach;
};

/// Peak resident memory of this process so far (getrusage ru_maxrss, which
/// Linux reports in KiB), in bytes; 0 if unavailable. With the `local` role
/// the three roles share the process, so it is their sum.
uint64_t peakRssBytes() {
  struct rusage u {};
  if (getrusage(RUSAGE_SELF, &u) != 0 || u.ru_maxrss < 0)
    return 0;
  return uint64_t(u.ru_maxrss) * 1024;
}

std::string jsonLine(const Report &r) {
  std::ostringstream os;
  os.precision(6);
  os << "{\"top1\": ";
  if (r.top1.size() == 1) {
    os << r.top1[0];
  } else {
    os << "[";
    for (size_t i = 0; i < r.top1.size(); ++i)
      os << (i ? ", " : "") << r.top1[i];
    os << "]";
  }
  os << ", \"count\": " << r.count << ", \"online_s\": " << r.onlineS
     << ", \"offline_s\": " << r.offlineS
     << ", \"online_bytes_sent_per_party\": [" << r.bytes[0] << ", "
     << r.bytes[1] << "], \"online_bytes_sent_per_party_max\": "
     << std::max(r.bytes[0], r.bytes[1]) << ", \"online_rounds\": " << r.rounds
     << ", \"offline_bytes\": " << r.offlineBytes
     << ", \"peak_rss_bytes\": " << peakRssBytes();
  if (!r.onlineEach.empty()) {
    auto list = [&](const char *key, const std::vector<double> &v) {
      os << ", \"" << key << "\": [";
      for (size_t i = 0; i < v.size(); ++i)
        os << (i ? ", " : "") << v[i];
      os << "]";
    };
    list("online_s_each", r.onlineEach);
    list("offline_s_each", r.offlineEach);
  }
  os << "}";
  return os.str();
}

/// Text or JSON report; `dealerOnly`: the dealer's lines (inferences,
/// offline latency and bytes) without the online ones it does not measure.
void printReport(const Report &r, bool json, bool withTop1,
                 bool dealerOnly = false) {
  if (json) {
    std::printf("%s\n", jsonLine(r).c_str());
    return;
  }
  if (dealerOnly) {
    std::printf("inferences: %zu\n", r.count);
    std::printf("offline latency: %.6f s per inference\n", r.offlineS);
    std::printf("offline (dealer) bytes: %llu B per inference\n",
                (unsigned long long)r.offlineBytes);
    std::printf("peak memory: %llu B (resident)\n",
                (unsigned long long)peakRssBytes());
    return;
  }
  if (withTop1) {
    std::printf("top-1:");
    for (int t : r.top1)
      std::printf(" %d", t);
    std::printf("\n");
  }
  std::printf("inferences: %zu\n", r.count);
  std::printf("online latency: %.6f s per inference\n", r.onlineS);
  std::printf("offline latency: %.6f s per inference\n", r.offlineS);
  std::printf("online bytes sent: server %llu B, client %llu B per "
              "inference\n",
              (unsigned long long)r.bytes[0], (unsigned long long)r.bytes[1]);
  std::printf("online rounds: %llu per inference\n",
              (unsigned long long)r.rounds);
  std::printf("offline (dealer) bytes: %llu B per inference\n",
              (unsigned long long)r.offlineBytes);
  std::printf("peak memory: %llu B (resident)\n",
              (unsigned long long)peakRssBytes());
}

// ---- the roles --------------------------------------------------------------

/// Client → server before each inference: {1, bundle index} (the index
/// matters with offline material), or {0, 0} at the end of the session.
/// Outside the measured window of each inference.
constexpr const char *kNextWhat = "next inference";
/// Server → client after the request: ready (its bundle is in), or the
/// reason it refuses. Fixed size: 8-byte code (1 = ready) + text.
constexpr const char *kReadyWhat = "server ready";
constexpr size_t kStatusBytes = 256;

std::vector<uint8_t> statusFrame(bool ok, const std::string &why) {
  std::vector<uint8_t> b(kStatusBytes, 0);
  b[0] = ok ? 1 : 0;
  std::memcpy(b.data() + 8, why.data(), std::min(why.size(), kStatusBytes - 9));
  return b;
}
void checkStatus(const std::vector<uint8_t> &b) {
  if (b[0] == 1)
    return;
  std::string why(reinterpret_cast<const char *>(b.data() + 8));
  throw ProtocolError("the server refused the inference: " +
                      (why.empty() ? std::string("(no reason given)") : why));
}

/// The dealer's side of one session: a bundle per request of the server
/// (live), until the server ends the session.
Report runDealerSession(Context &ctx, const ProgramInfo &info,
                        ForwardFn forward) {
  Weights w = zeroWeights(info);
  deploy(ctx, info, w);
  uint64_t before = ctx.dealerStats(0).bytesSent + ctx.dealerStats(1).bytesSent;
  RingTensor zeros(info.input);
  Report r;
  double busy = 0;
  while (ctx.awaitBundleRequest()) {
    auto t0 = Clock::now();
    ctx.beginInference();
    forward(ctx, w, zeros);
    ctx.dealerFlush();
    busy += since(t0);
    ++r.count;
  }
  if (r.count) {
    r.offlineS = busy / double(r.count);
    r.offlineBytes =
        (ctx.dealerStats(0).bytesSent + ctx.dealerStats(1).bytesSent - before) /
        r.count;
  }
  return r;
}

/// `dealer --out DIR --count N`.
Report runDealerToDisk(Context &ctx, const ProgramInfo &info, size_t count,
                       ForwardFn forward) {
  Weights w = zeroWeights(info);
  deploy(ctx, info, w);
  RingTensor zeros(info.input);
  Report r;
  r.count = count;
  auto t0 = Clock::now();
  for (size_t i = 0; i < count; ++i) {
    ctx.beginInference();
    forward(ctx, w, zeros);
    r.offlineBytes += ctx.pendingOfflineBytes();
    ctx.dealerFlush();
  }
  r.offlineS = since(t0) / double(count);
  r.offlineBytes /= count;
  return r;
}

/// The server's side of one session; afterwards it tells the client its
/// offline bytes and rounds.
Report runServerSession(Context &ctx, const ProgramInfo &info,
                        const Weights &shared, ForwardFn forward) {
  const bool offline = ctx.offlineMaterial();
  Weights w;
  w.tensors_ = shared.tensors_;
  deploy(ctx, info, w);
  Report r;
  RingTensor zeros(info.input);
  CommStats d;
  uint64_t offBytes = 0;
  double offS = 0, onS = 0;
  while (true) {
    auto next = bytesU64(ctx.recvBytes(16, kNextWhat));
    if (next[0] == 0)
      break;
    if (next[0] != 1)
      throw ProtocolError("server: malformed request from the client");
    auto t0 = Clock::now();
    uint64_t b0 = ctx.offlineBytesReceived();
    try {
      if (offline) {
        ctx.loadOfflineBundle(next[1]);
      } else {
        ctx.requestBundle(true);
        ctx.receiveOffline(1);
      }
    } catch (const std::exception &e) {
      ctx.sendBytes(statusFrame(false, e.what()), kReadyWhat); // then close
      throw;
    }
    ctx.sendBytes(statusFrame(true, ""), kReadyWhat);
    offBytes += ctx.offlineBytesReceived() - b0;
    offS += since(t0);
    ctx.beginInference();
    CommStats s0 = ctx.peerStats();
    auto t1 = Clock::now();
    forward(ctx, w, zeros);
    onS += since(t1);
    d += ctx.peerStats() - s0;
    ctx.endInference();
    ++r.count;
  }
  ctx.requestBundle(false);
  if (r.count) {
    r.offlineS = offS / double(r.count);
    r.onlineS = onS / double(r.count);
    r.bytes[0] = d.bytesSent / r.count;
    r.bytes[1] = d.bytesRecv / r.count;
    r.rounds = d.rounds / r.count;
  }
  // Trailer (after all measurements): offline bytes received and rounds.
  ctx.sendBytes(u64Bytes({offBytes, d.rounds}), "server statistics");
  r.offlineBytes = r.count ? offBytes / r.count : 0; // server's share only
  return r;
}

Report runClient(Context &ctx, const ProgramInfo &info,
                 const std::vector<std::vector<double>> &inputs,
                 ForwardFn forward, size_t padded = 0) {
  const bool offline = ctx.offlineMaterial();
  Weights w = zeroWeights(info);
  deploy(ctx, info, w);
  Report r;
  r.count = inputs.size();
  FixedPoint codec(info.fracBits), out(info.outputFrac);
  CommStats d;
  uint64_t clientOffline = 0;
  double online = 0, offlineS = 0;
  // Progress on stderr for long runs: at most one line every 2 s, and a
  // last one once any was printed.
  const size_t batch =
      info.input.empty() ? 1 : size_t(std::max<int64_t>(info.input[0], 1));
  const size_t images = inputs.size() * batch - padded;
  const auto start = Clock::now();
  auto lastLine = start;
  bool progressShown = false;
  auto progress = [&](size_t done) {
    if (done < inputs.size() && since(lastLine) < 2.0)
      return;
    if (done == inputs.size() && !progressShown)
      return;
    lastLine = Clock::now();
    progressShown = true;
    std::fprintf(stderr, "client: %zu/%zu images, %.1f s\n",
                 std::min(done * batch, images), images, since(start));
    std::fflush(stderr);
  };
  for (size_t i = 0; i < inputs.size(); ++i) {
    progress(i);
    RingTensor x = codec.encode(inputs[i], info.input);
    auto t0 = Clock::now();
    uint64_t b0 = ctx.offlineBytesReceived();
    uint64_t index = 0;
    if (offline) {
      index = ctx.nextOfflineIndex();
      ctx.loadOfflineBundle(index);
    }
    ctx.sendBytes(u64Bytes({1, index}), kNextWhat);
    if (!offline)
      ctx.receiveOffline(1);
    // The server's go-ahead: it has its side of the same bundle. Nothing
    // online is sent before it.
    checkStatus(ctx.recvBytes(kStatusBytes, kReadyWhat));
    clientOffline += ctx.offlineBytesReceived() - b0;
    r.offlineEach.push_back(since(t0));
    offlineS += r.offlineEach.back();
    ctx.beginInference();
    CommStats s0 = ctx.peerStats();
    auto t1 = Clock::now();
    RingTensor y = forward(ctx, w, x);
    r.onlineEach.push_back(since(t1));
    online += r.onlineEach.back();
    d += ctx.peerStats() - s0;
    ctx.endInference();
    std::vector<double> v = out.decode(y);
    size_t last = info.output.empty() ? v.size() : size_t(info.output.back());
    for (size_t row = 0; row + last <= v.size(); row += last)
      r.top1.push_back(
          int(std::max_element(v.begin() + row, v.begin() + row + last) -
              (v.begin() + row)));
    r.logits.insert(r.logits.end(), v.begin(), v.end());
  }
  progress(inputs.size());
  ctx.sendBytes(u64Bytes({0, 0}), kNextWhat);
  // Drop the outputs of the zero images that padded the last batch.
  if (padded && !info.output.empty()) {
    size_t row = numel(info.output) / size_t(info.output[0]);
    size_t classes = info.output.back();
    r.logits.resize(r.logits.size() - padded * row);
    r.top1.resize(r.top1.size() - padded * (row / classes));
  }
  auto trailer = bytesU64(ctx.recvBytes(16, "server statistics"));
  const size_t count = std::max<size_t>(r.count, 1);
  r.offlineS = offlineS / double(count);
  r.onlineS = online / double(count);
  r.bytes[0] = d.bytesRecv / count;
  r.bytes[1] = d.bytesSent / count;
  r.rounds = std::max(d.rounds, trailer[1]) / count;
  r.offlineBytes = (clientOffline + trailer[0]) / count;
  return r;
}

void writeOutput(const ProgramInfo &info, const Options &o, const Report &r) {
  if (!o.has("output"))
    return;
  NpyArray a;
  a.data = r.logits;
  if (!info.output.empty() && info.output[0] > 1) {
    // A batch program: one row per image, padding dropped.
    size_t row = numel(info.output) / size_t(info.output[0]);
    a.shape = {int64_t(r.logits.size() / row)};
    a.shape.insert(a.shape.end(), info.output.begin() + 1, info.output.end());
  } else if (r.count == 1) {
    a.shape = info.output;
  } else {
    a.shape = {int64_t(r.count)};
    Shape item(info.output.begin() +
                   (!info.output.empty() && info.output[0] == 1 ? 1 : 0),
               info.output.end());
    a.shape.insert(a.shape.end(), item.begin(), item.end());
  }
  writeNpy(o.get("output"), a);
}

std::string defaultWeights(const char *argv0) {
  return std::string(argv0) + ".weights";
}

// ---- services ---------------------------------------------------------------

/// Set by SIGTERM / SIGINT: services stop accepting, finish running
/// sessions and exit 0.
std::atomic<bool> gStop{false};
extern "C" void onStopSignal(int) { gStop.store(true); }

/// How a service runs: stop after `sessions` (0 = until a signal), at most
/// `maxConcurrent` sessions at once.
struct ServiceLimits {
  size_t sessions = 0;
  size_t maxConcurrent = 4;
  std::atomic<bool> *stop = nullptr; ///< this service's own stop flag
};

/// Accepts connections on `l` until stopped and runs `handle(channel,
/// admit)` on one thread per connection. A connection first authenticates
/// (TLS, hello) holding no session slot: at most kMaxHandshakes such
/// connections at once, each bounded by the handshake deadlines, so idle or
/// unauthenticated sockets cannot starve real clients. Then `handle` calls
/// `admit()`, which waits (at most ioTimeoutMs) for one of
/// limits.maxConcurrent session slots and counts the session against
/// limits.sessions (throws when the service is full or done). A failure is
/// logged as "<prog> <role>: <peer>: error: ..." and ends that connection
/// only. Finished threads are joined as the loop goes. Returns the number of
/// admitted sessions that failed.
size_t serve(Listener &l, const TransportOptions &topts,
             const std::string &prog, const std::string &role,
             const std::string &peerKind, const ServiceLimits &limits,
             const std::function<void(Channel &, const std::function<void()> &)>
                 &handle) {
  constexpr size_t kMaxHandshakes = 64;
  std::mutex mu;
  std::condition_variable cv;
  size_t handshaking = 0, sessionsRunning = 0, admittedCount = 0, failed = 0;
  struct Worker {
    std::thread t;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<Worker> workers;
  auto stopped = [&] {
    return gStop.load() || (limits.stop && limits.stop->load());
  };
  auto reap = [&] {
    for (auto it = workers.begin(); it != workers.end();) {
      if (it->done->load()) {
        it->t.join();
        it = workers.erase(it);
      } else {
        ++it;
      }
    }
  };
  while (true) {
    reap();
    {
      std::unique_lock<std::mutex> lock(mu);
      if (stopped() || (limits.sessions && admittedCount >= limits.sessions))
        break;
      if (handshaking >= kMaxHandshakes) {
        cv.wait_for(lock, std::chrono::milliseconds(200));
        continue;
      }
    }
    std::optional<Channel> ch = l.tryAccept(topts, peerKind, 200);
    if (!ch)
      continue;
    auto done = std::make_shared<std::atomic<bool>>(false);
    {
      std::lock_guard<std::mutex> g(mu);
      ++handshaking;
    }
    workers.push_back(
        {std::thread([&, done, c = std::make_shared<Channel>(std::move(*ch))] {
           std::string peer = c->peerName();
           bool inSlot = false, isSession = false;
           auto admit = [&] {
             std::unique_lock<std::mutex> lock(mu);
             --handshaking;
             inSlot = true; // handshake over either way
             bool ok = cv.wait_for(
                 lock, std::chrono::milliseconds(topts.ioTimeoutMs), [&] {
                   return sessionsRunning < limits.maxConcurrent || stopped();
                 });
             if (stopped())
               throw ProtocolError("service stopping: refused");
             if (!ok)
               throw ProtocolError(
                   "busy: " + std::to_string(limits.maxConcurrent) +
                   " sessions running (--max-sessions)");
             if (limits.sessions && admittedCount >= limits.sessions)
               throw ProtocolError("session limit (--sessions " +
                                   std::to_string(limits.sessions) +
                                   ") reached: refused");
             ++admittedCount;
             ++sessionsRunning;
             isSession = true;
           };
           try {
             handle(*c, admit);
           } catch (const std::exception &e) {
             std::lock_guard<std::mutex> g(mu);
             std::fprintf(stderr, "%s %s: %s: error: %s\n", prog.c_str(),
                          role.c_str(), peer.c_str(),
                          withAddressHint(role, e.what()).c_str());
             std::fflush(stderr);
             if (isSession)
               ++failed;
           }
           {
             std::lock_guard<std::mutex> g(mu);
             if (!inSlot)
               --handshaking;
             if (isSession)
               --sessionsRunning;
           }
           cv.notify_all();
           done->store(true);
         }),
         done});
  }
  for (auto &w : workers)
    w.t.join();
  return failed;
}

/// Prints one report line (or block) under a process-wide lock.
void printLocked(const Report &r, bool json, bool withTop1,
                 bool dealerOnly = false) {
  static std::mutex mu;
  std::lock_guard<std::mutex> g(mu);
  printReport(r, json, withTop1, dealerOnly);
  std::fflush(stdout);
}

ServiceLimits limitsOf(const Options &o) {
  ServiceLimits s;
  s.sessions = size_t(number(o, "sessions", 0, 0, 1L << 30));
  s.maxConcurrent = size_t(number(o, "max-sessions", 4, 1, 1024));
  return s;
}

/// The dealer service on `l` (live bundles on demand).
size_t serveDealer(Listener &l, const SessionConfig &cfg,
                   const ProgramInfo &info, ForwardFn forward,
                   const std::string &prog, const ServiceLimits &limits,
                   bool json, bool quiet) {
  DealerService svc(cfg);
  // A session (a pair) holds one slot; --sessions counts finished pairs.
  ServiceLimits connLimits = limits;
  connLimits.sessions = 0;
  // --sessions counts pairs: the dealer stops itself once that many
  // sessions have finished.
  std::atomic<size_t> sessions{0};
  std::atomic<bool> enough{false};
  connLimits.stop = &enough;
  size_t failed =
      serve(l, cfg.transport, prog, "dealer", "party", connLimits,
            [&](Channel &ch, const std::function<void()> &admit) {
              std::unique_ptr<Context> ctx = svc.join(std::move(ch));
              if (!ctx)
                return; // parked; the partner's thread runs the session
              admit();
              Report r = runDealerSession(*ctx, info, forward);
              if (!quiet)
                printLocked(r, json, false);
              if (limits.sessions && ++sessions >= limits.sessions)
                enough.store(true);
            });
  return failed;
}

/// The server service on `l`.
size_t serveServer(Listener &l, const SessionConfig &cfg,
                   const ProgramInfo &info, const Weights &weights,
                   ForwardFn forward, const DealerSource &dealer,
                   const std::string &prog, const ServiceLimits &limits,
                   bool json, bool quiet) {
  return serve(l, cfg.transport, prog, "server", "client", limits,
               [&](Channel &ch, const std::function<void()> &admit) {
                 auto ctx =
                     Context::acceptClient(cfg, std::move(ch), dealer, admit);
                 Report r = runServerSession(*ctx, info, weights, forward);
                 if (!quiet)
                   printLocked(r, json, false);
               });
}

DealerSource dealerSource(const Options &o) {
  DealerSource d;
  if (o.has("offline")) {
    d.offlineDir = o.get("offline");
  } else {
    auto [h, p] = hostPort(o.get("dealer"), "dealer");
    d.host = h;
    d.port = p;
  }
  return d;
}

int runRole(const Options &o, const char *argv0, const ProgramInfo &info,
            ForwardFn forward) {
  SessionConfig cfg = sessionConfig(info, o);
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGTERM, onStopSignal);
  std::signal(SIGINT, onStopSignal);
  if (o.role == "dealer" && o.has("out")) {
    long count = number(o, "count", 1, 1, 1 << 20);
    auto ctx = Context::dealerToDisk(cfg, o.get("out"));
    Report r = runDealerToDisk(*ctx, info, size_t(count), forward);
    printReport(r, o.json, false, /*dealerOnly=*/true);
    return 0;
  }
  if (o.role == "dealer" || o.role == "server") {
    Weights w;
    if (o.role == "server")
      w = loadWeights(info, o.has("weights") ? o.get("weights")
                                             : defaultWeights(argv0));
    auto [h, p] = hostPort(o.get("listen"), "listen");
    Listener l(h, p);
    std::fprintf(stderr, "%s %s: listening on %s:%u (%s)\n", argv0,
                 o.role.c_str(), h.c_str(), unsigned(l.port()),
                 cfg.transport.tls ? "mutual TLS 1.3" : "INSECURE plain TCP");
    std::fflush(stderr);
    ServiceLimits lim = limitsOf(o);
    size_t failed =
        o.role == "dealer"
            ? serveDealer(l, cfg, info, forward, argv0, lim, o.json, false)
            : serveServer(l, cfg, info, w, forward, dealerSource(o), argv0, lim,
                          o.json, false);
    if (failed)
      std::fprintf(stderr, "%s %s: %zu session(s) failed\n", argv0,
                   o.role.c_str(), failed);
    // Stopped by a signal: exit 0 (running sessions finished). With
    // --sessions N the exit code tells whether all N succeeded.
    return failed && !gStop.load() ? 1 : 0;
  }
  if (o.role == "client") {
    Inputs in = loadInputs(info, o.get("input"));
    auto [sh, sp] = hostPort(o.get("connect"), "connect");
    DealerSource d = dealerSource(o);
    auto ctx = Context::connectClient(cfg, sh, sp, d);
    Report r = runClient(*ctx, info, in.inferences, forward, in.padded);
    writeOutput(info, o, r);
    printReport(r, o.json, true);
    return 0;
  }
  // local: the three roles as threads of this process over loopback
  // (plain TCP: nothing leaves the process), one session.
  Inputs in = loadInputs(info, o.get("input"));
  Weights w = loadWeights(info, o.has("weights") ? o.get("weights")
                                                 : defaultWeights(argv0));
  Report r;
  LocalErrors err = runLocalSession(cfg, [&](Context &ctx) {
    if (ctx.isDealer())
      runDealerSession(ctx, info, forward);
    else if (ctx.role() == Role::Server)
      runServerSession(ctx, info, w, forward);
    else
      r = runClient(ctx, info, in.inferences, forward, in.padded);
  });
  // The client's error first: the others then only saw it hang up.
  rethrowFirst(err, {Role::Client, Role::Server, Role::Dealer});
  writeOutput(info, o, r);
  printReport(r, o.json, true);
  return 0;
}

} // namespace

int programMain(int argc, char **argv, const ProgramInfo &info,
                ForwardFn forward) {
  const char *prog = argc > 0 ? argv[0] : "program";
  std::string role = argc > 1 ? argv[1] : "?";
  try {
    Options o = parse(argc, argv);
    return runRole(o, prog, info, forward);
  } catch (const UsageError &e) {
    std::fprintf(stderr, "%s: error: %s\n%s", prog, e.what(), kUsage);
    return 2;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "%s %s: error: %s\n", prog, role.c_str(),
                 withAddressHint(role, e.what()).c_str());
    return 1;
  }
}

} // namespace mpcvit::rt
