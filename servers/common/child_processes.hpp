#pragma once
// The parent's side of the process models (fork-per-connection, prefork):
// learning that children exited, reaping them, and stopping them all within
// the contract's 2 s. Only the main thread, which forks, calls these.

#include <sys/types.h>

#include <initializer_list>
#include <unordered_set>

#include "echo/unique_fd.hpp"
#include "simulated_work.hpp"

namespace echo {

/// A non-blocking signalfd for SIGCHLD (blocked in every thread by
/// block_shutdown_signals()), so exits arrive as a readable descriptor.
UniqueFd sigchld_fd();

/// Drains `sigchld` and reaps every exited child, removing it from
/// `children`. Several exits can share one SIGCHLD, so it reaps until none
/// is left.
void reap_exited_children(int sigchld, std::unordered_set<pid_t>& children);

/// In a child just forked by `parent`'s main thread: closes `inherited` (the
/// parent's descriptors the child must not hold), makes the child die with
/// the parent (PR_SET_PDEATHSIG; it follows the thread that forked, so only
/// the main thread may fork), exits at once if the parent is already gone,
/// and restores default signal handling so that SIGTERM ends the child.
/// Returns the simulated work the child should do: the parent's, without
/// the shutdown descriptor (closed here; SIGTERM itself ends its work).
SimulatedWork become_child(pid_t parent, std::initializer_list<int> inherited,
                           const SimulatedWork& work);

/// SIGTERM to every child, up to 1 s for them to exit, then SIGKILL for any
/// still there (stopped with SIGSTOP, or stuck), and reaps them all.
void terminate_children(std::unordered_set<pid_t>& children);

}  // namespace echo
