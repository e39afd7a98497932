#include "child_processes.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <system_error>
#include <thread>

#include "shutdown_signals.hpp"

namespace echo {

// How long children get to exit after SIGTERM before SIGKILL.
constexpr auto kTermGrace = std::chrono::milliseconds(1000);

UniqueFd sigchld_fd() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  UniqueFd fd(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!fd) throw std::system_error(errno, std::generic_category(), "signalfd");
  return fd;
}

void reap_exited_children(int sigchld, std::unordered_set<pid_t>& children) {
  signalfd_siginfo info;
  while (::read(sigchld, &info, sizeof info) > 0) {
  }
  pid_t pid;
  while ((pid = ::waitpid(-1, nullptr, WNOHANG)) > 0) children.erase(pid);
}

SimulatedWork become_child(pid_t parent, std::initializer_list<int> inherited,
                           const SimulatedWork& work) {
  for (const int fd : inherited) ::close(fd);
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) ::_exit(0);  // the parent died before prctl
  restore_default_signals();
  SimulatedWork own = work;
  own.stop_fd = -1;
  return own;
}

void terminate_children(std::unordered_set<pid_t>& children) {
  for (const pid_t pid : children) ::kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + kTermGrace;
  while (!children.empty() && std::chrono::steady_clock::now() < deadline) {
    pid_t pid;
    while ((pid = ::waitpid(-1, nullptr, WNOHANG)) > 0) children.erase(pid);
    if (!children.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (const pid_t pid : children) ::kill(pid, SIGKILL);
  for (const pid_t pid : children) {
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  children.clear();
}

}  // namespace echo
