//===- lockstep.cpp - Independent protocol sequences in lock-step ---------===//
#include "mpcvit/runtime/lockstep.h"

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace mpcvit::rt {

namespace {
/// Unwinds a branch thread when its runLockstep call aborts. Not a
/// std::exception, so a branch's `catch (const std::exception &)` does not
/// swallow it.
struct LockstepAbort {};

constexpr const char *kWhatPrefix = "lock-step round: ";
} // namespace

namespace detail {

/// One runLockstep call with at least two branches (lockstep.h). Each
/// sweep the scheduler releases every live branch (`go`); the branches run
/// concurrently until each has posted its next step or finished, then the
/// scheduler performs the combined step (all branches wait meanwhile).
class LockstepScheduler {
public:
  LockstepScheduler(PartyChannel &ch, CorrelatedRandomness &corr, size_t n)
      : chan_(ch), corr_(corr), slots_(n) {
    for (size_t i = 0; i < n; ++i) {
      slots_[i].owner = this;
      slots_[i].index = i;
    }
  }

  void run(const std::vector<std::function<void()>> &branches);

private:
  enum class State { Running, Posted, Done };

  struct Slot final : PartyChannel::StepRouter {
    LockstepScheduler *owner = nullptr;
    size_t index = 0;
    std::condition_variable cv; // go || aborting_
    bool go = false;            // released by the scheduler
    State state = State::Running;
    PartyChannel::Step step; // valid while Posted (the branch is blocked)
    std::vector<uint8_t> reply;
    std::exception_ptr error;
    // The branch's own correlated randomness (forked in run()).
    CorrelatedRandomness::BranchStreams *streams = nullptr;
    std::optional<Prg> przs;
    std::vector<uint8_t> route(const PartyChannel::Step &s) override {
      return owner->post(index, s);
    }
    Prg *przsStream() override { return przs ? &*przs : nullptr; }
  };

  /// Branch thread `i`: wait to be released, run, report.
  void branchMain(size_t i, const std::function<void()> &fn);
  /// Called on branch thread `i` for each of its steps: posts it and waits
  /// to be released with the reply (or throws LockstepAbort).
  std::vector<uint8_t> post(size_t i, const PartyChannel::Step &s);
  /// Blocks branch `i` until the scheduler releases it (lk held).
  void awaitGo(std::unique_lock<std::mutex> &lk, Slot &s);
  /// Scheduler: release every live branch and wait until each has posted
  /// or finished (lk held).
  void sweep(std::unique_lock<std::mutex> &lk);
  /// Scheduler: the one combined communication of the posted steps.
  void combinedStep(const std::vector<size_t> &posted);
  /// Scheduler: unwind every branch not yet done.
  void abortAll();

  PartyChannel &chan_;
  CorrelatedRandomness &corr_;
  std::vector<Slot> slots_;
  std::mutex mu_;
  std::condition_variable schedCv_; // a branch posted or finished
  bool aborting_ = false;
};

void LockstepScheduler::branchMain(size_t i, const std::function<void()> &fn) {
  Slot &s = slots_[i];
  PartyChannel::ThreadRoute prev = PartyChannel::setThreadRoute({&chan_, &s});
  CorrelatedRandomness::BranchStreams *prevStreams =
      corr_.enterBranch(s.streams);
  std::exception_ptr err;
  try {
    {
      std::unique_lock<std::mutex> lk(mu_);
      awaitGo(lk, s);
    }
    fn();
  } catch (const LockstepAbort &) {
  } catch (...) {
    err = std::current_exception();
  }
  PartyChannel::setThreadRoute(prev);
  corr_.enterBranch(prevStreams);
  std::lock_guard<std::mutex> lk(mu_);
  s.state = State::Done;
  s.error = err;
  schedCv_.notify_one();
}

void LockstepScheduler::awaitGo(std::unique_lock<std::mutex> &lk, Slot &s) {
  s.cv.wait(lk, [&] { return s.go || aborting_; });
  if (aborting_)
    throw LockstepAbort{};
  s.go = false;
}

std::vector<uint8_t> LockstepScheduler::post(size_t i,
                                             const PartyChannel::Step &st) {
  Slot &s = slots_[i];
  std::unique_lock<std::mutex> lk(mu_);
  if (aborting_) // a branch that swallowed the abort and went on
    throw LockstepAbort{};
  s.step = st;
  s.state = State::Posted;
  s.reply.clear();
  schedCv_.notify_one();
  awaitGo(lk, s);
  return std::move(s.reply);
}

void LockstepScheduler::sweep(std::unique_lock<std::mutex> &lk) {
  for (Slot &s : slots_)
    if (s.state != State::Done) {
      s.state = State::Running; // set here, so the wait below sees it
      s.go = true;
      s.cv.notify_one();
    }
  schedCv_.wait(lk, [&] {
    for (const Slot &s : slots_)
      if (s.state == State::Running)
        return false;
    return true;
  });
}

void LockstepScheduler::combinedStep(const std::vector<size_t> &posted) {
  PartyChannel::Step c;
  std::vector<uint8_t> out;
  std::string what = kWhatPrefix;
  size_t outSize = 0;
  for (size_t i : posted)
    if (slots_[i].step.send)
      outSize += slots_[i].step.outSize;
  out.reserve(outSize);
  for (size_t k = 0; k < posted.size(); ++k) {
    const PartyChannel::Step &s = slots_[posted[k]].step;
    if (s.send) {
      c.send = true;
      out.insert(out.end(), s.out, s.out + s.outSize);
    }
    if (s.recv) {
      c.recv = true;
      c.inSize += s.inSize;
    }
    if (k)
      what += " | ";
    const std::string &w = s.what ? *s.what : std::string();
    if (w.rfind(kWhatPrefix, 0) == 0) // a nested lock-step round
      what += "(" + w.substr(std::string(kWhatPrefix).size()) + ")";
    else
      what += w;
  }
  c.out = out.data();
  c.outSize = out.size();
  c.what = &what;
  std::vector<uint8_t> got;
  if (c.send || c.recv)
    got = chan_.step(c);
  if (got.size() != (c.recv ? c.inSize : 0))
    throw ProtocolError(what + ": got " + std::to_string(got.size()) +
                        " bytes, expected " + std::to_string(c.inSize));
  size_t off = 0;
  for (size_t i : posted) {
    Slot &s = slots_[i];
    if (s.step.recv) {
      s.reply.assign(got.begin() + std::ptrdiff_t(off),
                     got.begin() + std::ptrdiff_t(off + s.step.inSize));
      off += s.step.inSize;
    }
  }
}

void LockstepScheduler::abortAll() {
  std::unique_lock<std::mutex> lk(mu_);
  aborting_ = true; // every waiting branch throws LockstepAbort
  for (Slot &s : slots_)
    s.cv.notify_one();
  schedCv_.wait(lk, [&] {
    for (const Slot &s : slots_)
      if (s.state != State::Done)
        return false;
    return true;
  });
}

void LockstepScheduler::run(
    const std::vector<std::function<void()>> &branches) {
  // Each branch draws its own correlated randomness, so what it draws does
  // not depend on the interleaving (the dealer skips online steps).
  auto streams = corr_.forkBranches(branches.size());
  auto przs = chan_.forkPrzs(branches.size());
  for (size_t i = 0; i < slots_.size(); ++i) {
    slots_[i].streams = streams[i].get();
    slots_[i].przs = std::move(przs[i]);
  }
  std::vector<std::thread> threads;
  threads.reserve(branches.size());
  std::exception_ptr first;
  try {
    for (size_t i = 0; i < branches.size(); ++i)
      threads.emplace_back(
          [this, i, &branches] { branchMain(i, branches[i]); });
  } catch (...) { // could not start a thread: the others never ran
    first = std::current_exception();
    std::lock_guard<std::mutex> lk(mu_);
    for (size_t i = threads.size(); i < slots_.size(); ++i)
      slots_[i].state = State::Done;
  }
  try {
    while (!first) {
      // One sweep: every live branch runs to its next step (or its end),
      // concurrently; then they are collected in branch order.
      std::vector<size_t> posted;
      {
        std::unique_lock<std::mutex> lk(mu_);
        sweep(lk);
        for (size_t i = 0; i < slots_.size() && !first; ++i) {
          if (slots_[i].error)
            first = slots_[i].error;
          else if (slots_[i].state == State::Posted)
            posted.push_back(i);
        }
      }
      if (first || posted.empty())
        break;
      combinedStep(posted); // branches are all blocked: no lock needed
    }
  } catch (...) {
    if (!first)
      first = std::current_exception();
  }
  if (first)
    abortAll();
  for (auto &t : threads)
    t.join();
  // The dealer records its branches' material even on failure, so that the
  // parties' bundle keeps its layout and they fail with the branch's own
  // error rather than a short bundle.
  if (!first || chan_.onDealer())
    corr_.joinBranches(streams);
  if (first)
    std::rethrow_exception(first);
}

} // namespace detail

void runLockstep(Context &ctx,
                 const std::vector<std::function<void()>> &branches) {
  if (branches.empty())
    return;
  if (branches.size() == 1) {
    branches[0]();
    return;
  }
  detail::LockstepScheduler(ctx.channel(), ctx.correlated(), branches.size())
      .run(branches);
}

} // namespace mpcvit::rt
