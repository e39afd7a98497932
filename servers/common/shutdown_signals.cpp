#include "shutdown_signals.hpp"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <system_error>

namespace echo {
namespace {

sigset_t shutdown_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// Set by the destructor before it wakes the watcher with its own SIGTERM, so
// that wake-up is not mistaken for a request to stop.
std::atomic<bool> watcher_retiring{false};

}  // namespace

void block_shutdown_signals() {
  sigset_t set = shutdown_set();
  sigaddset(&set, SIGCHLD);
  if (int rc = ::pthread_sigmask(SIG_BLOCK, &set, nullptr); rc != 0) {
    throw std::system_error(rc, std::generic_category(), "pthread_sigmask");
  }
  ::signal(SIGPIPE, SIG_IGN);
}

void restore_default_signals() {
  ::signal(SIGPIPE, SIG_DFL);
  sigset_t empty;
  sigemptyset(&empty);
  ::pthread_sigmask(SIG_SETMASK, &empty, nullptr);
}

ShutdownSignalWatcher::ShutdownSignalWatcher(std::function<void()> on_signal) {
  watcher_retiring.store(false);
  thread_ = std::thread([on_signal = std::move(on_signal)] {
    const sigset_t set = shutdown_set();
    int signal_number = 0;
    while (::sigwait(&set, &signal_number) != 0) {
    }
    if (!watcher_retiring.load()) on_signal();
  });
}

ShutdownSignalWatcher::~ShutdownSignalWatcher() {
  watcher_retiring.store(true);
  // Harmless if the watcher already returned: the thread still exists until
  // joined, and the signal stays blocked and pending in no other thread.
  ::pthread_kill(thread_.native_handle(), SIGTERM);
  thread_.join();
}

}  // namespace echo
