//===- transport.h - TCP channels with framing, timeouts, counters -*- C++
//-*-===//
//
// Layer 1 of the runtime (DESIGN.md §5). A Channel is one TCP connection
// carrying length-framed messages. Every wait is bounded by a timeout; a peer
// that closes, resets or stalls makes the waiting side throw TransportError
// naming the operation, never hang. Bad bytes (wrong magic, out-of-order
// sequence number, unexpected or oversized length) throw too.
//
// Deadlines are totals, not idle times: one message may take at most
// ioTimeoutMs + (its bytes) / minBytesPerSecond from the call, so a peer that
// drips one byte at a time is cut off like a silent one. A received frame's
// length is checked against the caller's exact expectation or the channel's
// maxMessageBytes before anything is allocated.
//
// TLS: Channel::secure() turns a connected channel into mutual TLS 1.3
// (tls.h) and checks that the peer's certificate names one of the expected
// roles; afterwards every byte goes through TLS. Without a TlsContext the
// channel stays plain TCP (the executables require --insecure for that).
//
// Counters: `bytesSent` counts payload bytes only (what the protocols' cost
// formulas count); `wireBytesSent` adds the 16-byte frame header per message.
// A round is one communication step of a protocol: one send, one receive or
// one simultaneous exchange each count as exactly one round.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_TRANSPORT_H
#define MPCVIT_RUNTIME_TRANSPORT_H

#include "mpcvit/runtime/tls.h"
#include "mpcvit/runtime/transport_options.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mpcvit::rt {

/// Any failure of the network layer: connect/accept timeout, peer closed or
/// reset, receive timeout, malformed frame.
struct TransportError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Exact traffic counters of one channel (this endpoint's view).
struct CommStats {
  uint64_t bytesSent = 0;     ///< payload bytes sent
  uint64_t bytesRecv = 0;     ///< payload bytes received
  uint64_t wireBytesSent = 0; ///< payload + 16-byte frame headers
  uint64_t messagesSent = 0;
  uint64_t rounds = 0; ///< communication steps (see file comment)
  CommStats operator-(const CommStats &o) const;
  CommStats &operator+=(const CommStats &o);
};

/// Checks a received 16-byte frame header (u32 magic "MPCV", u32 sequence
/// number, u64 payload length; little-endian) and returns the payload
/// length: the magic, the sequence number `expectedSeq`, the exact length
/// `expected` (SIZE_MAX: none) or else at most `limit` bytes. Throws
/// TransportError naming `what` and `peer`. Nothing is allocated.
uint64_t parseFrameHeader(const uint8_t *header, uint32_t expectedSeq,
                          size_t expected, uint64_t limit,
                          const std::string &what, const std::string &peer);

/// One framed, counted TCP connection. Not thread-safe; movable.
class Channel {
public:
  Channel() = default;
  /// Takes ownership of a connected socket `fd`.
  Channel(int fd, std::string peerName, TransportOptions opts);
  ~Channel();
  Channel(Channel &&o) noexcept;
  Channel &operator=(Channel &&o) noexcept;
  Channel(const Channel &) = delete;
  Channel &operator=(const Channel &) = delete;

  bool isOpen() const { return fd_ >= 0; }
  /// Mutual TLS 1.3 handshake (server side if `acceptSide`) bounded by
  /// connectTimeoutMs, then the role check: the peer's certificate must
  /// name one of `allowedRoles` (role names "dealer", "server", "client";
  /// tls.h roleCertName). Returns the matched role name. Without
  /// options().tls it does nothing and returns "" (plain TCP). Throws
  /// TransportError naming the peer and the reason (no certificate,
  /// unknown CA, wrong role, handshake timeout, not TLS).
  std::string secure(bool acceptSide,
                     const std::vector<std::string> &allowedRoles);
  bool isTls() const { return ssl_ != nullptr; }
  /// The socket (tests and relays that move raw bytes); -1 when closed.
  int rawFd() const { return fd_; }
  /// Send one message (one round). `what` names the operation in errors.
  void send(const void *data, size_t n, const std::string &what);
  /// Receive one message (one round). If `expected` != SIZE_MAX the length
  /// must match exactly, else TransportError("... expected N bytes ...").
  std::vector<uint8_t> recv(const std::string &what,
                            size_t expected = SIZE_MAX);
  /// Send one message and receive one concurrently (one round; no deadlock
  /// on large messages since both directions are pumped with poll()).
  std::vector<uint8_t> exchange(const void *data, size_t n,
                                const std::string &what,
                                size_t expected = SIZE_MAX);
  /// Close the socket now (the peer sees EOF).
  void close();
  /// Abort: shut the socket down in both directions (tests: peer death).
  void abort();

  const CommStats &stats() const { return stats_; }
  const std::string &peerName() const { return peer_; }
  const TransportOptions &options() const { return opts_; }
  void setIoTimeoutMs(int ms) { opts_.ioTimeoutMs = ms; }

private:
  void pump(const void *data, size_t n, bool doSend, std::vector<uint8_t> *out,
            const std::string &what, size_t expected);
  /// Moves bytes without blocking: > 0 bytes moved, 0 would block (sets
  /// *wantRead / *wantWrite), throws on EOF or error.
  size_t writeSome(const uint8_t *p, size_t n, const std::string &what,
                   bool *wantRead, bool *wantWrite);
  size_t readSome(uint8_t *p, size_t n, const std::string &what, bool *wantRead,
                  bool *wantWrite);
  int fd_ = -1;
  SSL *ssl_ = nullptr;
  std::vector<uint8_t> stage_; // TLS: header + small payload, one record
  std::string peer_;
  TransportOptions opts_;
  CommStats stats_;
  uint32_t sendSeq_ = 0, recvSeq_ = 0;
};

/// A listening TCP socket. Port 0 binds an ephemeral port (read it back
/// with port()).
class Listener {
public:
  /// Binds host:port (host "127.0.0.1", "0.0.0.0", ...). Throws
  /// TransportError if the address is invalid or in use.
  Listener(const std::string &host, uint16_t port);
  ~Listener();
  Listener(const Listener &) = delete;
  Listener &operator=(const Listener &) = delete;
  uint16_t port() const { return port_; }
  /// Waits at most opts.connectTimeoutMs for one connection.
  Channel accept(const TransportOptions &opts, const std::string &peerName);
  /// Waits at most `waitMs` for one connection; nullopt when none came (or
  /// a transient accept error). The channel's peer name is `peerName`
  /// followed by the peer's address.
  std::optional<Channel> tryAccept(const TransportOptions &opts,
                                   const std::string &peerName, int waitMs);

private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

/// Connect to host:port, retrying refused connections until
/// opts.connectTimeoutMs has passed; then throws TransportError.
Channel connectTo(const std::string &host, uint16_t port,
                  const TransportOptions &opts, const std::string &peerName);

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_TRANSPORT_H
