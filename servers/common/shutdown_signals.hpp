#pragma once
// How the server learns it must stop: SIGINT and SIGTERM are blocked in every
// thread and arrive instead as a readable file descriptor (signalfd). Each
// model waits on that descriptor the way it waits on its sockets, in the same
// poll()/epoll/Asio loop, so stopping needs no signal handler and no extra
// thread (a second thread would also make glibc wrap every system call of a
// single-threaded model in cancellation bookkeeping).

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

/// Restores the default disposition and an empty mask: for forked children.
void restore_default_signals();

}  // namespace echo
