//===- lockstep.h - Independent protocol sequences in lock-step -*- C++ -*-===//
//
// runLockstep runs independent protocol sequences (the branches of an
// `mpc.parallel` op: heads of different kinds in one attention layer, token
// groups, ...) so that their rounds overlap (PROTOCOLS.md, "Rounds of
// independent ops"). Emitted programs call it as
//
//   Shared v51, v56;
//   runLockstep(ctx, {
//       [&] { Shared v44 = ...; ...; v51 = std::move(v50); },
//       [&] { Shared v52 = ...; ...; v56 = std::move(v55); }});
//
// Mechanism. Each branch runs on its own thread, created per call; the
// calling thread is the scheduler. Every online communication goes through
// PartyChannel's one step (party_channel.h); on a branch thread that step
// is handed to the scheduler instead of the socket. The scheduler works in
// sweeps: it releases every live branch, the branches compute concurrently
// until each has posted its next step (or finished), then it performs ONE
// combined communication for all posted steps in branch order, hands each
// branch its part of the reply, and starts the next sweep; finished
// branches drop out. Branches share no mutable state: each has its own
// correlated randomness (below), and kernels keep none of their own
// (ThreadSanitizer-clean on the lock-step tests).
//
// Wire format of a combined step: this party sends the concatenation, in
// branch order, of the outgoing bytes of the posted steps that send, and
// receives exactly the sum of the incoming sizes of the posted steps that
// receive, split in branch order. Some step sends and some receives: one
// Channel::exchange; only sends: one send; only receives: one receive (the
// flags decide, not the sizes, so zero-byte messages behave as alone).
// Protocols are aligned (a send on one party is a receive on the other in
// the same step of the same branch), so both parties agree on every
// combined message.
//
// Correlated randomness. Each branch draws its own: at the start of the
// call every role forks, per branch, PRG streams seeded from the current
// ones (CorrelatedRandomness::forkBranches; the PRZS stream likewise,
// PartyChannel::forkPrzs) and a party takes one segment of its bundle per
// branch (u64 length + bytes, which the dealer appends when the branches
// are done). So what a branch draws does not depend on how branches
// interleave. This matters: the dealer runs kernels that return before
// their online steps (mmul_sp, FSS protocols, ...), so its branches yield
// at other points than the parties'. The messages do not depend on timing
// either: a combined step is composed in branch order once every live
// branch has posted or finished.
//
// Nesting. A branch may call runLockstep itself: the inner scheduler runs
// on the branch's thread and its combined step goes through PartyChannel,
// i.e. to the outer scheduler as one step of that branch.
//
// Cost (rt::lockstep_cost, session.h): rounds = max over the branches of
// each branch's own rounds (each combined message is one round on the
// channel counters, CommStats::rounds); online payload bytes and dealer
// bytes = the sums over the branches, plus 8 dealer bytes per branch per
// party (the segment lengths). Frames: one 16-byte header per
// combined message instead of one per step.
//
// Security: nothing new is revealed. The messages are exactly those of the
// branches run alone, concatenated; the correlated randomness is the same
// (fresh per step, never shared between branches: each branch's streams
// are seeded by independent PRG output).
//
// Errors: if a branch throws (TransportError, ProtocolError, anything) or
// the combined communication throws, the call aborts: the branches still
// waiting are woken and unwind (with an internal exception
// that is not a std::exception), every thread is joined and the exception
// of the lowest-numbered failing branch (or of the combined step) is
// rethrown to the caller with its original type. A combined
// step whose peer disagrees on the sizes fails like any step
// (TransportError naming "lock-step round: <the branches' steps>").
// Branches must not catch everything and go on communicating after an
// abort (their next step throws again).
//
// An empty branch list is a no-op; a single branch runs inline on the
// calling thread. Local compute (GEMM threads, gemm.h) may be used freely
// inside a branch.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_LOCKSTEP_H
#define MPCVIT_RUNTIME_LOCKSTEP_H

#include "mpcvit/runtime/context.h"

#include <functional>
#include <vector>

namespace mpcvit::rt {

/// Runs `branches` (independent protocol sequences on `ctx`) in lock-step:
/// one combined message per party per round. Returns when all are done;
/// rethrows the first branch or transport failure (see file comment).
void runLockstep(Context &ctx,
                 const std::vector<std::function<void()>> &branches);

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_LOCKSTEP_H
