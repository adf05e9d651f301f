//===- test_tls.cpp - Mutual TLS, role certificates, deadlines, material --===//
//
// The deployment guarantees of issue [deploy] at the runtime's level:
//   * a full session (dealer, server, client, each with its own role
//     certificate) computes the right product over mutual TLS 1.3, and a
//     passive recording of a TLS link does not contain the plaintext (the
//     same recording of a plain link does: the check can fail);
//   * a peer without a certificate, with a certificate of another CA, with
//     a certificate that names no role, or with a client certificate that
//     acts as the dealer or claims the server role, is refused by the side
//     it talks to, and receives no session id, seed or share;
//   * total per-message deadlines cut a slow-drip peer; frames larger than
//     the program allows are refused before allocation;
//   * offline material written by the dealer to disk runs a session with no
//     dealer online, and a bundle is never used twice.
// Certificates come from scripts/make-certs.sh (openssl command line).
//
//===----------------------------------------------------------------------===//
#include "harness.h"

#include "mpcvit/runtime/beaver.h"
#include "mpcvit/runtime/tls.h"
#include "mpcvit/runtime/trunc.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#ifndef MPCVIT_SOURCE_DIR
#error "MPCVIT_SOURCE_DIR must point at the source tree (scripts/make-certs.sh)"
#endif

namespace mpcvit::rt::test {
namespace {

std::string gDir; // temp dir with a/ (main CA + rogue) and b/ (other CA)

class Tls : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    if (!gDir.empty())
      return;
    char tmpl[] = "/tmp/mpcvit-tls-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    gDir = tmpl;
    std::string script =
        std::string(MPCVIT_SOURCE_DIR) + "/scripts/make-certs.sh";
    std::string cmd = "bash " + script + " " + gDir + "/a --extra rogue >" +
                      gDir + "/log 2>&1 && bash " + script + " " + gDir +
                      "/b >>" + gDir + "/log 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0)
        << "make-certs.sh failed, see " << gDir << "/log";
  }
  static void TearDownTestSuite() {
    if (!gDir.empty())
      std::system(("rm -rf " + gDir).c_str());
    gDir.clear();
  }
};

/// Test config whose TLS identity is `name`'s certificate from CA `ca`
/// ("a" or "b"), trusting CA `trust` (default: the same).
SessionConfig tlsConfig(const std::string &name, const std::string &ca = "a",
                        std::string trust = "") {
  SessionConfig c = testConfig();
  std::string d = gDir + "/" + ca + "/";
  std::string t = gDir + "/" + (trust.empty() ? ca : trust) + "/";
  c.transport.tls = std::make_shared<TlsContext>(
      TlsFiles{d + name + ".crt", d + name + ".key", t + "ca.crt"});
  return c;
}

/// x·y of public test values shared by the client (x) and the server (y).
RingTensor product(Context &ctx, Probe &) {
  std::vector<double> x = {1.5, -2.0, 0.25, 3.0}, y = {2.0, 0.5, -4.0, 1.0};
  Shared a = shareFixed(ctx, 1, x, Shape{4});
  Shared b = shareFixed(ctx, 0, y, Shape{4});
  Shared c = trunc(ctx, mul_ss(ctx, a, b));
  return revealOut(ctx, c);
}

TEST_F(Tls, SessionOverMutualTlsComputesTheProduct) {
  RunResult r = run3(
      product, {tlsConfig("server"), tlsConfig("client"), tlsConfig("dealer")});
  FixedPoint fp(kDefaultFracBits);
  std::vector<double> want = {3.0, -1.0, -1.0, 3.0};
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(fp.decode(r.out[1][i]), want[i], 1e-3) << i;
}

/// Sends `pattern` from a connecting channel to an accepting one through a
/// TCP relay that records every byte; returns the recording.
std::vector<uint8_t> recordLink(const SessionConfig &a, const SessionConfig &b,
                                const std::vector<uint8_t> &pattern) {
  Listener target("127.0.0.1", 0), relay("127.0.0.1", 0);
  std::vector<uint8_t> rec;
  std::thread relayT([&] {
    Channel in = relay.accept(testConfig().transport, "in");
    Channel out =
        connectTo("127.0.0.1", target.port(), testConfig().transport, "out");
    // Raw byte pump between the two sockets (both directions), recording
    // the client → server direction; ends when either side closes.
    int fi = dup(in.rawFd()), fo = dup(out.rawFd());
    in.close();
    out.close();
    std::vector<uint8_t> buf(1 << 16);
    for (int idle = 0; idle < 200;) {
      bool moved = false;
      for (int dir = 0; dir < 2; ++dir) {
        int from = dir ? fo : fi, to = dir ? fi : fo;
        ssize_t n = ::recv(from, buf.data(), buf.size(), MSG_DONTWAIT);
        if (n == 0)
          idle = 200;
        if (n > 0) {
          moved = true;
          if (!dir)
            rec.insert(rec.end(), buf.begin(), buf.begin() + n);
          for (ssize_t off = 0; off < n;) {
            ssize_t w = ::send(to, buf.data() + off, n - off, MSG_NOSIGNAL);
            if (w <= 0)
              break;
            off += w;
          }
        }
      }
      if (!moved) {
        ++idle;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
    ::close(fi);
    ::close(fo);
  });
  std::thread sender([&] {
    Channel c = connectTo("127.0.0.1", relay.port(), a.transport, "server");
    c.secure(false, {"server"});
    c.send(pattern.data(), pattern.size(), "pattern");
    c.recv("ack", 1);
  });
  Channel s = target.accept(b.transport, "client");
  s.secure(true, {"client"});
  EXPECT_EQ(s.recv("pattern", pattern.size()), pattern);
  uint8_t ack = 1;
  s.send(&ack, 1, "ack");
  sender.join();
  s.close();
  relayT.join();
  return rec;
}

bool contains(const std::vector<uint8_t> &hay, const uint8_t *p, size_t n) {
  return std::search(hay.begin(), hay.end(), p, p + n) != hay.end();
}

TEST_F(Tls, PassiveRecordingShowsNoPlaintext) {
  std::vector<uint8_t> pattern(1 << 15);
  for (size_t i = 0; i < pattern.size(); ++i)
    pattern[i] = uint8_t((i * 2654435761u) >> 13);
  // Control: a plain link carries the pattern verbatim.
  auto plain = recordLink(testConfig(), testConfig(), pattern);
  EXPECT_TRUE(contains(plain, pattern.data() + 1000, 32));
  auto tls = recordLink(tlsConfig("client"), tlsConfig("server"), pattern);
  EXPECT_GE(tls.size(), pattern.size()); // it did carry the data
  for (size_t off = 0; off + 32 <= pattern.size(); off += 4096)
    EXPECT_FALSE(contains(tls, pattern.data() + off, 32)) << off;
}

/// Runs the server's side of one session on an accepted connection with
/// `serverCfg` (live dealer `dealerPort`, which may be absent) and returns
/// its error text ("" if it succeeded).
std::string serverError(Listener &l, const SessionConfig &serverCfg,
                        uint16_t dealerPort) {
  try {
    Context::acceptClient(serverCfg, l.accept(serverCfg.transport, "client"),
                          {"127.0.0.1", dealerPort, ""});
  } catch (const std::exception &e) {
    return e.what();
  }
  return "";
}

/// An attacker that connects with `cfg` (TLS identity of its choosing) to
/// the server and tries to read whatever the server sends after the
/// handshake. Returns the number of application bytes it received.
uint64_t attackerReads(uint16_t port, const SessionConfig &cfg) {
  try {
    Channel c = connectTo("127.0.0.1", port, cfg.transport, "server");
    c.secure(false, {"server"});
    std::vector<uint8_t> junk(40, 0);
    try {
      c.exchange(junk.data(), junk.size(), "hello", 40);
      c.recv("session id and PRZS seed", 32);
    } catch (const TransportError &) {
    }
    return c.stats().bytesRecv;
  } catch (const TransportError &) {
    return 0;
  }
}

TEST_F(Tls, ServerRefusesBadClientCertificatesAndSendsNothing) {
  SessionConfig server = tlsConfig("server");
  struct Case {
    const char *what;
    SessionConfig attacker;
    const char *serverSays;
  } cases[] = {
      {"plain TCP client", testConfig(), "TLS handshake"},
      {"client of another CA", tlsConfig("client", "b", "a"),
       "peer certificate rejected"},
      {"certificate naming no role", tlsConfig("rogue"),
       "does not name the role mpcvit-client"},
      {"the dealer's certificate", tlsConfig("dealer"),
       "does not name the role mpcvit-client"},
  };
  for (Case &c : cases) {
    Listener l("127.0.0.1", 0);
    std::string err;
    std::thread s([&] { err = serverError(l, server, 1); });
    uint64_t got = attackerReads(l.port(), c.attacker);
    s.join();
    EXPECT_NE(err.find(c.serverSays), std::string::npos)
        << c.what << ": " << err;
    // The server sent nothing past the handshake (a hello is 40 bytes and
    // public; a session id + PRZS seed would be 32 more).
    EXPECT_LE(got, 40u) << c.what;
  }
}

TEST_F(Tls, ClientWithoutCertificateIsRefused) {
  Listener l("127.0.0.1", 0);
  std::string err;
  std::thread s([&] { err = serverError(l, tlsConfig("server"), 1); });
  // A TLS client that trusts the CA but presents no certificate (raw
  // OpenSSL: TlsContext always loads one).
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_load_verify_locations(ctx, (gDir + "/a/ca.crt").c_str(), nullptr);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(l.port());
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, (sockaddr *)&a, sizeof(a)), 0);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  SSL *ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  SSL_connect(ssl); // TLS 1.3: the client finishes before the server checks
  uint8_t buf[64];
  int n = SSL_read(ssl, buf, sizeof(buf));
  EXPECT_LE(n, 0); // an alert / close, never application data
  SSL_free(ssl);
  ::close(fd);
  SSL_CTX_free(ctx);
  s.join();
  EXPECT_NE(err.find("certificate"), std::string::npos) << err;
}

TEST_F(Tls, ClientCertificateCannotActAsTheDealer) {
  // (1) A fake dealer with the client's certificate: the server refuses it
  // before sending anything, the client fails too (no hang).
  Listener fakeDealer("127.0.0.1", 0), sl("127.0.0.1", 0);
  std::string dealerErr, serverErr, clientErr;
  std::thread d([&] {
    try {
      SessionConfig fake = tlsConfig("client");
      fake.transport.connectTimeoutMs = 1000; // its second party never comes
      DealerService svc(fake);
      svc.acceptSession(fakeDealer);
    } catch (const std::exception &e) {
      dealerErr = e.what();
    }
  });
  std::thread s([&] {
    serverErr = serverError(sl, tlsConfig("server"), fakeDealer.port());
  });
  try {
    Context::connectClient(tlsConfig("client"), "127.0.0.1", sl.port(),
                           {"127.0.0.1", fakeDealer.port(), ""});
  } catch (const std::exception &e) {
    clientErr = e.what();
  }
  s.join();
  d.join();
  EXPECT_NE(serverErr.find("mpcvit-dealer"), std::string::npos) << serverErr;
  EXPECT_FALSE(clientErr.empty());
  EXPECT_FALSE(dealerErr.empty());

  // (2) A client certificate claiming the server role at the real dealer:
  // refused, and no dealer seeds reach it.
  Listener dl("127.0.0.1", 0);
  std::string svcErr;
  std::thread real([&] {
    try {
      SessionConfig dcfg = tlsConfig("dealer");
      DealerService svc(dcfg);
      svc.join(dl.accept(dcfg.transport, "party"));
    } catch (const std::exception &e) {
      svcErr = e.what();
    }
  });
  SessionConfig att = tlsConfig("client");
  Channel c;
  try {
    c = connectTo("127.0.0.1", dl.port(), att.transport, "dealer");
    c.secure(false, {"dealer"});
  } catch (const std::exception &e) {
    ADD_FAILURE() << "attacker could not even connect: " << e.what();
  }
  // The hello of handshake.cpp, written out by hand: magic, version, ring
  // bits, fractional bits, role (0 = server), truncation, program hash,
  // comparison mode.
  std::vector<uint8_t> hello(40, 0);
  std::memcpy(hello.data(), "MPCVIT\0\1", 8);
  uint32_t v[5] = {kProtocolVersion, 64, uint32_t(kDefaultFracBits), 0,
                   uint32_t(att.trunc)};
  std::memcpy(hello.data() + 8, v, sizeof(v));
  uint32_t cmp = uint32_t(att.protocols);
  std::memcpy(hello.data() + 36, &cmp, 4);
  uint64_t seeds = 0;
  try {
    c.exchange(hello.data(), hello.size(), "hello", 40);
    Seed sid = randomSeed();
    c.send(sid.data(), 16, "session id");
    c.recv("dealer seeds", 32);
    seeds = 32;
  } catch (const TransportError &) {
  }
  real.join();
  EXPECT_EQ(seeds, 0u);
  EXPECT_NE(svcErr.find("certificate names the client"), std::string::npos)
      << svcErr;
}

TEST(Deadline, SlowDripPeerIsCutOff) {
  Listener l("127.0.0.1", 0);
  TransportOptions o;
  o.ioTimeoutMs = 500;
  std::atomic<bool> stop{false};
  std::thread peer([&] {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(l.port());
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::connect(fd, (sockaddr *)&a, sizeof(a));
    // A valid frame header for 64 bytes, then one byte every 50 ms: never
    // idle for 500 ms, but 80 bytes would take 4 s.
    uint8_t frame[80] = {'M', 'P', 'C', 'V', 0, 0, 0, 0, 64};
    for (int i = 0; i < 80 && !stop; ++i) {
      if (::send(fd, frame + i, 1, MSG_NOSIGNAL) != 1)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::close(fd);
  });
  Channel s = l.accept(o, "client");
  auto t0 = std::chrono::steady_clock::now();
  try {
    s.recv("slow message", 64);
    ADD_FAILURE() << "a slow-drip peer must time out";
  } catch (const TransportError &e) {
    EXPECT_NE(std::string(e.what()).find("timed out"), std::string::npos)
        << e.what();
  }
  double dt =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_LT(dt, 1.5);
  stop = true;
  peer.join();
}

TEST(Deadline, FrameLargerThanTheProgramAllowsIsRefused) {
  Listener l("127.0.0.1", 0);
  TransportOptions o;
  o.ioTimeoutMs = 2000;
  o.maxMessageBytes = 1000; // e.g. ProgramInfo::offlineBytes
  std::thread peer([&] {
    Channel c = connectTo("127.0.0.1", l.port(), o, "dealer");
    std::vector<uint8_t> big(1001, 1);
    try {
      c.send(big.data(), big.size(), "offline bundle");
    } catch (const TransportError &) {
    }
  });
  Channel s = l.accept(o, "dealer");
  try {
    s.recv("offline bundle");
    ADD_FAILURE() << "a 1001-byte bundle must be refused";
  } catch (const TransportError &e) {
    EXPECT_NE(std::string(e.what()).find("exceeds the limit of 1000"),
              std::string::npos)
        << e.what();
  }
  peer.join();
}

TEST_F(Tls, OfflineMaterialRunsWithoutDealerAndIsUsedOnce) {
  std::string dir = gDir + "/material";
  SessionConfig cfg = testConfig();
  {
    auto d = Context::dealerToDisk(cfg, dir);
    for (int i = 0; i < 2; ++i) {
      d->beginInference();
      Probe p;
      product(*d, p);
      d->dealerFlush();
    }
  }
  // Writing twice into one directory would mix materials: refused.
  EXPECT_THROW(Context::dealerToDisk(cfg, dir), ProtocolError);
  Listener sl("127.0.0.1", 0);
  std::unique_ptr<Context> server, client;
  std::thread s([&] {
    server = Context::acceptClient(cfg, sl.accept(cfg.transport, "client"),
                                   {"", 0, dir + "/server"});
  });
  client = Context::connectClient(cfg, "127.0.0.1", sl.port(),
                                  {"", 0, dir + "/client"});
  s.join();
  ASSERT_EQ(client->nextOfflineIndex(), 0u);
  RingTensor out[2];
  for (uint64_t idx : {1, 0}) { // any order: bundles are independent
    std::thread st([&] {
      server->loadOfflineBundle(idx);
      server->beginInference();
      Probe p;
      out[0] = product(*server, p);
      server->endInference();
    });
    client->loadOfflineBundle(idx);
    client->beginInference();
    Probe p;
    out[1] = product(*client, p);
    client->endInference();
    st.join();
    FixedPoint fp(kDefaultFracBits);
    EXPECT_NEAR(fp.decode(out[1][0]), 3.0, 1e-3) << idx;
    EXPECT_NEAR(fp.decode(out[1][2]), -1.0, 1e-3) << idx;
  }
  try {
    server->loadOfflineBundle(0);
    ADD_FAILURE() << "a used bundle must be refused";
  } catch (const ProtocolError &e) {
    EXPECT_NE(std::string(e.what()).find("already used"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(client->nextOfflineIndex(), ProtocolError); // all used
}

} // namespace
} // namespace mpcvit::rt::test
