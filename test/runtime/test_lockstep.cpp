//===- test_lockstep.cpp - runLockstep: rounds overlap, values, failures --===//
#include "harness.h"

#include "mpcvit/runtime/beaver.h"
#include "mpcvit/runtime/compare.h"
#include "mpcvit/runtime/local_session.h"
#include "mpcvit/runtime/lockstep.h"
#include "mpcvit/runtime/mmul_sp.h"
#include "mpcvit/runtime/trunc.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstring>
#include <gtest/gtest.h>
#include <stdexcept>
#include <thread>

using namespace mpcvit::rt;
using namespace mpcvit::rt::test;

namespace {
FixedPoint fp(16);

/// What one role measured around a region.
struct Meter {
  Context *ctx = nullptr;
  CommStats before;
  uint64_t dealerBefore = 0;
  void begin(Context &c) {
    ctx = &c;
    before = c.peerStats();
    dealerBefore = c.isDealer() ? c.pendingOfflineBytes() : 0;
  }
  /// Online counters since begin(), and the dealer bytes (dealer only).
  std::pair<CommStats, uint64_t> end() const {
    return {ctx->peerStats() - before,
            ctx->isDealer() ? ctx->pendingOfflineBytes() - dealerBefore : 0};
  }
};

/// Per-role record of one measured region.
struct Region {
  std::array<CommStats, 3> stats;
  std::array<uint64_t, 3> dealer{};
  void set(Context &ctx, const std::pair<CommStats, uint64_t> &m) {
    stats[size_t(ctx.role())] = m.first;
    dealer[size_t(ctx.role())] = m.second;
  }
  /// As a CommCost (bytes sent by each party, max rounds, dealer bytes).
  CommCost cost() const {
    return {stats[0].bytesSent, stats[1].bytesSent,
            std::max(stats[0].rounds, stats[1].rounds), dealer[2]};
  }
};

/// x·y·z·w with a truncation after each Beaver product: 3 rounds.
Shared chain3(Context &ctx, const Shared &x, const Shared &y, const Shared &z,
              const Shared &w) {
  Shared p = trunc_local(ctx, mul_ss(ctx, x, y), ctx.frac());
  p = trunc_local(ctx, mul_ss(ctx, p, z), ctx.frac());
  return trunc_local(ctx, mul_ss(ctx, p, w), ctx.frac());
}

/// x·y^k, one Beaver product and a local truncation per step: k rounds.
Shared powChain(Context &ctx, Shared x, const Shared &y, int k) {
  for (int i = 0; i < k; ++i)
    x = trunc_local(ctx, mul_ss(ctx, x, y), ctx.frac());
  return x;
}

double q(double v) { return fp.decode(fp.encode(v)); } // fixed-point value

double maxAbsDiff(const RingTensor &got, const std::vector<double> &ref) {
  double m = 0;
  EXPECT_EQ(got.size(), ref.size());
  for (size_t i = 0; i < ref.size() && i < got.size(); ++i)
    m = std::max(m, std::fabs(fp.decode(got[i]) - ref[i]));
  return m;
}

std::vector<double> decodeAll(const RingTensor &t) { return fp.decode(t); }
} // namespace

// Branch A: three successive Beaver products (3 rounds); branch B: ReLU by
// the A2B comparison (9 rounds). In lock-step: rounds = max, bytes and
// dealer bytes = sums, values = the sequential ones.
TEST(Lockstep, TwoBranchesRoundsAreMaxBytesAreSum) {
  const size_t n = 64;
  const Shape sh{int64_t(n)};
  auto a = uniform(n, -2, 2, 11), b = uniform(n, -2, 2, 12),
       c = uniform(n, -2, 2, 13), d = uniform(n, -2, 2, 14),
       v = uniform(n, -100, 100, 15);
  v[0] = 0;
  Region alone[2], both;
  RingTensor seqA, seqB, lsA, lsB;
  run3(
      [&](Context &ctx, Probe &) {
        Shared x = shareFixed(ctx, 1, a, sh), y = shareFixed(ctx, 0, b, sh),
               z = shareFixed(ctx, 1, c, sh), w = shareFixed(ctx, 0, d, sh),
               u = shareFixed(ctx, 1, v, sh);
        Meter m;
        m.begin(ctx);
        Shared rA = chain3(ctx, x, y, z, w);
        alone[0].set(ctx, m.end());
        m.begin(ctx);
        Shared rB = relu_a2b(ctx, u);
        alone[1].set(ctx, m.end());
        Shared lA, lB;
        m.begin(ctx);
        runLockstep(ctx, {[&] { lA = chain3(ctx, x, y, z, w); },
                          [&] { lB = relu_a2b(ctx, u); }});
        both.set(ctx, m.end());
        RingTensor o0 = revealOut(ctx, rA), o1 = revealOut(ctx, rB),
                   o2 = revealOut(ctx, lA), o3 = revealOut(ctx, lB);
        if (ctx.role() == Role::Client) {
          seqA = o0;
          seqB = o1;
          lsA = o2;
          lsB = o3;
        }
        return o0;
      },
      testConfig());

  // Closed forms of each branch alone.
  EXPECT_EQ(alone[0].cost(), mul_ss_cost(n) * 3) << alone[0].cost().str();
  EXPECT_EQ(alone[1].cost(), relu_cost(n, ProtocolSuite::A2B))
      << alone[1].cost().str();
  const uint64_t rA = alone[0].stats[0].rounds, rB = alone[1].stats[0].rounds;
  EXPECT_EQ(rA, 3u);
  EXPECT_EQ(rB, 9u);
  // Lock-step: rounds = max on both parties, bytes = sum each way, one
  // message per round, dealer bytes = sum.
  for (int p = 0; p < 2; ++p) {
    SCOPED_TRACE(p);
    EXPECT_EQ(both.stats[p].rounds, std::max(rA, rB));
    EXPECT_EQ(both.stats[p].messagesSent, std::max(rA, rB));
    EXPECT_EQ(both.stats[p].bytesSent,
              alone[0].stats[p].bytesSent + alone[1].stats[p].bytesSent);
    EXPECT_EQ(both.stats[p].bytesRecv,
              alone[0].stats[p].bytesRecv + alone[1].stats[p].bytesRecv);
  }
  EXPECT_EQ(
      both.cost(),
      (CommCost{mul_ss_cost(n).bytesServer * 3 + relu_cost(n).bytesServer,
                mul_ss_cost(n).bytesClient * 3 + relu_cost(n).bytesClient, 9,
                mul_ss_cost(n).dealerBytes * 3 + relu_cost(n).dealerBytes +
                    2 * 16}))
      << both.cost().str();
  EXPECT_EQ(both.cost(), lockstep_cost({mul_ss_cost(n) * 3, relu_cost(n)}));
  // The dealer's bytes: the branches' plus one u64 segment length per
  // branch per party.
  EXPECT_EQ(both.dealer[2], alone[0].dealer[2] + alone[1].dealer[2] + 2 * 16);
  EXPECT_GT(both.dealer[2], 0u);

  // Values: ReLU exact, the product chain within the truncation error of
  // the plaintext and of the sequential run.
  std::vector<double> refA(n), refB(n);
  for (size_t i = 0; i < n; ++i) {
    refA[i] = q(a[i]) * q(b[i]) * q(c[i]) * q(d[i]);
    refB[i] = std::max(q(v[i]), 0.0);
  }
  EXPECT_LT(maxAbsDiff(seqA, refA), 1e-3);
  EXPECT_LT(maxAbsDiff(lsA, refA), 1e-3);
  EXPECT_LT(maxAbsDiff(lsA, decodeAll(seqA)), 1e-3);
  EXPECT_EQ(maxAbsDiff(seqB, refB), 0.0);
  EXPECT_EQ(lsB.data, seqB.data);
}

// One-way branches: reveals (server → client only) alone give a combined
// send/receive; with an exchange branch, one exchange; opposite directions
// and zero-byte messages.
TEST(Lockstep, OneWayAndMixedDirections) {
  const size_t n = 40;
  const Shape sh{int64_t(n)};
  auto a = uniform(n, -50, 50, 21), b = uniform(n, -3, 3, 22),
       c = uniform(n, -3, 3, 23);
  Region reveals, mixed, opposite, empty;
  RingTensor r1, r2, r3, prod, gotOnServer, gotOnClient;
  std::vector<uint64_t> fromServer(n), fromClient(n);
  for (size_t i = 0; i < n; ++i) {
    fromServer[i] = 0x1000 + i;
    fromClient[i] = 0xabcdef00ull * (i + 1);
  }
  run3(
      [&](Context &ctx, Probe &) {
        Shared x = shareFixed(ctx, 1, a, sh), y = shareFixed(ctx, 0, b, sh),
               z = shareFixed(ctx, 1, c, sh);
        Meter m;
        // (1) Two reveal branches, 2 and 1 rounds: the server only sends.
        RingTensor o1, o2, o3;
        m.begin(ctx);
        runLockstep(ctx, {[&] {
                            o1 = reveal_to_client(ctx, x);
                            o2 = reveal_to_client(ctx, y);
                          },
                          [&] { o3 = reveal_to_client(ctx, z); }});
        reveals.set(ctx, m.end());
        // (2) A reveal beside a Beaver product: one exchange.
        Shared p;
        RingTensor o4;
        m.begin(ctx);
        runLockstep(ctx, {[&] { o4 = reveal_to_client(ctx, x); },
                          [&] { p = mul_ss(ctx, y, z); }});
        mixed.set(ctx, m.end());
        // (3) Opposite one-way messages in two branches: one exchange.
        std::vector<uint64_t> s2c, c2s;
        m.begin(ctx);
        runLockstep(ctx, {[&] {
                            if (ctx.party() == 0)
                              ctx.sendRing(fromServer, "to client");
                            else
                              s2c = ctx.recvRing(n, "to client");
                          },
                          [&] {
                            if (ctx.party() == 1)
                              ctx.sendRing(fromClient, "to server");
                            else
                              c2s = ctx.recvRing(n, "to server");
                          }});
        opposite.set(ctx, m.end());
        // (4) Zero-byte messages: still one round.
        m.begin(ctx);
        runLockstep(ctx, {[&] {
                            if (ctx.party() == 0)
                              ctx.sendBytes({}, "empty a");
                            else
                              EXPECT_TRUE(ctx.recvBytes(0, "empty a").empty());
                          },
                          [&] {
                            if (ctx.party() == 0)
                              ctx.sendBytes({}, "empty b");
                            else
                              EXPECT_TRUE(ctx.recvBytes(0, "empty b").empty());
                          }});
        empty.set(ctx, m.end());
        RingTensor op = revealOut(ctx, trunc_local(ctx, p, ctx.frac()));
        if (ctx.role() == Role::Client) {
          r1 = o1;
          r2 = o2;
          r3 = o3;
          prod = op;
          gotOnClient = RingTensor(Shape{int64_t(n)}, s2c);
          EXPECT_EQ(o4.data, o1.data);
        }
        if (ctx.role() == Role::Server)
          gotOnServer = RingTensor(Shape{int64_t(n)}, c2s);
        return op;
      },
      testConfig());

  // (1) 2 rounds (max of 2 and 1), server sends 3 reveals, client nothing;
  // a send-only combined message is one message per round.
  EXPECT_EQ(reveals.cost(),
            (CommCost{3 * reveal_cost(n).bytesServer, 0, 2, 2 * 16}))
      << reveals.cost().str();
  EXPECT_EQ(reveals.stats[0].messagesSent, 2u);
  EXPECT_EQ(reveals.stats[1].messagesSent, 0u);
  EXPECT_EQ(reveals.stats[1].rounds, 2u);
  // (2) one exchange round.
  EXPECT_EQ(mixed.cost(),
            (CommCost{reveal_cost(n).bytesServer + mul_ss_cost(n).bytesServer,
                      mul_ss_cost(n).bytesClient, 1,
                      mul_ss_cost(n).dealerBytes + 2 * 16}))
      << mixed.cost().str();
  EXPECT_EQ(mixed.stats[0].rounds, 1u);
  EXPECT_EQ(mixed.stats[1].rounds, 1u);
  // (3) one exchange, 8n bytes each way.
  EXPECT_EQ(opposite.cost(), (CommCost{8 * n, 8 * n, 1, 2 * 16}))
      << opposite.cost().str();
  EXPECT_EQ(opposite.stats[0].messagesSent, 1u);
  EXPECT_EQ(opposite.stats[1].messagesSent, 1u);
  EXPECT_EQ(gotOnClient.data, fromServer);
  EXPECT_EQ(gotOnServer.data, fromClient);
  // (4) one round of 0 bytes.
  EXPECT_EQ(empty.cost(), (CommCost{0, 0, 1, 2 * 16})) << empty.cost().str();
  EXPECT_EQ(empty.stats[0].messagesSent, 1u);

  std::vector<double> ra(n), rb(n), rc(n), rp(n);
  for (size_t i = 0; i < n; ++i) {
    ra[i] = q(a[i]);
    rb[i] = q(b[i]);
    rc[i] = q(c[i]);
    rp[i] = ra[i] * 0 + rb[i] * rc[i];
  }
  EXPECT_EQ(maxAbsDiff(r1, ra), 0.0);
  EXPECT_EQ(maxAbsDiff(r2, rb), 0.0);
  EXPECT_EQ(maxAbsDiff(r3, rc), 0.0);
  EXPECT_LE(maxAbsDiff(prod, rp), 2 * fp.ulp());
}

// runLockstep inside a branch: the inner combined step is one step of the
// outer branch. Outer {A: 3 rounds, inner {B: ReLU 9 rounds, C: 2 rounds},
// D: reveal, 1 round} → 9 rounds, bytes and dealer bytes summed.
TEST(Lockstep, Nested) {
  const size_t n = 32;
  const Shape sh{int64_t(n)};
  auto a = uniform(n, -2, 2, 31), b = uniform(n, -2, 2, 32),
       v = uniform(n, -10, 10, 33), y = uniform(n, 0.5, 1.5, 34);
  Region total;
  RingTensor outA, outB, outC, outD;
  run3(
      [&](Context &ctx, Probe &) {
        Shared xa = shareFixed(ctx, 1, a, sh), xb = shareFixed(ctx, 0, b, sh),
               xv = shareFixed(ctx, 1, v, sh), xy = shareFixed(ctx, 0, y, sh);
        Shared rA, rB, rC;
        RingTensor rD;
        Meter m;
        m.begin(ctx);
        runLockstep(ctx, {[&] { rA = chain3(ctx, xa, xb, xa, xb); },
                          [&] {
                            runLockstep(
                                ctx, {[&] { rB = relu_a2b(ctx, xv); },
                                      [&] { rC = powChain(ctx, xa, xy, 2); }});
                          },
                          [&] { rD = reveal_to_client(ctx, xv); }});
        total.set(ctx, m.end());
        RingTensor o0 = revealOut(ctx, rA), o1 = revealOut(ctx, rB),
                   o2 = revealOut(ctx, rC);
        if (ctx.role() == Role::Client) {
          outA = o0;
          outB = o1;
          outC = o2;
          outD = rD;
        }
        return o0;
      },
      testConfig());
  CommCost want = mul_ss_cost(n) * 3 + relu_cost(n, ProtocolSuite::A2B) +
                  mul_ss_cost(n) * 2 + reveal_cost(n);
  want.rounds = 9;
  want.dealerBytes += 3 * 16 + 2 * 16; // segment lengths: outer, inner
  EXPECT_EQ(want,
            lockstep_cost({mul_ss_cost(n) * 3,
                           lockstep_cost({relu_cost(n, ProtocolSuite::A2B),
                                          mul_ss_cost(n) * 2}),
                           reveal_cost(n)}));
  EXPECT_EQ(total.cost(), want) << total.cost().str();
  EXPECT_EQ(total.stats[0].messagesSent, 9u);
  EXPECT_EQ(total.stats[1].rounds, 9u);
  std::vector<double> refA(n), refB(n), refC(n), refD(n);
  for (size_t i = 0; i < n; ++i) {
    refA[i] = q(a[i]) * q(b[i]) * q(a[i]) * q(b[i]);
    refB[i] = std::max(q(v[i]), 0.0);
    refC[i] = q(a[i]) * q(y[i]) * q(y[i]);
    refD[i] = q(v[i]);
  }
  EXPECT_LT(maxAbsDiff(outA, refA), 1e-3);
  EXPECT_EQ(maxAbsDiff(outB, refB), 0.0);
  EXPECT_LT(maxAbsDiff(outC, refC), 1e-3);
  EXPECT_EQ(maxAbsDiff(outD, refD), 0.0);
}

namespace {
/// Runs `body` on the three roles with its own material handling: each
/// role's exception from `body` is caught and returned (the session stays
/// open, so the peers are not disturbed by a closing connection).
std::array<std::exception_ptr, 3>
runCatching(const std::function<void(Context &)> &body, double *seconds) {
  std::array<std::exception_ptr, 3> caught;
  auto t0 = std::chrono::steady_clock::now();
  LocalErrors err = runLocalSession(testConfig(), [&](Context &ctx) {
    if (!ctx.isDealer())
      ctx.receiveOffline(1);
    ctx.beginInference();
    try {
      body(ctx);
    } catch (...) {
      caught[size_t(ctx.role())] = std::current_exception();
    }
    if (ctx.isDealer())
      ctx.dealerFlush();
  });
  *seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  rethrowFirst(err);
  return caught;
}

std::string whatOf(const std::exception_ptr &e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception &x) {
    return x.what();
  } catch (...) {
    return "non-std exception";
  }
}
} // namespace

// Every role's branch 1 throws after its first step; branch 0 is mid-way.
// runLockstep rethrows the original exception on each role, fast, and the
// channel stays usable (the inference itself is lost).
TEST(Lockstep, BranchFailureRethrownOnEveryRole) {
  const size_t n = 16;
  const Shape sh{int64_t(n)};
  auto a = uniform(n, -2, 2, 41), b = uniform(n, -2, 2, 42);
  RingTensor after;
  std::array<int, 3> branch0Steps{};
  double secs = 0;
  auto caught = runCatching(
      [&](Context &ctx) {
        Shared x = shareFixed(ctx, 1, a, sh), y = shareFixed(ctx, 0, b, sh);
        try {
          runLockstep(ctx, {[&] {
                              Shared p = x;
                              for (int k = 0; k < 4; ++k) {
                                p = powChain(ctx, p, y, 1);
                                ++branch0Steps[size_t(ctx.role())];
                              }
                            },
                            [&] {
                              mul_ss(ctx, x, y);
                              throw std::runtime_error("boom");
                            },
                            [&] { powChain(ctx, x, y, 5); }});
        } catch (const std::runtime_error &e) {
          // The inference is lost (the branches' randomness is not joined);
          // the session channel still works: one plain exchange.
          std::vector<uint64_t> mine(n, uint64_t(ctx.party() + 1));
          auto peer = ctx.exchangeRing(mine, "after the abort");
          if (ctx.role() == Role::Client)
            after = RingTensor(sh, peer);
          throw;
        }
      },
      &secs);
  EXPECT_LT(secs, 5.0);
  for (int r = 0; r < 3; ++r) {
    SCOPED_TRACE(r);
    ASSERT_TRUE(caught[r]);
    EXPECT_EQ(whatOf(caught[r]), "boom");
    EXPECT_THROW(std::rethrow_exception(caught[r]), std::runtime_error);
    try {
      std::rethrow_exception(caught[r]);
    } catch (const TransportError &) {
      ADD_FAILURE() << "a TransportError instead of the branch's exception";
    } catch (...) {
    }
    // Branch 0 had done its first step (sweep 1) and was stopped in its
    // second (posted in sweep 2, the sweep where branch 1 threw).
    EXPECT_EQ(branch0Steps[r], 1);
  }
  EXPECT_EQ(after.data, std::vector<uint64_t>(n, 1u)); // the server's
}

// Only the server's branch throws: the server rethrows it and its session
// closes; the client's combined step fails with a TransportError naming the
// lock-step round (never a hang).
TEST(Lockstep, PeerFailureGivesTransportError) {
  const size_t n = 16;
  const Shape sh{int64_t(n)};
  auto a = uniform(n, -2, 2, 51);
  auto t0 = std::chrono::steady_clock::now();
  LocalErrors err = runLocalSession(testConfig(), [&](Context &ctx) {
    if (!ctx.isDealer())
      ctx.receiveOffline(1);
    ctx.beginInference();
    Shared x = shareFixed(ctx, 1, a, sh);
    try {
      runLockstep(ctx, {[&] { powChain(ctx, x, x, 4); },
                        [&] {
                          mul_ss(ctx, x, x);
                          if (ctx.role() == Role::Server)
                            throw ProtocolError("server gives up");
                          mul_ss(ctx, x, x);
                        }});
    } catch (...) {
      if (ctx.isDealer()) // the dealer must not fail
        ADD_FAILURE() << "dealer threw";
      throw; // closes this role's connections
    }
    if (ctx.isDealer())
      ctx.dealerFlush();
  });
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_LT(secs, 8.0);
  ASSERT_TRUE(err[0]);
  EXPECT_THROW(std::rethrow_exception(err[0]), ProtocolError);
  EXPECT_EQ(whatOf(err[0]), "server gives up");
  ASSERT_TRUE(err[1]);
  EXPECT_THROW(std::rethrow_exception(err[1]), TransportError);
  EXPECT_NE(whatOf(err[1]).find("lock-step round: mul_ss | mul_ss"),
            std::string::npos)
      << whatOf(err[1]);
  EXPECT_FALSE(err[2]) << whatOf(err[2]);
}

// Eight branches of 1..8 rounds: 8 rounds, bytes summed, values right; an
// empty list does nothing; one branch runs inline on the calling thread.
TEST(Lockstep, ManyZeroAndOneBranch) {
  const size_t n = 24, B = 8;
  const Shape sh{int64_t(n)};
  auto a = uniform(n, -2, 2, 61), y = uniform(n, 0.7, 1.3, 62);
  Region many, none, one, oneAlone;
  std::array<RingTensor, B> outs;
  RingTensor oneOut;
  run3(
      [&](Context &ctx, Probe &) {
        Shared x = shareFixed(ctx, 1, a, sh), s = shareFixed(ctx, 0, y, sh);
        std::array<Shared, B> r;
        std::vector<std::function<void()>> br;
        for (size_t i = 0; i < B; ++i)
          br.push_back([&, i] { r[i] = powChain(ctx, x, s, int(i) + 1); });
        Meter m;
        m.begin(ctx);
        runLockstep(ctx, br);
        many.set(ctx, m.end());
        m.begin(ctx);
        runLockstep(ctx, {});
        none.set(ctx, m.end());
        m.begin(ctx);
        powChain(ctx, x, s, 3);
        oneAlone.set(ctx, m.end());
        Shared o;
        auto caller = std::this_thread::get_id();
        m.begin(ctx);
        runLockstep(ctx, {[&] {
                      EXPECT_EQ(std::this_thread::get_id(), caller);
                      o = powChain(ctx, x, s, 3);
                    }});
        one.set(ctx, m.end());
        for (size_t i = 0; i < B; ++i) {
          RingTensor t = revealOut(ctx, r[i]);
          if (ctx.role() == Role::Client)
            outs[i] = t;
        }
        RingTensor t = revealOut(ctx, o);
        if (ctx.role() == Role::Client)
          oneOut = t;
        return t;
      },
      testConfig());
  CommCost want = mul_ss_cost(n) * (B * (B + 1) / 2);
  want.rounds = B;
  want.dealerBytes += B * 16;
  EXPECT_EQ(many.cost(), want) << many.cost().str();
  EXPECT_EQ(many.stats[0].messagesSent, B);
  EXPECT_EQ(many.stats[1].rounds, B);
  EXPECT_EQ(none.cost(), CommCost{}) << none.cost().str();
  EXPECT_EQ(one.cost(), oneAlone.cost()) << one.cost().str();
  EXPECT_EQ(one.cost(), mul_ss_cost(n) * 3) << one.cost().str();
  for (size_t i = 0; i < B; ++i) {
    std::vector<double> ref(n);
    for (size_t j = 0; j < n; ++j)
      ref[j] = q(a[j]) * std::pow(q(y[j]), double(i + 1));
    EXPECT_LT(maxAbsDiff(outs[i], ref), 1e-3) << i;
    if (i == 2) {
      EXPECT_LT(maxAbsDiff(oneOut, ref), 1e-3);
    }
  }
}

// Kernels with their own threads or thread-local state inside branches:
// a multi-threaded GEMM (mmul_ss, gemmThreads = 2, large enough to split)
// beside a DCF ReLU (thread-local AES context) and an A2B DReLU.
TEST(Lockstep, GemmThreadsAndDcfInBranches) {
  const size_t m = 128, k = 128, nn = 128, e = 48;
  auto X = uniform(m * k, -1, 1, 71), Y = uniform(k * nn, -1, 1, 72),
       v = uniform(e, -5, 5, 73);
  SessionConfig cfg = testConfig();
  cfg.gemmThreads = 2;
  RingTensor prod, rl, dr;
  Region total;
  run3(
      [&](Context &ctx, Probe &) {
        Shared x = shareFixed(ctx, 1, X, Shape{int64_t(m * k)}),
               y = shareFixed(ctx, 0, Y, Shape{int64_t(k * nn)}),
               u = shareFixed(ctx, 1, v, Shape{int64_t(e)});
        Shared p, r, d;
        Meter mt;
        mt.begin(ctx);
        runLockstep(ctx, {[&] {
                            p = trunc_local(ctx, mmul_ss(ctx, x, y, m, k, nn),
                                            ctx.frac());
                          },
                          [&] { r = relu_dcf(ctx, u); },
                          [&] { d = drelu_a2b(ctx, u); }});
        total.set(ctx, mt.end());
        RingTensor o0 = revealOut(ctx, p), o1 = revealOut(ctx, r),
                   o2 = revealOut(ctx, d);
        if (ctx.role() == Role::Client) {
          prod = o0;
          rl = o1;
          dr = o2;
        }
        return o0;
      },
      cfg);
  CommCost want = mmul_ss_cost(m, k, nn) + relu_cost(e, ProtocolSuite::FSS) +
                  drelu_cost(e, ProtocolSuite::A2B);
  want.rounds = 8;
  want.dealerBytes += 3 * 16;
  EXPECT_EQ(total.cost(), want) << total.cost().str();
  std::vector<double> ref(m * nn, 0);
  for (size_t i = 0; i < m; ++i)
    for (size_t j = 0; j < nn; ++j)
      for (size_t t = 0; t < k; ++t)
        ref[i * nn + j] += q(X[i * k + t]) * q(Y[t * nn + j]);
  EXPECT_LE(maxAbsDiff(prod, ref), 2 * fp.ulp());
  for (size_t i = 0; i < e; ++i) {
    EXPECT_EQ(fp.decode(rl[i]), std::max(q(v[i]), 0.0)) << i;
    EXPECT_EQ(dr[i], int64_t(fp.encode(v[i])) >= 0 ? 1u : 0u) << i;
  }
}

// Kernels that return on the dealer before their online step (mmul_sp, the
// DCF ReLU) make the dealer's branches yield at other points than the
// parties'. Each branch draws its own correlated randomness
// (CorrelatedRandomness::forkBranches), so the values stay right: the
// branches below, run in lock-step, give the plaintext results. (Drawing
// from shared streams in interleaving order gave wrong products here.)
TEST(Lockstep, DealerEarlyReturnsInBranches) {
  const size_t m = 4, k = 8, n = 6, e = 24;
  auto X = uniform(m * k, -2, 2, 81), W = uniform(k * n, -0.5, 0.5, 82),
       X2 = uniform(m * k, -2, 2, 83), v = uniform(e, -3, 3, 84),
       y = uniform(e, 0.5, 1.5, 85);
  SessionConfig cfg = testConfig();
  cfg.protocols = ProtocolSuite::FSS;
  RingTensor outA, outB, outC;
  Region total;
  run3(
      [&](Context &ctx, Probe &) {
        RingTensor w(Shape{int64_t(k), int64_t(n)});
        if (ctx.role() == Role::Server)
          w = fp.encode(W, w.shape);
        ServerWeight sw = deploy_weight(ctx, 7, w);
        Shared x = shareFixed(ctx, 1, X, Shape{int64_t(m), int64_t(k)}),
               x2 = shareFixed(ctx, 1, X2, Shape{int64_t(m), int64_t(k)}),
               u = shareFixed(ctx, 1, v, Shape{int64_t(e)}),
               s = shareFixed(ctx, 0, y, Shape{int64_t(e)});
        Shared a, b, c;
        Meter mt;
        mt.begin(ctx);
        runLockstep(ctx, {[&] {
                            // mmul_sp, then ReLU of the product (both skip
                            // steps on the dealer), then a Beaver product.
                            Shared z = trunc_local(ctx, mmul_sp(ctx, x, sw, m),
                                                   ctx.frac());
                            z = relu_dcf(ctx, z);
                            a = trunc_local(ctx, mul_ss(ctx, z, z), ctx.frac());
                          },
                          [&] {
                            Shared z = trunc_local(ctx, mmul_sp(ctx, x2, sw, m),
                                                   ctx.frac());
                            b = trunc_local(ctx, mul_ss(ctx, z, z), ctx.frac());
                          },
                          [&] { c = powChain(ctx, relu_dcf(ctx, u), s, 3); }});
        total.set(ctx, mt.end());
        RingTensor o0 = revealOut(ctx, a), o1 = revealOut(ctx, b),
                   o2 = revealOut(ctx, c);
        if (ctx.role() == Role::Client) {
          outA = o0;
          outB = o1;
          outC = o2;
        }
        return o0;
      },
      cfg);
  CommCost relu = relu_cost(m * n, ProtocolSuite::FSS);
  CommCost want =
      lockstep_cost({mmul_sp_cost(m, k, n) + relu + mul_ss_cost(m * n),
                     mmul_sp_cost(m, k, n) + mul_ss_cost(m * n),
                     relu_cost(e, ProtocolSuite::FSS) + mul_ss_cost(e) * 3});
  EXPECT_EQ(total.cost(), want) << total.cost().str();
  auto product = [&](const std::vector<double> &in, size_t i, size_t j) {
    double acc = 0;
    for (size_t q = 0; q < k; ++q)
      acc += fp.decode(fp.encode(in[i * k + q])) *
             fp.decode(fp.encode(W[q * n + j]));
    return acc;
  };
  std::vector<double> refA(m * n), refB(m * n), refC(e);
  for (size_t i = 0; i < m; ++i)
    for (size_t j = 0; j < n; ++j) {
      double za = std::max(product(X, i, j), 0.0), zb = product(X2, i, j);
      refA[i * n + j] = za * za;
      refB[i * n + j] = zb * zb;
    }
  for (size_t i = 0; i < e; ++i)
    refC[i] = std::max(q(v[i]), 0.0) * std::pow(q(y[i]), 3);
  EXPECT_LT(maxAbsDiff(outA, refA), 1e-3);
  EXPECT_LT(maxAbsDiff(outB, refB), 1e-3);
  EXPECT_LT(maxAbsDiff(outC, refC), 1e-3);
}

// A branch segment length is read from the bundle (a file or the dealer):
// a length near 2^64 must fail as a short bundle, not wrap the offset.
TEST(Lockstep, HugeSegmentLengthIsRejected) {
  double secs = 0;
  auto caught = runCatching(
      [&](Context &ctx) {
        const uint64_t huge = ~uint64_t(0) - 3;
        std::vector<uint8_t> len(8);
        std::memcpy(len.data(), &huge, 8);
        if (ctx.isDealer()) {
          ctx.dealerBlob(0, 8, len);
          ctx.dealerBlob(1, 8, len);
          return;
        }
        ctx.correlated().forkBranches(1);
      },
      &secs);
  EXPECT_FALSE(caught[size_t(Role::Dealer)]);
  for (Role r : {Role::Server, Role::Client}) {
    SCOPED_TRACE(roleName(r));
    ASSERT_TRUE(caught[size_t(r)]);
    EXPECT_THROW(std::rethrow_exception(caught[size_t(r)]), ProtocolError);
    EXPECT_NE(whatOf(caught[size_t(r)])
                  .find("needs 18446744073709551612 bytes"
                        " of offline material, only 0 "
                        "left"),
              std::string::npos)
        << whatOf(caught[size_t(r)]);
  }
}
