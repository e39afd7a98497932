#include "process_exit_cost.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <vector>

namespace echo::testing {

std::chrono::duration<double> time_to_end_idle_processes(int count) {
  std::vector<pid_t> children;
  children.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      for (;;) ::pause();  // SIGTERM's default action ends it
    }
    if (pid < 0) {
      for (const pid_t child : children) ::kill(child, SIGKILL);
      for (const pid_t child : children) ::waitpid(child, nullptr, 0);
      throw std::runtime_error("fork failed while measuring the cost of ending processes");
    }
    children.push_back(pid);
  }
  const auto start = std::chrono::steady_clock::now();
  for (const pid_t child : children) ::kill(child, SIGTERM);
  for (const pid_t child : children) {
    while (::waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  return std::chrono::steady_clock::now() - start;
}

}  // namespace echo::testing
