#include "shutdown_signals.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>

#include <cerrno>
#include <system_error>

namespace echo {

ShutdownSignals::ShutdownSignals() {
  sigset_t shutdown;
  sigemptyset(&shutdown);
  sigaddset(&shutdown, SIGINT);
  sigaddset(&shutdown, SIGTERM);
  sigset_t blocked = shutdown;
  sigaddset(&blocked, SIGCHLD);
  if (int rc = ::pthread_sigmask(SIG_BLOCK, &blocked, nullptr); rc != 0) {
    throw std::system_error(rc, std::generic_category(), "pthread_sigmask");
  }
  ::signal(SIGPIPE, SIG_IGN);
  fd_.reset(::signalfd(-1, &shutdown, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!fd_) throw std::system_error(errno, std::generic_category(), "signalfd");
}

void restore_default_signals() {
  ::signal(SIGPIPE, SIG_DFL);
  sigset_t empty;
  sigemptyset(&empty);
  ::pthread_sigmask(SIG_SETMASK, &empty, nullptr);
}

}  // namespace echo
