#pragma once
// The parent's side of the process models (fork-per-connection, prefork):
// learning that children exited, reaping them, and stopping them all within
// the contract's 2 s. Only the main thread, which forks, calls these.

#include <sys/types.h>

#include <unordered_set>

#include "unique_fd.hpp"

namespace echo {

/// A non-blocking signalfd for SIGCHLD (blocked in every thread by
/// block_shutdown_signals()), so exits arrive as a readable descriptor.
UniqueFd sigchld_fd();

/// Drains `sigchld` and reaps every exited child, removing it from
/// `children`. Several exits can share one SIGCHLD, so it reaps until none
/// is left.
void reap_exited_children(int sigchld, std::unordered_set<pid_t>& children);

/// SIGTERM to every child, up to 1 s for them to exit, then SIGKILL for any
/// still there (stopped with SIGSTOP, or stuck), and reaps them all.
void terminate_children(std::unordered_set<pid_t>& children);

}  // namespace echo
