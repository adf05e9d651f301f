//===- context.cpp - A party's session, as the protocols see it -----------===//
#include "mpcvit/runtime/context.h"

#include <thread>

namespace mpcvit::rt {

Context::Context(Role r, SessionConfig cfg)
    : role_(r), cfg_(std::move(cfg)), chan_(r == Role::Dealer), corr_(r, cfg_) {
  FixedPoint check(cfg_.fracBits); // validates the range
  (void)check;
}
Context::~Context() = default;

int Context::gemmThreads() const {
  if (cfg_.gemmThreads > 0)
    return cfg_.gemmThreads;
  unsigned h = std::thread::hardware_concurrency();
  return h ? int(h) : 1;
}

void Context::abortConnections() {
  chan_.abort();
  corr_.abort();
}

} // namespace mpcvit::rt
