//===- harness.cpp - Run server, client and dealer as threads -------------===//
#include "harness.h"

#include "mpcvit/runtime/local_session.h"

#include <algorithm>
#include <chrono>
#include <exception>

#ifndef MPCVIT_SOURCE_DIR
#error "MPCVIT_SOURCE_DIR must point at the source tree"
#endif

namespace mpcvit::rt::test {

void Probe::begin() {
  before = ctx->peerStats();
  dealerBefore = ctx->isDealer() ? ctx->pendingOfflineBytes() : 0;
}
void Probe::end() {
  delta = ctx->peerStats() - before;
  dealerDelta = ctx->isDealer() ? ctx->pendingOfflineBytes() - dealerBefore : 0;
}

SessionConfig testConfig() {
  SessionConfig c;
  c.transport.connectTimeoutMs = 5000;
  c.transport.ioTimeoutMs = 10000;
  c.gemmThreads = 1;
  return c;
}

SessionConfig suiteConfig(ProtocolSuite p, TruncMode t) {
  SessionConfig c = testConfig();
  c.protocols = p;
  c.trunc = t;
  return c;
}

NpyArray recordedActivations(const std::string &name) {
  return readNpy(std::string(MPCVIT_SOURCE_DIR) +
                     "/test/runtime/data/activations/" + name + ".npy",
                 uint64_t(1) << 26);
}

RunResult run3(const Program &prog, SessionConfig cfg) {
  return run3(prog, std::array<SessionConfig, 3>{cfg, cfg, cfg});
}

RunResult run3(const Program &prog, const std::array<SessionConfig, 3> &cfgs) {
  RunResult res;
  std::array<Probe, 3> probes;
  auto t0 = std::chrono::steady_clock::now();
  LocalErrors err = runLocalSession(cfgs, [&](Context &ctx) {
    const int role = int(ctx.role());
    probes[role].ctx = &ctx;
    if (ctx.isDealer()) {
      ctx.beginInference();
      res.out[role] = prog(ctx, probes[role]);
      ctx.dealerFlush();
    } else {
      ctx.receiveOffline(1);
      ctx.beginInference();
      res.out[role] = prog(ctx, probes[role]);
      ctx.endInference();
    }
  });
  res.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  rethrowFirst(err); // server, client, dealer
  res.measured.bytesServer = probes[0].delta.bytesSent;
  res.measured.bytesClient = probes[1].delta.bytesSent;
  res.serverRounds = probes[0].delta.rounds;
  res.clientRounds = probes[1].delta.rounds;
  res.measured.rounds = std::max(res.serverRounds, res.clientRounds);
  res.measured.dealerBytes = probes[2].dealerDelta;
  return res;
}

std::vector<double> uniform(size_t n, double lo, double hi, uint32_t seed) {
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<double> d(lo, hi);
  std::vector<double> v(n);
  for (auto &x : v)
    x = d(g);
  return v;
}

std::vector<uint64_t> ringValues(size_t n, uint64_t seed) {
  std::mt19937_64 g(seed);
  std::vector<uint64_t> v = {0,
                             1,
                             uint64_t(-1),
                             uint64_t(1) << 63,
                             (uint64_t(1) << 63) - 1,
                             uint64_t(-(int64_t(1) << 62)),
                             8191,
                             8192,
                             uint64_t(-8192)};
  while (v.size() < n)
    v.push_back(g() >> (g() % 64));
  for (size_t i = n / 2; i < n; ++i)
    v[i] = 0 - v[i];
  v.resize(n);
  return v;
}

Shared shareFixed(Context &ctx, int owner, const std::vector<double> &v,
                  Shape shape) {
  RingTensor x(shape);
  if (ctx.party() == owner)
    x = ctx.codec().encode(v, shape);
  return share(ctx, owner, x);
}

RingTensor revealOut(Context &ctx, const Shared &x) {
  return reveal_to_client(ctx, x);
}

ConnectErrors connect3(const SessionConfig &cfg,
                       const SessionConfig &clientCfg) {
  LocalErrors err = runLocalSession(
      std::array<SessionConfig, 3>{cfg, clientCfg, cfg}, [](Context &) {});
  auto text = [](const std::exception_ptr &e) -> std::string {
    if (!e)
      return "";
    try {
      std::rethrow_exception(e);
    } catch (const std::exception &x) {
      return x.what();
    } catch (...) {
      return "unknown exception";
    }
  };
  return {text(err[0]), text(err[1]), text(err[2])};
}

} // namespace mpcvit::rt::test
