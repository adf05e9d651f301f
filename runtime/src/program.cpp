//===- program.cpp - The roles of a compiled private program --------------===//
#include "mpcvit/runtime/program.h"

#include "mpcvit/runtime/npy.h"
#include "mpcvit/runtime/weights_file.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <exception>
#include <map>
#include <sstream>
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

/// Parsed command line: role and --key value pairs (--json is a flag).
struct Options {
  std::string role;
  std::map<std::string, std::string> kv;
  bool json = false;
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
    "  NAME dealer --server H:P --client H:P --count N\n"
    "  NAME server [--weights NAME.weights] --listen H:P\n"
    "  NAME client --connect H:P --listen H:P --input x.npy|DIR "
    "[--output logits.npy]\n"
    "  NAME local  --input x.npy|DIR [--weights NAME.weights] "
    "[--output logits.npy]\n"
    "  common options: --json, --timeout-ms MS (default 30000), --threads T\n";

Options parse(int argc, char **argv) {
  if (argc < 2)
    throw UsageError("missing role");
  Options o;
  o.role = argv[1];
  static const std::map<std::string, std::vector<std::string>> allowed = {
      {"dealer", {"server", "client", "count"}},
      {"server", {"weights", "listen"}},
      {"client", {"connect", "listen", "input", "output"}},
      {"local", {"input", "weights", "output"}}};
  auto it = allowed.find(o.role);
  if (it == allowed.end())
    throw UsageError("unknown role '" + o.role +
                     "' (expected dealer, server, client or local)");
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--json") {
      o.json = true;
      continue;
    }
    if (a.rfind("--", 0) != 0)
      throw UsageError("unexpected argument '" + a + "'");
    std::string k = a.substr(2);
    bool ok =
        k == "timeout-ms" || k == "threads" ||
        std::find(it->second.begin(), it->second.end(), k) != it->second.end();
    if (!ok)
      throw UsageError("unknown option --" + k + " for role " + o.role);
    if (i + 1 >= argc)
      throw UsageError("--" + k + " needs a value");
    if (o.kv.count(k))
      throw UsageError("--" + k + " given twice");
    o.kv[k] = argv[++i];
  }
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
  c.compare = info.compare;
  c.programHash = info.hash;
  int ms = int(number(o, "timeout-ms", 30000, 100, 3600000));
  c.transport.connectTimeoutMs = ms;
  c.transport.ioTimeoutMs = ms;
  c.gemmThreads = int(number(o, "threads", 0, 0, 1024));
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
  Weights w;
  for (const WeightSpec &s : info.weights)
    w.tensors_.emplace_back(s.shape);
  return w;
}

/// Loads and checks the server's weights file against the program.
Weights loadWeights(const ProgramInfo &info, const std::string &path) {
  WeightsFile f = readWeightsFile(path);
  if (f.programHash != info.hash) {
    char buf[160];
    std::snprintf(buf, sizeof(buf),
                  ": belongs to program %016llx, this is program %016llx "
                  "(another model's weights?)",
                  (unsigned long long)f.programHash,
                  (unsigned long long)info.hash);
    throw ProtocolError(path + buf);
  }
  if (f.weights.size() != info.weights.size())
    throw ProtocolError(path + ": holds " + std::to_string(f.weights.size()) +
                        " weights, the program expects " +
                        std::to_string(info.weights.size()));
  Weights w;
  for (size_t i = 0; i < info.weights.size(); ++i) {
    const WeightSpec &s = info.weights[i];
    const WeightEntry &e = f.weights[i];
    if (e.name != s.name || e.shape != s.shape || e.frac != s.frac)
      throw ProtocolError(path + ": weight " + std::to_string(i) + " is '" +
                          e.name + "' " + shapeStr(e.shape) + " frac " +
                          std::to_string(e.frac) + ", the program expects '" +
                          s.name + "' " + shapeStr(s.shape) + " frac " +
                          std::to_string(s.frac));
    w.tensors_.push_back(e.value);
  }
  return w;
}

/// Per-deployment setup of the mmul_sp weights (all roles, same order).
void deploy(Context &ctx, const ProgramInfo &info, Weights &w) {
  w.matrices_.resize(info.weights.size());
  for (size_t i = 0; i < info.weights.size(); ++i)
    if (info.weights[i].matrix)
      w.matrices_[i] = deploy_weight(ctx, uint64_t(i), w.tensors_[i]);
}

/// The client's inputs: one array per inference, each of the program's
/// input shape.
std::vector<std::vector<double>> loadInputs(const ProgramInfo &info,
                                            const std::string &path) {
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
  std::vector<std::vector<double>> out;
  for (const std::string &f : files) {
    NpyArray a = readNpy(f);
    if (a.shape == info.input) {
      out.push_back(std::move(a.data));
      continue;
    }
    // A batch: [N, ...] whose items have the input's shape, or whose items
    // are the input without its leading 1.
    Shape item(a.shape.begin() + (a.shape.empty() ? 0 : 1), a.shape.end());
    Shape inner(info.input.begin() + (info.input.empty() ? 0 : 1),
                info.input.end());
    bool batch = !a.shape.empty() &&
                 (item == info.input ||
                  (!info.input.empty() && info.input[0] == 1 && item == inner));
    if (!batch)
      throw std::runtime_error(f + ": shape " + shapeStr(a.shape) +
                               " is neither the program's input " +
                               shapeStr(info.input) + " nor a batch of it");
    for (int64_t b = 0; b < a.shape[0]; ++b)
      out.emplace_back(a.data.begin() + b * int64_t(n),
                       a.data.begin() + (b + 1) * int64_t(n));
  }
  return out;
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
     << ", \"offline_bytes\": " << r.offlineBytes;
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

void printReport(const Report &r, bool json, bool withTop1) {
  if (json) {
    std::printf("%s\n", jsonLine(r).c_str());
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
}

// ---- the roles --------------------------------------------------------------

Report runDealer(Context &ctx, const ProgramInfo &info, size_t count,
                 ForwardFn forward) {
  std::vector<uint64_t> n = {uint64_t(count)};
  ctx.sendControl(0, u64Bytes(n), "inference count");
  ctx.sendControl(1, u64Bytes(n), "inference count");
  Weights w = zeroWeights(info);
  deploy(ctx, info, w);
  uint64_t before = ctx.dealerStats(0).bytesSent + ctx.dealerStats(1).bytesSent;
  auto t0 = Clock::now();
  RingTensor zeros(info.input);
  for (size_t i = 0; i < count; ++i) {
    ctx.beginInference();
    forward(ctx, w, zeros);
    ctx.dealerFlush();
  }
  Report r;
  r.count = count;
  r.offlineS = since(t0) / double(count);
  r.offlineBytes =
      (ctx.dealerStats(0).bytesSent + ctx.dealerStats(1).bytesSent - before) /
      count;
  return r;
}

/// The server; afterwards it tells the client its offline bytes and rounds.
Report runServer(Context &ctx, const ProgramInfo &info, Weights w,
                 ForwardFn forward) {
  size_t count = size_t(bytesU64(ctx.recvControl(8, "inference count"))[0]);
  deploy(ctx, info, w);
  uint64_t dBefore = ctx.dealerStats().bytesRecv;
  Report r;
  r.count = count;
  RingTensor zeros(info.input);
  CommStats s0 = ctx.peerStats();
  double offline = 0, online = 0;
  for (size_t i = 0; i < count; ++i) {
    // One bundle at a time: the dealer streams them, memory stays bounded.
    auto t0 = Clock::now();
    ctx.receiveOffline(1);
    offline += since(t0);
    ctx.beginInference();
    auto t1 = Clock::now();
    forward(ctx, w, zeros);
    online += since(t1);
    ctx.endInference();
  }
  r.offlineBytes = ctx.dealerStats().bytesRecv - dBefore;
  CommStats d = ctx.peerStats() - s0;
  if (count) {
    r.offlineS = offline / double(count);
    r.onlineS = online / double(count);
    r.bytes[0] = d.bytesSent / count;
    r.bytes[1] = d.bytesRecv / count;
    r.rounds = d.rounds / count;
  }
  // Trailer (after all measurements): offline bytes received and rounds.
  ctx.sendBytes(u64Bytes({r.offlineBytes, d.rounds}), "server statistics");
  r.offlineBytes = count ? r.offlineBytes / count : 0; // server's share only
  return r;
}

Report runClient(Context &ctx, const ProgramInfo &info,
                 const std::vector<std::vector<double>> &inputs,
                 ForwardFn forward) {
  size_t count = size_t(bytesU64(ctx.recvControl(8, "inference count"))[0]);
  if (count != inputs.size())
    throw ProtocolError("client: the dealer prepared " + std::to_string(count) +
                        " inferences, the client has " +
                        std::to_string(inputs.size()) + " inputs");
  Weights w = zeroWeights(info);
  deploy(ctx, info, w);
  uint64_t dBefore = ctx.dealerStats().bytesRecv;
  Report r;
  r.count = count;
  FixedPoint codec(info.fracBits), out(info.outputFrac);
  CommStats s0 = ctx.peerStats();
  double online = 0, offline = 0;
  for (size_t i = 0; i < count; ++i) {
    RingTensor x = codec.encode(inputs[i], info.input);
    auto t0 = Clock::now();
    ctx.receiveOffline(1);
    r.offlineEach.push_back(since(t0));
    offline += r.offlineEach.back();
    ctx.beginInference();
    auto t1 = Clock::now();
    RingTensor y = forward(ctx, w, x);
    r.onlineEach.push_back(since(t1));
    online += r.onlineEach.back();
    ctx.endInference();
    std::vector<double> v = out.decode(y);
    size_t last = info.output.empty() ? v.size() : size_t(info.output.back());
    for (size_t row = 0; row + last <= v.size(); row += last)
      r.top1.push_back(
          int(std::max_element(v.begin() + row, v.begin() + row + last) -
              (v.begin() + row)));
    r.logits.insert(r.logits.end(), v.begin(), v.end());
  }
  uint64_t clientOffline = ctx.dealerStats().bytesRecv - dBefore;
  CommStats d = ctx.peerStats() - s0;
  auto trailer = bytesU64(ctx.recvBytes(16, "server statistics"));
  r.offlineS = offline / double(count);
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
  if (r.count == 1) {
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

int runRole(const Options &o, const char *argv0, const ProgramInfo &info,
            ForwardFn forward) {
  SessionConfig cfg = sessionConfig(info, o);
  if (o.role == "dealer") {
    auto [sh, sp] = hostPort(o.get("server"), "server");
    auto [ch, cp] = hostPort(o.get("client"), "client");
    long count = number(o, "count", 1, 1, 1 << 30);
    auto ctx = Context::dealerConnecting(cfg, sh, sp, ch, cp);
    Report r = runDealer(*ctx, info, size_t(count), forward);
    printReport(r, o.json, false);
    return 0;
  }
  if (o.role == "server") {
    Weights w = loadWeights(info, o.has("weights") ? o.get("weights")
                                                   : defaultWeights(argv0));
    auto [h, p] = hostPort(o.get("listen"), "listen");
    Listener l(h, p);
    std::fprintf(stderr, "%s server: listening on %s:%u\n", argv0, h.c_str(),
                 unsigned(l.port()));
    std::fflush(stderr);
    auto ctx = Context::serverAccepting(cfg, l);
    Report r = runServer(*ctx, info, std::move(w), forward);
    printReport(r, o.json, false);
    return 0;
  }
  if (o.role == "client") {
    auto inputs = loadInputs(info, o.get("input"));
    auto [sh, sp] = hostPort(o.get("connect"), "connect");
    auto [lh, lp] = hostPort(o.get("listen"), "listen");
    Listener l(lh, lp);
    std::fprintf(stderr, "%s client: listening for the dealer on %s:%u\n",
                 argv0, lh.c_str(), unsigned(l.port()));
    std::fflush(stderr);
    auto ctx = Context::clientAccepting(cfg, l, sh, sp);
    Report r = runClient(*ctx, info, inputs, forward);
    writeOutput(info, o, r);
    printReport(r, o.json, true);
    return 0;
  }
  // local: three threads over loopback, ephemeral ports.
  auto inputs = loadInputs(info, o.get("input"));
  Weights w = loadWeights(info, o.has("weights") ? o.get("weights")
                                                 : defaultWeights(argv0));
  Listener serverL("127.0.0.1", 0), clientL("127.0.0.1", 0);
  std::exception_ptr err[3];
  Report rep[3];
  std::unique_ptr<Context> ctxs[3];
  auto body = [&](int role) {
    try {
      if (role == 2) {
        ctxs[2] = Context::dealerConnecting(cfg, "127.0.0.1", serverL.port(),
                                            "127.0.0.1", clientL.port());
        rep[2] = runDealer(*ctxs[2], info, inputs.size(), forward);
      } else if (role == 0) {
        ctxs[0] = Context::serverAccepting(cfg, serverL);
        rep[0] = runServer(*ctxs[0], info, w, forward);
      } else {
        ctxs[1] =
            Context::clientAccepting(cfg, clientL, "127.0.0.1", serverL.port());
        rep[1] = runClient(*ctxs[1], info, inputs, forward);
      }
    } catch (...) {
      // The other roles fail at their next wait (bounded by --timeout-ms).
      err[role] = std::current_exception();
    }
  };
  std::thread th[3] = {std::thread(body, 0), std::thread(body, 1),
                       std::thread(body, 2)};
  for (auto &t : th)
    t.join();
  for (auto &e : err)
    if (e)
      std::rethrow_exception(e);
  Report r = rep[1];
  r.offlineS = rep[2].offlineS;
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
    std::fprintf(stderr, "%s %s: error: %s\n", prog, role.c_str(), e.what());
    return 1;
  }
}

} // namespace mpcvit::rt
