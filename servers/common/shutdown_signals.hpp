#pragma once
// How the server learns it must stop. SIGINT and SIGTERM are blocked in every
// thread and received synchronously by one watcher thread with sigwait(), so
// Server::stop() runs as ordinary code, never inside a signal handler.

#include <functional>
#include <thread>

namespace echo {

/// Call first thing in main(), before any thread exists, so every thread
/// inherits the mask: blocks SIGINT, SIGTERM and SIGCHLD (fork-per-connection
/// reads SIGCHLD through a signalfd) and ignores SIGPIPE (a write to a closed
/// connection then fails with EPIPE instead of killing the server).
void block_shutdown_signals();

/// Restores the default disposition and an empty mask: for forked children.
void restore_default_signals();

/// Owns the thread that waits for SIGINT/SIGTERM and then calls `on_signal`
/// once. The destructor ends and joins the thread whether or not a signal came.
class ShutdownSignalWatcher {
 public:
  explicit ShutdownSignalWatcher(std::function<void()> on_signal);
  ~ShutdownSignalWatcher();
  ShutdownSignalWatcher(const ShutdownSignalWatcher&) = delete;
  ShutdownSignalWatcher& operator=(const ShutdownSignalWatcher&) = delete;

 private:
  std::thread thread_;
};

}  // namespace echo
