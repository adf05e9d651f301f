//===- transport.cpp - TCP channels with framing, timeouts, counters ------===//
#include "mpcvit/runtime/transport.h"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <thread>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace mpcvit::rt {

namespace {
using Clock = std::chrono::steady_clock;
constexpr uint32_t kMagic = 0x5643504du; // "MPCV"
constexpr size_t kHeader = 16;           // magic u32, seq u32, length u64
/// TLS: messages up to this size go out as one record with their header.
constexpr size_t kCoalesceBytes = size_t(1) << 18;

std::string errnoStr() { return std::strerror(errno); }

void setNonBlocking(int fd) {
  int fl = fcntl(fd, F_GETFL, 0);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
    throw TransportError("fcntl(O_NONBLOCK) failed: " + errnoStr());
}
void setNoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}
void putU32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    p[i] = uint8_t(v >> (8 * i));
}
void putU64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    p[i] = uint8_t(v >> (8 * i));
}
uint32_t getU32(const uint8_t *p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= uint32_t(p[i]) << (8 * i);
  return v;
}
uint64_t getU64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v |= uint64_t(p[i]) << (8 * i);
  return v;
}

sockaddr_in resolve(const std::string &host, uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) == 1)
    return addr;
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || !res)
    throw TransportError("cannot resolve host '" + host + "'");
  addr.sin_addr = reinterpret_cast<sockaddr_in *>(res->ai_addr)->sin_addr;
  freeaddrinfo(res);
  return addr;
}
} // namespace

CommStats CommStats::operator-(const CommStats &o) const {
  CommStats r;
  r.bytesSent = bytesSent - o.bytesSent;
  r.bytesRecv = bytesRecv - o.bytesRecv;
  r.wireBytesSent = wireBytesSent - o.wireBytesSent;
  r.messagesSent = messagesSent - o.messagesSent;
  r.rounds = rounds - o.rounds;
  return r;
}
CommStats &CommStats::operator+=(const CommStats &o) {
  bytesSent += o.bytesSent;
  bytesRecv += o.bytesRecv;
  wireBytesSent += o.wireBytesSent;
  messagesSent += o.messagesSent;
  rounds += o.rounds;
  return *this;
}

uint64_t parseFrameHeader(const uint8_t *h, uint32_t expectedSeq,
                          size_t expected, uint64_t limit,
                          const std::string &what, const std::string &peer) {
  uint32_t magic = getU32(h), seq = getU32(h + 4);
  uint64_t len = getU64(h + 8);
  if (magic != kMagic)
    throw TransportError("'" + what + "': bad frame magic from " + peer +
                         " (not an mpcvit peer?)");
  if (seq != expectedSeq)
    throw TransportError("'" + what + "': frame out of sequence from " + peer +
                         ": expected #" + std::to_string(expectedSeq) +
                         ", got #" + std::to_string(seq));
  if (expected != SIZE_MAX && len != expected)
    throw TransportError("'" + what + "': protocol desync with " + peer +
                         ": expected " + std::to_string(expected) +
                         " bytes, got a message of " + std::to_string(len));
  // An exact expectation is the program's own bound; otherwise the
  // channel's limit applies.
  if (expected == SIZE_MAX && len > limit)
    throw TransportError("'" + what + "': frame of " + std::to_string(len) +
                         " bytes from " + peer + " exceeds the limit of " +
                         std::to_string(limit) + " bytes this program allows");
  return len;
}

Channel::Channel(int fd, std::string peerName, TransportOptions opts)
    : fd_(fd), peer_(std::move(peerName)), opts_(std::move(opts)) {
  setNonBlocking(fd_);
  setNoDelay(fd_);
}
Channel::~Channel() { close(); }
Channel::Channel(Channel &&o) noexcept { *this = std::move(o); }
Channel &Channel::operator=(Channel &&o) noexcept {
  if (this != &o) {
    close();
    fd_ = o.fd_;
    o.fd_ = -1;
    ssl_ = o.ssl_;
    o.ssl_ = nullptr;
    peer_ = std::move(o.peer_);
    opts_ = std::move(o.opts_);
    stats_ = o.stats_;
    sendSeq_ = o.sendSeq_;
    recvSeq_ = o.recvSeq_;
  }
  return *this;
}
void Channel::close() {
  if (ssl_) {
    // Best effort close_notify (non-blocking socket: never waits).
    SSL_shutdown(ssl_);
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
}
void Channel::abort() {
  if (ssl_) {
    SSL_free(ssl_); // no close_notify: the peer sees a reset/EOF
    ssl_ = nullptr;
  }
  if (fd_ >= 0)
    ::shutdown(fd_, SHUT_RDWR);
  close();
}

namespace {
/// Milliseconds left until `deadline` (≤ 0: passed).
int msLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - Clock::now())
                  .count();
  return left > INT32_MAX ? INT32_MAX : int(left);
}
/// Waits for the socket events; false on timeout. Throws on poll failure.
bool waitFor(int fd, short events, Clock::time_point deadline,
             const std::string &what) {
  while (true) {
    int ms = msLeft(deadline);
    if (ms <= 0)
      return false;
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, ms);
    if (rc < 0 && errno == EINTR)
      continue;
    if (rc < 0)
      throw TransportError("'" + what + "': poll failed: " + errnoStr());
    if (rc == 0)
      continue; // re-check the deadline
    if (p.revents & POLLNVAL)
      throw TransportError("'" + what + "': socket invalid");
    return true;
  }
}
} // namespace

std::string Channel::secure(bool acceptSide,
                            const std::vector<std::string> &allowedRoles) {
  if (!opts_.tls)
    return "";
  if (fd_ < 0)
    throw TransportError("TLS with " + peer_ + ": channel is closed");
  if (ssl_)
    throw TransportError("TLS with " + peer_ + ": already secured");
  ERR_clear_error();
  ssl_ = SSL_new(opts_.tls->native());
  if (!ssl_ || SSL_set_fd(ssl_, fd_) != 1)
    throw TransportError(tlsErrorString("TLS with " + peer_ + ": SSL_new"));
  if (acceptSide)
    SSL_set_accept_state(ssl_);
  else
    SSL_set_connect_state(ssl_);
  const auto deadline =
      Clock::now() + std::chrono::milliseconds(opts_.connectTimeoutMs);
  while (true) {
    int rc = SSL_do_handshake(ssl_);
    if (rc == 1)
      break;
    int err = SSL_get_error(ssl_, rc);
    short ev = err == SSL_ERROR_WANT_READ    ? POLLIN
               : err == SSL_ERROR_WANT_WRITE ? POLLOUT
                                             : 0;
    if (!ev) {
      std::string why;
      long vr = SSL_get_verify_result(ssl_);
      if (vr != X509_V_OK)
        why = std::string("peer certificate rejected: ") +
              X509_verify_cert_error_string(vr);
      why = tlsErrorString(why);
      if (err == SSL_ERROR_SYSCALL && why == "unknown TLS error")
        why = "connection closed during the handshake (peer refused our "
              "certificate, or is not speaking TLS?)";
      throw TransportError("TLS handshake with " + peer_ + " failed: " + why);
    }
    if (!waitFor(fd_, ev, deadline, "TLS handshake"))
      throw TransportError("TLS handshake with " + peer_ +
                           ": timed out after " +
                           std::to_string(opts_.connectTimeoutMs) + " ms");
  }
  X509 *cert = SSL_get1_peer_certificate(ssl_);
  if (!cert)
    throw TransportError("TLS with " + peer_ + ": peer sent no certificate");
  std::string matched;
  for (const std::string &role : allowedRoles) {
    std::string name = roleCertName(role);
    if (X509_check_host(cert, name.c_str(), name.size(),
                        X509_CHECK_FLAG_NO_WILDCARDS, nullptr) == 1) {
      matched = role;
      break;
    }
  }
  if (matched.empty()) {
    std::string cn = certCommonName(cert);
    X509_free(cert);
    std::string want;
    for (const std::string &r : allowedRoles)
      want += (want.empty() ? "" : " or ") + roleCertName(r);
    throw TransportError(
        "TLS with " + peer_ + ": the peer's certificate (CN '" + cn +
        "') does not name the role " + want + ": refused, nothing sent");
  }
  X509_free(cert);
  return matched;
}

size_t Channel::writeSome(const uint8_t *p, size_t n, const std::string &what,
                          bool *wantRead, bool *wantWrite) {
  if (!ssl_) {
    ssize_t w = ::send(fd_, p, n, MSG_NOSIGNAL);
    if (w > 0)
      return size_t(w);
    if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
      throw TransportError("'" + what + "': send to " + peer_ +
                           " failed (peer died?): " + errnoStr());
    *wantWrite = true;
    return 0;
  }
  ERR_clear_error();
  int w = SSL_write(ssl_, p, int(std::min<size_t>(n, 1 << 30)));
  if (w > 0)
    return size_t(w);
  int err = SSL_get_error(ssl_, w);
  if (err == SSL_ERROR_WANT_WRITE) {
    *wantWrite = true;
    return 0;
  }
  if (err == SSL_ERROR_WANT_READ) {
    *wantRead = true;
    return 0;
  }
  throw TransportError("'" + what + "': TLS send to " + peer_ +
                       " failed (peer died?): " + tlsErrorString());
}

size_t Channel::readSome(uint8_t *p, size_t n, const std::string &what,
                         bool *wantRead, bool *wantWrite) {
  if (!ssl_) {
    ssize_t r = ::recv(fd_, p, n, 0);
    if (r > 0)
      return size_t(r);
    if (r == 0)
      throw TransportError("'" + what + "': " + peer_ +
                           " closed the connection (peer died?)");
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
      throw TransportError("'" + what + "': receive from " + peer_ +
                           " failed (peer died?): " + errnoStr());
    *wantRead = true;
    return 0;
  }
  ERR_clear_error();
  int r = SSL_read(ssl_, p, int(std::min<size_t>(n, 1 << 30)));
  if (r > 0)
    return size_t(r);
  int err = SSL_get_error(ssl_, r);
  if (err == SSL_ERROR_WANT_READ) {
    *wantRead = true;
    return 0;
  }
  if (err == SSL_ERROR_WANT_WRITE) {
    *wantWrite = true;
    return 0;
  }
  if (err == SSL_ERROR_ZERO_RETURN ||
      (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0))
    throw TransportError("'" + what + "': " + peer_ +
                         " closed the connection (peer died?)");
  throw TransportError("'" + what + "': TLS receive from " + peer_ +
                       " failed: " + tlsErrorString());
}

void Channel::pump(const void *data, size_t n, bool doSend,
                   std::vector<uint8_t> *out, const std::string &what,
                   size_t expected) {
  if (fd_ < 0)
    throw TransportError("'" + what + "': channel to " + peer_ + " is closed");
  uint8_t hdr[kHeader];
  putU32(hdr, kMagic);
  putU32(hdr + 4, sendSeq_);
  putU64(hdr + 8, n);
  const uint8_t *payload = static_cast<const uint8_t *>(data);
  size_t sendTotal = doSend ? kHeader + n : 0, sent = 0;

  uint8_t rhdr[kHeader];
  size_t rgot = 0;    // bytes of header+payload received
  uint64_t rlen = 0;  // payload length once the header is in
  bool rhave = false; // header parsed
  const bool wantRecv = out != nullptr;

  // Total deadline: base timeout + the bytes moved at the slowest allowed
  // rate; extended once the incoming frame's (checked) length is known.
  const auto start = Clock::now();
  auto budget = [&](uint64_t bytes) {
    uint64_t rate = std::max<uint64_t>(opts_.minBytesPerSecond, 1);
    return start + std::chrono::milliseconds(opts_.ioTimeoutMs) +
           std::chrono::milliseconds(bytes * 1000 / rate);
  };
  auto deadline = budget(sendTotal + kHeader);
  auto sending = [&] { return doSend && sent < sendTotal; };
  auto receiving = [&] {
    return wantRecv && (!rhave || rgot < kHeader + rlen);
  };
  while (sending() || receiving()) {
    bool wantRead = false, wantWrite = false, progress = false;
    if (sending()) {
      size_t w;
      if (sent < kHeader && !ssl_ && n) {
        // Plain TCP: header and payload in one segment.
        iovec iov[2] = {{hdr + sent, kHeader - sent},
                        {const_cast<uint8_t *>(payload), n}};
        msghdr mh{};
        mh.msg_iov = iov;
        mh.msg_iovlen = 2;
        ssize_t r = ::sendmsg(fd_, &mh, MSG_NOSIGNAL);
        if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
          throw TransportError("'" + what + "': send to " + peer_ +
                               " failed (peer died?): " + errnoStr());
        w = r > 0 ? size_t(r) : 0;
        if (!w)
          wantWrite = true;
      } else if (ssl_ && n <= kCoalesceBytes) {
        // TLS: header and payload in one record (one write, one segment).
        if (sent == 0) { // (re)built until the first byte is out
          stage_.assign(hdr, hdr + kHeader);
          stage_.insert(stage_.end(), payload, payload + n);
        }
        w = writeSome(stage_.data() + sent, sendTotal - sent, what, &wantRead,
                      &wantWrite);
      } else if (sent < kHeader) {
        w = writeSome(hdr + sent, kHeader - sent, what, &wantRead, &wantWrite);
      } else {
        w = writeSome(payload + (sent - kHeader), sendTotal - sent, what,
                      &wantRead, &wantWrite);
      }
      sent += w;
      progress = progress || w > 0;
    }
    if (receiving()) {
      size_t r;
      if (!rhave)
        r = readSome(rhdr + rgot, kHeader - rgot, what, &wantRead, &wantWrite);
      else
        r = readSome(out->data() + (rgot - kHeader), kHeader + rlen - rgot,
                     what, &wantRead, &wantWrite);
      rgot += r;
      progress = progress || r > 0;
      if (!rhave && rgot == kHeader) {
        rlen = parseFrameHeader(rhdr, recvSeq_, expected, opts_.maxMessageBytes,
                                what, peer_);
        out->resize(size_t(rlen));
        rhave = true;
        deadline = budget(sendTotal + kHeader + rlen);
      }
    }
    if (!sending() && !receiving())
      break;
    // Retry at once after progress (TLS may hold decrypted bytes that no
    // poll() would announce); wait for the socket otherwise.
    if (progress && Clock::now() < deadline)
      continue;
    short ev = 0;
    if (wantRead)
      ev |= POLLIN;
    if (wantWrite)
      ev |= POLLOUT;
    if (!ev)
      ev = POLLIN | POLLOUT;
    if (!waitFor(fd_, ev, deadline, what))
      throw TransportError(
          "'" + what + "': timed out after " +
          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                             Clock::now() - start)
                             .count()) +
          " ms waiting for " + peer_ +
          " (peer stalled, too slow or dead; limit --timeout-ms " +
          std::to_string(opts_.ioTimeoutMs) + " plus 1 s per " +
          std::to_string(opts_.minBytesPerSecond) + " bytes)");
  }
  if (doSend) {
    stats_.bytesSent += n;
    stats_.wireBytesSent += kHeader + n;
    stats_.messagesSent += 1;
    ++sendSeq_;
  }
  if (wantRecv) {
    stats_.bytesRecv += rlen;
    ++recvSeq_;
  }
  stats_.rounds += 1;
}

void Channel::send(const void *data, size_t n, const std::string &what) {
  pump(data, n, true, nullptr, what, SIZE_MAX);
}
std::vector<uint8_t> Channel::recv(const std::string &what, size_t expected) {
  std::vector<uint8_t> out;
  pump(nullptr, 0, false, &out, what, expected);
  return out;
}
std::vector<uint8_t> Channel::exchange(const void *data, size_t n,
                                       const std::string &what,
                                       size_t expected) {
  std::vector<uint8_t> out;
  pump(data, n, true, &out, what, expected);
  return out;
}

Listener::Listener(const std::string &host, uint16_t port) {
  sockaddr_in addr = resolve(host, port);
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0)
    throw TransportError("socket() failed: " + errnoStr());
  int one = 1;
  setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(fd_, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) < 0) {
    std::string e = errnoStr();
    ::close(fd_);
    throw TransportError("cannot bind " + host + ":" + std::to_string(port) +
                         ": " + e);
  }
  if (::listen(fd_, 16) < 0) {
    ::close(fd_);
    throw TransportError("listen() failed: " + errnoStr());
  }
  socklen_t len = sizeof(addr);
  getsockname(fd_, reinterpret_cast<sockaddr *>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  setNonBlocking(fd_);
}
Listener::~Listener() {
  if (fd_ >= 0)
    ::close(fd_);
}

Channel Listener::accept(const TransportOptions &opts,
                         const std::string &peerName) {
  pollfd p{fd_, POLLIN, 0};
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(opts.connectTimeoutMs);
  while (true) {
    int ms = int(std::chrono::duration_cast<std::chrono::milliseconds>(
                     deadline - std::chrono::steady_clock::now())
                     .count());
    if (ms <= 0)
      throw TransportError("accept on port " + std::to_string(port_) + ": no " +
                           peerName + " connected within " +
                           std::to_string(opts.connectTimeoutMs) + " ms");
    int rc = ::poll(&p, 1, ms);
    if (rc < 0 && errno != EINTR)
      throw TransportError("poll(accept) failed: " + errnoStr());
    if (rc <= 0)
      continue;
    int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c >= 0)
      return Channel(c, peerName, opts);
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
        errno != ECONNABORTED)
      throw TransportError("accept failed: " + errnoStr());
  }
}

std::optional<Channel> Listener::tryAccept(const TransportOptions &opts,
                                           const std::string &peerName,
                                           int waitMs) {
  pollfd p{fd_, POLLIN, 0};
  int rc = ::poll(&p, 1, waitMs);
  if (rc < 0 && errno != EINTR)
    throw TransportError("poll(accept) failed: " + errnoStr());
  if (rc <= 0)
    return std::nullopt;
  sockaddr_in addr{};
  socklen_t len = sizeof(addr);
  int c =
      ::accept4(fd_, reinterpret_cast<sockaddr *>(&addr), &len, SOCK_CLOEXEC);
  if (c < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
        errno == ECONNABORTED || errno == EMFILE || errno == ENFILE)
      return std::nullopt; // transient: the caller loops
    throw TransportError("accept failed: " + errnoStr());
  }
  char ip[INET_ADDRSTRLEN] = "?";
  inet_ntop(AF_INET, &addr.sin_addr, ip, sizeof(ip));
  return Channel(
      c, peerName + " " + ip + ":" + std::to_string(ntohs(addr.sin_port)),
      opts);
}

Channel connectTo(const std::string &host, uint16_t port,
                  const TransportOptions &opts, const std::string &peerName) {
  sockaddr_in addr = resolve(host, port);
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(opts.connectTimeoutMs);
  std::string lastErr = "timeout";
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
      throw TransportError("socket() failed: " + errnoStr());
    setNonBlocking(fd);
    int rc = ::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr));
    if (rc < 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int ms = int(std::chrono::duration_cast<std::chrono::milliseconds>(
                       deadline - std::chrono::steady_clock::now())
                       .count());
      if (ms > 0 && ::poll(&p, 1, ms) == 1) {
        int err = 0;
        socklen_t len = sizeof(err);
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        rc = err ? -1 : 0;
        errno = err;
      } else {
        errno = ETIMEDOUT;
      }
    }
    if (rc == 0)
      return Channel(fd, peerName, opts);
    lastErr = errnoStr();
    ::close(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw TransportError("cannot connect to " + peerName + " at " + host + ":" +
                       std::to_string(port) + " within " +
                       std::to_string(opts.connectTimeoutMs) + " ms (" +
                       lastErr + ")");
}

} // namespace mpcvit::rt
