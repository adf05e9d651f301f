// mpcvit-netem-relay: a TCP relay that emulates one network link (delay and
// bandwidth) between the two parties, for kernels without sch_netem.
//
//   mpcvit-netem-relay --listen H:P --connect H:P --rtt-ms RTT --rate-mbit BW
//                      [--connections N] [--idle-timeout-s S]
//
// It accepts N connections (default 1) on --listen, opens one to --connect for
// each, and forwards both directions through a model of a full-duplex link
// (the same model as netem's `delay RTT/2 rate BW`): a chunk of n payload
// bytes read at time t starts serialising at s = max(t, free), the link is
// busy until free = s + 8n/BW, and the chunk is written to the other side at
// free + RTT/2. Each direction has its own link state.
//
// Units: RTT in milliseconds (one-way delay RTT/2), BW in Mbit/s of payload
// (TCP/IP headers are not charged). The relay's own TCP connections see the
// host's sub-millisecond RTT, so TCP dynamics of a real long link (slow start
// after idle, loss) are not emulated; the cost model ignores them too.
// Timers: absolute clock_nanosleep with 1 ns timer slack (prctl), so the
// delay overshoots by the scheduler's wake-up latency only (~10 µs here).
//
// Errors: bad options, a failed connect, or no traffic for --idle-timeout-s
// (default 600 s) print a message and exit non-zero. Used by bench/netem.sh.
#include <CLI/CLI.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Endpoint {
  std::string host;
  uint16_t port = 0;
};

Endpoint parseEndpoint(const std::string &text, const char *what) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos)
    throw std::runtime_error(std::string(what) + ": expected HOST:PORT, got '" +
                             text + "'");
  Endpoint e;
  e.host = text.substr(0, colon);
  int port = std::atoi(text.c_str() + colon + 1);
  if (port <= 0 || port > 65535)
    throw std::runtime_error(std::string(what) + ": bad port in '" + text +
                             "'");
  e.port = uint16_t(port);
  return e;
}

sockaddr_in toAddr(const Endpoint &e, const char *what) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(e.port);
  if (inet_pton(AF_INET, e.host.c_str(), &a.sin_addr) != 1)
    throw std::runtime_error(std::string(what) + ": '" + e.host +
                             "' is not an IPv4 address");
  return a;
}

std::string errnoText() { return std::strerror(errno); }

void tune(int fd) {
  int one = 1, buf = 8 << 20;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
}

/// Waits until fd is readable, at most idleS seconds; throws on timeout.
void waitReadable(int fd, double idleS, const char *what) {
  pollfd p{fd, POLLIN, 0};
  int r;
  do
    r = ::poll(&p, 1, int(idleS * 1000));
  while (r < 0 && errno == EINTR);
  if (r == 0)
    throw std::runtime_error(std::string(what) + ": no traffic for " +
                             std::to_string(idleS) + " s");
  if (r < 0)
    throw std::runtime_error(std::string(what) + ": poll: " + errnoText());
}

struct Chunk {
  std::vector<char> bytes; // empty: end of stream
  Clock::time_point deliver;
};

/// One direction of the emulated link: a reader thread stamps chunks, a
/// writer thread delivers them at their time.
class Direction {
public:
  Direction(int from, int to, double oneWayS, double bitsPerS, double idleS,
            std::string name)
      : from_(from), to_(to), oneWay_(oneWayS), bps_(bitsPerS), idle_(idleS),
        name_(std::move(name)) {}

  void run() {
    std::thread w([this] { writer(); });
    try {
      reader();
    } catch (const std::exception &e) {
      fail(e.what());
      push({{}, Clock::now()});
    }
    w.join();
  }
  const std::string &error() const { return error_; }

private:
  static constexpr size_t kChunk = 64 << 10;
  static constexpr size_t kMaxQueued = size_t(1) << 30; // backpressure

  void reader() {
    Clock::time_point free = Clock::now();
    std::vector<char> buf(kChunk);
    for (;;) {
      waitReadable(from_, idle_, name_.c_str());
      ssize_t n = ::read(from_, buf.data(), buf.size());
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        throw std::runtime_error(name_ + ": read: " + errnoText());
      Clock::time_point now = Clock::now();
      if (n == 0) {
        push({{},
              std::max(now, free) +
                  std::chrono::duration_cast<Clock::duration>(
                      std::chrono::duration<double>(oneWay_))});
        return;
      }
      Clock::time_point start = std::max(now, free);
      free = start + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(8.0 * n / bps_));
      push({std::vector<char>(buf.begin(), buf.begin() + n),
            free + std::chrono::duration_cast<Clock::duration>(
                       std::chrono::duration<double>(oneWay_))});
    }
  }

  void writer() {
    for (;;) {
      Chunk c;
      {
        std::unique_lock<std::mutex> l(m_);
        cv_.wait(l, [&] { return !q_.empty(); });
        c = std::move(q_.front());
        q_.pop_front();
        queued_ -= c.bytes.size();
      }
      cv_.notify_all();
      sleepUntil(c.deliver);
      if (c.bytes.empty()) {
        ::shutdown(to_, SHUT_WR);
        return;
      }
      size_t off = 0;
      while (off < c.bytes.size()) {
        ssize_t n = ::write(to_, c.bytes.data() + off, c.bytes.size() - off);
        if (n < 0 && errno == EINTR)
          continue;
        if (n <= 0) {
          fail(name_ + ": write: " + errnoText());
          ::shutdown(from_, SHUT_RD);
          drain();
          return;
        }
        off += size_t(n);
      }
    }
  }

  /// After a write failure: discard the rest until the reader's end marker.
  void drain() {
    for (;;) {
      std::unique_lock<std::mutex> l(m_);
      cv_.wait(l, [&] { return !q_.empty(); });
      bool end = q_.front().bytes.empty();
      queued_ -= q_.front().bytes.size();
      q_.pop_front();
      cv_.notify_all();
      if (end)
        return;
    }
  }

  static void sleepUntil(Clock::time_point t) {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                  t.time_since_epoch())
                  .count();
    timespec ts{time_t(ns / 1000000000), long(ns % 1000000000)};
    // steady_clock is CLOCK_MONOTONIC on Linux/libstdc++.
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) ==
           EINTR) {
    }
  }

  void push(Chunk c) {
    std::unique_lock<std::mutex> l(m_);
    cv_.wait(l, [&] { return queued_ < kMaxQueued; });
    queued_ += c.bytes.size();
    q_.push_back(std::move(c));
    cv_.notify_all();
  }

  void fail(const std::string &e) {
    std::lock_guard<std::mutex> l(em_);
    if (error_.empty())
      error_ = e;
  }

  int from_, to_;
  double oneWay_, bps_, idle_;
  std::string name_;
  std::mutex m_, em_;
  std::condition_variable cv_;
  std::deque<Chunk> q_;
  size_t queued_ = 0;
  std::string error_;
};

int connectTo(const sockaddr_in &a, const std::string &what) {
  // The upstream may still be starting: retry for up to 30 s.
  auto deadline = Clock::now() + std::chrono::seconds(30);
  for (;;) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
      throw std::runtime_error("socket: " + errnoText());
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&a), sizeof a) == 0) {
      tune(fd);
      return fd;
    }
    int err = errno;
    ::close(fd);
    if (Clock::now() > deadline)
      throw std::runtime_error("cannot connect to " + what + ": " +
                               std::strerror(err));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"TCP relay emulating a link of given RTT and bandwidth "
               "(netem's delay RTT/2 rate BW) between two parties"};
  std::string listenText, connectText;
  double rttMs = 0, rateMbit = 0, idleS = 600;
  int connections = 1;
  app.add_option("--listen", listenText, "HOST:PORT to accept on")->required();
  app.add_option("--connect", connectText, "HOST:PORT to forward to")
      ->required();
  app.add_option("--rtt-ms", rttMs, "round-trip time in ms (one-way RTT/2)")
      ->required()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--rate-mbit", rateMbit, "bandwidth in Mbit/s per direction")
      ->required()
      ->check(CLI::PositiveNumber);
  app.add_option("--connections", connections, "connections to relay")
      ->check(CLI::Range(1, 64));
  app.add_option("--idle-timeout-s", idleS, "give up after this long idle")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  try {
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    Endpoint le = parseEndpoint(listenText, "--listen");
    Endpoint ce = parseEndpoint(connectText, "--connect");
    sockaddr_in la = toAddr(le, "--listen"), ca = toAddr(ce, "--connect");
    int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(lfd, reinterpret_cast<sockaddr *>(&la), sizeof la) < 0 ||
        ::listen(lfd, 16) < 0)
      throw std::runtime_error("cannot listen on " + listenText + ": " +
                               errnoText());
    std::fprintf(stderr, "netem-relay: %s -> %s, RTT %g ms, %g Mbit/s\n",
                 listenText.c_str(), connectText.c_str(), rttMs, rateMbit);
    std::vector<std::thread> threads;
    std::vector<std::unique_ptr<Direction>> dirs;
    for (int i = 0; i < connections; ++i) {
      waitReadable(lfd, idleS, "accept");
      int a = ::accept(lfd, nullptr, nullptr);
      if (a < 0)
        throw std::runtime_error("accept: " + errnoText());
      tune(a);
      int b = connectTo(ca, connectText);
      dirs.push_back(std::make_unique<Direction>(
          a, b, rttMs * 0.5e-3, rateMbit * 1e6, idleS, "to upstream"));
      dirs.push_back(std::make_unique<Direction>(
          b, a, rttMs * 0.5e-3, rateMbit * 1e6, idleS, "to downstream"));
      Direction *d0 = dirs[dirs.size() - 2].get(), *d1 = dirs.back().get();
      threads.emplace_back([d0] { d0->run(); });
      threads.emplace_back([d1] { d1->run(); });
    }
    for (auto &t : threads)
      t.join();
    int rc = 0;
    for (auto &d : dirs)
      if (!d->error().empty()) {
        std::fprintf(stderr, "netem-relay: %s\n", d->error().c_str());
        rc = 1;
      }
    return rc;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "netem-relay: %s\n", e.what());
    return 1;
  }
}
