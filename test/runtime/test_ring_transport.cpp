//===- test_ring_transport.cpp - Ring, codec, PRG, transport, GEMM --------===//
#include "harness.h"

#include "mpcvit/runtime/beaver.h"
#include "mpcvit/runtime/gemm.h"
#include "mpcvit/runtime/prg.h"

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <csignal>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace mpcvit::rt;
using namespace mpcvit::rt::test;

TEST(Ring, FixedPointRoundTrip) {
  FixedPoint fp(16);
  for (double v : {0.0, 1.0, -1.0, 3.14159, -2.5e5, 1e-4, -1e-4}) {
    EXPECT_NEAR(fp.decode(fp.encode(v)), v, fp.ulp() / 2 + 1e-12) << v;
  }
  EXPECT_EQ(fp.encode(-1.0), uint64_t(0) - 65536);
  EXPECT_THROW(fp.encode(1e30), std::out_of_range);
  EXPECT_THROW(FixedPoint(50), std::invalid_argument);
  FixedPoint f12(12);
  EXPECT_NEAR(f12.decode(f12.encode(0.3)), 0.3, f12.ulp());
}

TEST(Ring, ShapesChecked) {
  RingTensor a(Shape{2, 3}), b(Shape{3, 2});
  EXPECT_THROW(a + b, std::invalid_argument);
  EXPECT_THROW(RingTensor(Shape{2}, {1, 2, 3}), std::invalid_argument);
  RingTensor c(Shape{2}, {uint64_t(-1), 5});
  RingTensor d(Shape{2}, {2, 7});
  auto e = c + d;
  EXPECT_EQ(e[0], 1u); // wraps mod 2^64
  EXPECT_EQ(e[1], 12u);
}

TEST(Prg, DeterministicAndDistinct) {
  Seed s = randomSeed();
  Prg a(s), b(s), c(s, 1);
  auto x = a.next(1000), y = b.next(1000), z = c.next(1000);
  EXPECT_EQ(x, y);
  EXPECT_NE(x, z);
  // Streams continue consistently across calls.
  auto x2 = a.next(3);
  auto y2 = b.next(3);
  EXPECT_EQ(x2, y2);
  // Roughly uniform top bit.
  int ones = 0;
  for (auto v : x)
    ones += int(v >> 63);
  EXPECT_GT(ones, 400);
  EXPECT_LT(ones, 600);
}

TEST(Bits, PackUnpack) {
  for (int w : {1, 3, 7, 8, 17, 31, 61, 63, 64}) {
    std::vector<uint64_t> v(37);
    std::mt19937_64 g(w);
    for (auto &x : v)
      x = g() & laneMask(w);
    auto p = packBits(v.data(), v.size(), w);
    EXPECT_EQ(p.size(), (v.size() * size_t(w) + 7) / 8);
    EXPECT_EQ(unpackBits(p.data(), v.size(), w), v) << "w=" << w;
  }
}

TEST(Gemm, MatchesNaive) {
  std::mt19937_64 g(1);
  for (auto [m, k, n] : {std::tuple<size_t, size_t, size_t>{1, 1, 1},
                         {5, 7, 3},
                         {65, 256, 256},
                         {33, 300, 47},
                         {64, 64, 64}}) {
    std::vector<uint64_t> A(m * k), B(k * n), C(m * n), R(m * n);
    for (auto &x : A)
      x = g();
    for (auto &x : B)
      x = g();
    gemm_u64_naive(A.data(), B.data(), R.data(), m, k, n);
    gemm_u64(A.data(), B.data(), C.data(), m, k, n, false, 2);
    EXPECT_EQ(C, R) << m << "x" << k << "x" << n;
    gemm_u64(A.data(), B.data(), C.data(), m, k, n, true, 1);
    for (size_t i = 0; i < R.size(); ++i)
      ASSERT_EQ(C[i], 2 * R[i]);
  }
}

// ---- transport
// ---------------------------------------------------------------

TEST(Transport, FramingCountersAndExchange) {
  Listener l("127.0.0.1", 0);
  TransportOptions o;
  o.ioTimeoutMs = 5000;
  std::vector<uint8_t> big(3 << 20, 7); // larger than socket buffers
  std::thread peer([&] {
    Channel c = connectTo("127.0.0.1", l.port(), o, "server");
    auto got = c.exchange(big.data(), big.size(), "x", big.size());
    EXPECT_EQ(got, big);
    c.send("hi", 2, "y");
  });
  Channel s = l.accept(o, "client");
  auto got = s.exchange(big.data(), big.size(), "x", big.size());
  EXPECT_EQ(got.size(), big.size());
  auto m = s.recv("y");
  EXPECT_EQ(std::string(m.begin(), m.end()), "hi");
  peer.join();
  EXPECT_EQ(s.stats().bytesSent, big.size());
  EXPECT_EQ(s.stats().bytesRecv, big.size() + 2);
  EXPECT_EQ(s.stats().wireBytesSent, big.size() + 16);
  EXPECT_EQ(s.stats().rounds, 2u);
}

TEST(Transport, UnexpectedLengthIsAnError) {
  Listener l("127.0.0.1", 0);
  TransportOptions o;
  o.ioTimeoutMs = 2000;
  std::thread peer([&] {
    Channel c = connectTo("127.0.0.1", l.port(), o, "server");
    c.send("abc", 3, "m");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  });
  Channel s = l.accept(o, "client");
  try {
    s.recv("m", 8);
    FAIL() << "expected TransportError";
  } catch (const TransportError &e) {
    EXPECT_NE(std::string(e.what()).find("expected 8 bytes"), std::string::npos)
        << e.what();
  }
  peer.join();
}

static void rawSend(uint16_t port, const std::vector<uint8_t> &bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, (sockaddr *)&a, sizeof(a)), 0);
  ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), ssize_t(bytes.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ::close(fd);
}

TEST(Transport, GarbageBytesAreRejected) {
  Listener l("127.0.0.1", 0);
  TransportOptions o;
  o.ioTimeoutMs = 2000;
  std::vector<uint8_t> garbage(16, 'G');
  std::thread t1([&] { rawSend(l.port(), garbage); });
  Channel s1 = l.accept(o, "client");
  try {
    s1.recv("m");
    FAIL();
  } catch (const TransportError &e) {
    EXPECT_NE(std::string(e.what()).find("bad frame magic"), std::string::npos);
  }
  t1.join();
  // A valid header announcing 2^60 bytes must be refused, not allocated.
  std::vector<uint8_t> huge = {'M', 'P', 'C', 'V', 0, 0, 0, 0,
                               0,   0,   0,   0,   0, 0, 0, 0x10};
  std::thread t2([&] { rawSend(l.port(), huge); });
  Channel s2 = l.accept(o, "client");
  try {
    s2.recv("m");
    FAIL();
  } catch (const TransportError &e) {
    EXPECT_NE(std::string(e.what()).find("exceeds the limit"),
              std::string::npos)
        << e.what();
  }
  t2.join();
  // A peer that connects and closes: EOF is an error, not a hang.
  std::thread t3([&] { rawSend(l.port(), {}); });
  Channel s3 = l.accept(o, "client");
  EXPECT_THROW(s3.recv("m"), TransportError);
  t3.join();
}

TEST(Transport, StalledPeerTimesOut) {
  Listener l("127.0.0.1", 0);
  TransportOptions o;
  o.ioTimeoutMs = 300;
  std::atomic<bool> done{false};
  std::thread peer([&] {
    Channel c = connectTo("127.0.0.1", l.port(), o, "server");
    while (!done)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  });
  Channel s = l.accept(o, "client");
  auto t0 = std::chrono::steady_clock::now();
  try {
    s.recv("mul_ss");
    FAIL();
  } catch (const TransportError &e) {
    EXPECT_NE(std::string(e.what()).find("timed out"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("mul_ss"), std::string::npos);
  }
  double dt =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_LT(dt, 2.0);
  done = true;
  peer.join();
}

TEST(Transport, ConnectTimeout) {
  TransportOptions o;
  o.connectTimeoutMs = 200;
  uint16_t port;
  {
    Listener l("127.0.0.1", 0);
    port = l.port();
  } // closed again
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW(connectTo("127.0.0.1", port, o, "dealer"), TransportError);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
                .count(),
            2.0);
}

// ---- sessions ---------------------------------------------------------------

TEST(Session, HandshakeMismatchAbortsBoth) {
  SessionConfig b = testConfig();
  b.fracBits = 12;
  ConnectErrors err = connect3(testConfig(), b);
  EXPECT_NE(err.client.find("fractional bits mismatch"), std::string::npos)
      << err.client;
  // The client meets the server first: both refuse, nothing else is
  // sent; the dealer never gets a client for the server's session.
  EXPECT_NE(err.server.find("fractional bits mismatch"), std::string::npos)
      << err.server;
  EXPECT_FALSE(err.dealer.empty());
}

// A party that dies mid-protocol: the other side throws within the timeout.
TEST(Session, PeerDeathMidProtocolThreads) {
  SessionConfig cfg = testConfig();
  cfg.transport.ioTimeoutMs = 1500;
  auto t0 = std::chrono::steady_clock::now();
  try {
    run3(
        [](Context &ctx, Probe &) {
          Shared x = share(ctx, 1, RingTensor(Shape{1000}));
          if (ctx.party() == 1) {
            ctx.abortConnections(); // the client dies
            throw std::runtime_error("client killed");
          }
          return mul_ss(ctx, x, x);
        },
        cfg);
    FAIL() << "expected an error";
  } catch (const std::exception &e) {
    // The first error rethrown is the server's (role 0).
    std::string w = e.what();
    EXPECT_NE(w.find("mul_ss"), std::string::npos) << w;
  }
  double dt =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_LT(dt, 3.0);
}

// Same with a real process killed by SIGKILL (the kernel closes its socket).
TEST(Session, PeerKilledProcess) {
  Listener dl("127.0.0.1", 0), sl("127.0.0.1", 0);
  SessionConfig cfg = testConfig();
  cfg.transport.ioTimeoutMs = 3000;
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Child: the client. Connects, handshakes, then blocks in mul_ss's
    // receive until it is killed.
    try {
      auto ctx = connectSessionRole(1, cfg, dl, sl);
      ctx->receiveOffline(1);
      ctx->beginInference();
      std::this_thread::sleep_for(std::chrono::seconds(30));
    } catch (...) {
    }
    _exit(0);
  }
  std::string err;
  std::thread dealer([&] {
    try {
      auto d = connectSessionRole(2, cfg, dl, sl);
      d->beginInference();
      Shared x(Shape{1000});
      mul_ss(*d, x, x);
      d->dealerFlush();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    } catch (...) {
    }
  });
  auto t0 = std::chrono::steady_clock::now();
  try {
    auto s = connectSessionRole(0, cfg, dl, sl);
    s->receiveOffline(1);
    s->beginInference();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    t0 = std::chrono::steady_clock::now();
    kill(pid, SIGKILL);
    Shared x(Shape{1000});
    mul_ss(*s, x, x);
  } catch (const std::exception &e) {
    err = e.what();
  }
  double dt =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  dealer.join();
  int st;
  waitpid(pid, &st, 0);
  EXPECT_NE(err.find("mul_ss"), std::string::npos) << err;
  EXPECT_LT(dt, 3.5);
}
