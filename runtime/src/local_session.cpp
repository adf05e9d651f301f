//===- local_session.cpp - One session as three local threads -------------===//
#include "mpcvit/runtime/local_session.h"

#include <memory>
#include <thread>

namespace mpcvit::rt {

LocalErrors runLocalSession(const std::array<SessionConfig, 3> &cfgs,
                            const LocalRoleFn &fn) {
  Listener dealerL("127.0.0.1", 0), serverL("127.0.0.1", 0);
  LocalErrors err;
  std::array<std::unique_ptr<Context>, 3> done;
  auto body = [&](int role) {
    try {
      std::unique_ptr<Context> ctx =
          connectSessionRole(role, cfgs[role], dealerL, serverL);
      fn(*ctx);
      done[role] = std::move(ctx); // closed after every role is done
    } catch (...) {
      err[role] = std::current_exception();
    }
  };
  std::thread th[3] = {std::thread(body, 0), std::thread(body, 1),
                       std::thread(body, 2)};
  for (auto &t : th)
    t.join();
  return err;
}

LocalErrors runLocalSession(const SessionConfig &cfg, const LocalRoleFn &fn) {
  return runLocalSession(std::array<SessionConfig, 3>{cfg, cfg, cfg}, fn);
}

void rethrowFirst(const LocalErrors &errs, std::initializer_list<Role> order) {
  for (Role r : order)
    if (errs[size_t(r)])
      std::rethrow_exception(errs[size_t(r)]);
}

} // namespace mpcvit::rt
