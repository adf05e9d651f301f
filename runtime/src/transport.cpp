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

namespace mpcvit::rt {

namespace {
constexpr uint32_t kMagic = 0x5643504du; // "MPCV"
constexpr size_t kHeader = 16;           // magic u32, seq u32, length u64

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

Channel::Channel(int fd, std::string peerName, TransportOptions opts)
    : fd_(fd), peer_(std::move(peerName)), opts_(opts) {
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
    peer_ = std::move(o.peer_);
    opts_ = o.opts_;
    stats_ = o.stats_;
    sendSeq_ = o.sendSeq_;
    recvSeq_ = o.recvSeq_;
  }
  return *this;
}
void Channel::close() {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
}
void Channel::abort() {
  if (fd_ >= 0)
    ::shutdown(fd_, SHUT_RDWR);
  close();
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
  size_t sendTotal = doSend ? kHeader + n : 0, sent = 0;

  uint8_t rhdr[kHeader];
  size_t rgot = 0;    // bytes of header+payload received
  uint64_t rlen = 0;  // payload length once the header is in
  bool rhave = false; // header parsed
  bool wantRecv = out != nullptr;

  auto last = std::chrono::steady_clock::now();
  const auto timeout = std::chrono::milliseconds(opts_.ioTimeoutMs);
  while ((doSend && sent < sendTotal) ||
         (wantRecv && (!rhave || rgot < kHeader + rlen))) {
    pollfd p{fd_, 0, 0};
    if (doSend && sent < sendTotal)
      p.events |= POLLOUT;
    if (wantRecv && (!rhave || rgot < kHeader + rlen))
      p.events |= POLLIN;
    auto left = timeout - (std::chrono::steady_clock::now() - last);
    int ms = int(
        std::chrono::duration_cast<std::chrono::milliseconds>(left).count());
    if (ms <= 0)
      throw TransportError("'" + what + "': timed out after " +
                           std::to_string(opts_.ioTimeoutMs) +
                           " ms waiting for " + peer_ +
                           " (peer stalled or dead)");
    int rc = ::poll(&p, 1, ms);
    if (rc < 0) {
      if (errno == EINTR)
        continue;
      throw TransportError("'" + what + "': poll failed: " + errnoStr());
    }
    if (rc == 0)
      continue; // loop re-checks the deadline
    if (p.revents & POLLNVAL)
      throw TransportError("'" + what + "': socket to " + peer_ + " invalid");
    bool progress = false;
    if ((p.revents & (POLLOUT | POLLERR | POLLHUP)) && doSend &&
        sent < sendTotal) {
      iovec iov[2];
      int cnt = 0;
      if (sent < kHeader) {
        iov[cnt++] = {hdr + sent, kHeader - sent};
        if (n)
          iov[cnt++] = {const_cast<void *>(data), n};
      } else {
        iov[cnt++] = {(uint8_t *)const_cast<void *>(data) + (sent - kHeader),
                      sendTotal - sent};
      }
      msghdr mh{};
      mh.msg_iov = iov;
      mh.msg_iovlen = cnt;
      ssize_t w = ::sendmsg(fd_, &mh, MSG_NOSIGNAL);
      if (w < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
          throw TransportError("'" + what + "': send to " + peer_ +
                               " failed (peer died?): " + errnoStr());
      } else if (w > 0) {
        sent += size_t(w);
        progress = true;
      }
    }
    if ((p.revents & (POLLIN | POLLERR | POLLHUP)) && wantRecv &&
        (!rhave || rgot < kHeader + rlen)) {
      ssize_t r;
      if (!rhave)
        r = ::recv(fd_, rhdr + rgot, kHeader - rgot, 0);
      else
        r = ::recv(fd_, out->data() + (rgot - kHeader), kHeader + rlen - rgot,
                   0);
      if (r == 0)
        throw TransportError("'" + what + "': " + peer_ +
                             " closed the connection (peer died?)");
      if (r < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
          throw TransportError("'" + what + "': receive from " + peer_ +
                               " failed (peer died?): " + errnoStr());
      } else {
        rgot += size_t(r);
        progress = true;
        if (!rhave && rgot == kHeader) {
          uint32_t magic = getU32(rhdr), seq = getU32(rhdr + 4);
          rlen = getU64(rhdr + 8);
          if (magic != kMagic)
            throw TransportError("'" + what + "': bad frame magic from " +
                                 peer_ + " (not an mpcvit peer?)");
          if (seq != recvSeq_)
            throw TransportError("'" + what + "': frame out of sequence from " +
                                 peer_ + ": expected #" +
                                 std::to_string(recvSeq_) + ", got #" +
                                 std::to_string(seq));
          if (rlen > opts_.maxMessageBytes)
            throw TransportError("'" + what + "': frame of " +
                                 std::to_string(rlen) + " bytes from " + peer_ +
                                 " exceeds the limit of " +
                                 std::to_string(opts_.maxMessageBytes));
          if (expected != SIZE_MAX && rlen != expected)
            throw TransportError(
                "'" + what + "': protocol desync with " + peer_ +
                ": expected " + std::to_string(expected) +
                " bytes, got a message of " + std::to_string(rlen));
          out->resize(size_t(rlen));
          rhave = true;
        }
      }
    }
    if (progress)
      last = std::chrono::steady_clock::now();
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
