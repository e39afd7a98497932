#pragma once
// How the server learns it must stop: SIGINT and SIGTERM are blocked in every
// thread and arrive instead as a readable file descriptor (signalfd). Each
// model waits on that descriptor the way it waits on its sockets, in the same
// poll()/epoll/Asio loop, so stopping needs no signal handler and no extra
// thread (a second thread would also make glibc wrap every system call of a
// single-threaded model in cancellation bookkeeping).

#include <poll.h>

#include "echo/unique_fd.hpp"

namespace echo {

class ShutdownSignals {
 public:
  /// Call first thing in main(), before any thread exists, so every thread
  /// inherits the mask. Blocks SIGINT, SIGTERM and SIGCHLD (which
  /// fork-per-connection reads through a signalfd of its own) and ignores
  /// SIGPIPE, so a write to a closed connection fails with EPIPE instead of
  /// killing the server.
  ShutdownSignals();

  /// Readable once SIGINT or SIGTERM has arrived, and it stays readable
  /// (nobody reads the signal), so every loop and thread that polls it sees it.
  [[nodiscard]] int fd() const noexcept { return fd_.get(); }

 private:
  UniqueFd fd_;
};

/// True once the signal has arrived, without waiting: for loops that do
/// long work between two waits (prefork forking thousands of children,
/// simulated work). -1: no descriptor, never.
inline bool shutdown_requested(int shutdown_fd) {
  if (shutdown_fd < 0) return false;
  pollfd pfd{shutdown_fd, POLLIN, 0};
  return ::poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN) != 0;
}

/// Restores the default disposition and an empty mask: for forked children.
void restore_default_signals();

}  // namespace echo
