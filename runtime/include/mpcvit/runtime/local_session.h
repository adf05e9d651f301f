//===- local_session.h - One session as three local threads -----*- C++ -*-===//
//
// The one launcher of a whole session inside one process: dealer, server and
// client as three threads over loopback TCP (ephemeral ports), each formed
// by connectSessionRole (session_setup.h), i.e. exactly the topology,
// handshake and wire format of three separate processes. Used by the
// executables' `local` role (program.cpp), the GoogleTest harness
// (test/runtime) and the benchmark (bench/runtime).
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_LOCAL_SESSION_H
#define MPCVIT_RUNTIME_LOCAL_SESSION_H

#include "mpcvit/runtime/context.h"

#include <array>
#include <exception>
#include <functional>
#include <initializer_list>

namespace mpcvit::rt {

/// What each role runs once its session is formed.
using LocalRoleFn = std::function<void(Context &)>;

/// Each role's exception, indexed by role (server, client, dealer); null
/// where the role connected and `fn` returned.
using LocalErrors = std::array<std::exception_ptr, 3>;

/// Runs one session on three threads: each role connects with its own
/// config (cfgs[0] server, cfgs[1] client, cfgs[2] dealer: e.g. each with
/// its own TLS certificate) and then runs fn(ctx). A role that fails drops
/// its connections at once, so its peers fail fast instead of waiting for a
/// timeout; the contexts of roles that succeeded stay open until all three
/// threads are done. Returns every role's exception (none is thrown).
LocalErrors runLocalSession(const std::array<SessionConfig, 3> &cfgs,
                            const LocalRoleFn &fn);
/// Same with one config for all three roles.
LocalErrors runLocalSession(const SessionConfig &cfg, const LocalRoleFn &fn);

/// Rethrows the first exception in `errs`, looking at the roles in `order`
/// (default server, client, dealer); returns when there is none.
void rethrowFirst(const LocalErrors &errs,
                  std::initializer_list<Role> order = {
                      Role::Server, Role::Client, Role::Dealer});

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_LOCAL_SESSION_H
