//===- harness.cpp - Run server, client and dealer as threads -------------===//
#include "harness.h"

#include <chrono>
#include <exception>
#include <thread>

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

RunResult run3(const Program &prog, SessionConfig cfg) {
  return run3(prog, std::array<SessionConfig, 3>{cfg, cfg, cfg});
}

RunResult run3(const Program &prog, const std::array<SessionConfig, 3> &cfgs) {
  Listener dealerL("127.0.0.1", 0), serverL("127.0.0.1", 0);
  RunResult res;
  std::array<std::exception_ptr, 3> err;
  std::array<Probe, 3> probes;
  std::array<std::unique_ptr<Context>, 3> ctxs;
  auto body = [&](int role) {
    try {
      std::unique_ptr<Context> ctx =
          connectSessionRole(role, cfgs[role], dealerL, serverL);
      probes[role].ctx = ctx.get();
      if (role == 2) {
        ctx->beginInference();
        res.out[2] = prog(*ctx, probes[role]);
        ctx->dealerFlush();
      } else {
        ctx->receiveOffline(1);
        ctx->beginInference();
        res.out[role] = prog(*ctx, probes[role]);
        ctx->endInference();
      }
      ctxs[role] = std::move(ctx); // close after every role is done
    } catch (...) {
      err[role] = std::current_exception();
    }
  };
  auto t0 = std::chrono::steady_clock::now();
  std::thread th[3] = {std::thread(body, 0), std::thread(body, 1),
                       std::thread(body, 2)};
  for (auto &t : th)
    t.join();
  res.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  for (auto &e : err)
    if (e)
      std::rethrow_exception(e);
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
  Listener dl("127.0.0.1", 0), sl("127.0.0.1", 0);
  ConnectErrors err;
  auto guard = [](std::string &e, const std::function<void()> &f) {
    try {
      f();
    } catch (const std::exception &x) {
      e = x.what();
    }
  };
  std::thread d([&] { guard(err.dealer, [&] { connectSessionRole(2, cfg, dl, sl); }); });
  std::thread s([&] { guard(err.server, [&] { connectSessionRole(0, cfg, dl, sl); }); });
  std::thread c([&] {
    guard(err.client, [&] { connectSessionRole(1, clientCfg, dl, sl); });
  });
  d.join();
  s.join();
  c.join();
  return err;
}

} // namespace mpcvit::rt::test
