#include "live_servers.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "child_process.hpp"
#include "cpu_cgroup.hpp"

namespace echo::bench {
namespace {

std::mutex& registry_mutex() {
  static std::mutex mutex;
  return mutex;
}

std::map<pid_t, std::string>& registry() {  // the servers' process groups, and cgroups
  static std::map<pid_t, std::string> groups;
  return groups;
}

std::map<const void*, Leftovers>& leftovers() {
  static std::map<const void*, Leftovers> owned;
  return owned;
}

std::atomic<bool> watching{false};
std::thread watcher;

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

[[noreturn]] void stop_everything(int signal) {
  std::lock_guard lock(registry_mutex());
  for (const auto& [group, cgroup] : registry()) {
    ::killpg(group, SIGKILL);
    ::waitpid(group, nullptr, 0);  // the leader is our child
  }
  for (const auto& [group, cgroup] : registry()) {
    if (!cgroup.empty()) remove_cgroup(cgroup);
  }
  for (const auto& [owner, left] : leftovers()) {
    if (left.group > 0) {
      ::killpg(left.group, SIGKILL);
      ::waitpid(left.group, nullptr, 0);
    }
  }
  for (const auto& [owner, left] : leftovers()) {
    if (left.command.empty()) continue;
    const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    try {
      const pid_t pid = spawn_process(left.command, null_fd, null_fd, {});
      if (!wait_for_exit(pid, std::chrono::seconds(10))) ::killpg(pid, SIGKILL);
    } catch (const std::exception&) {  // fork failed: nothing more to do on the way out
    }
    ::close(null_fd);
  }
  std::fprintf(stderr, "echo-bench: stopped by signal %d; stopped %zu server(s)\n", signal,
               registry().size());
  std::fflush(stderr);
  ::_exit(128 + signal);
}

}  // namespace

void remember_server(pid_t group, const std::string& cgroup) {
  std::lock_guard lock(registry_mutex());
  registry()[group] = cgroup;
}

void forget_server(pid_t group) {
  std::lock_guard lock(registry_mutex());
  registry().erase(group);
}

void remember_leftovers(const void* owner, Leftovers left) {
  std::lock_guard lock(registry_mutex());
  leftovers()[owner] = std::move(left);
}

void forget_leftovers(const void* owner) {
  std::lock_guard lock(registry_mutex());
  leftovers().erase(owner);
}

SignalCleanup::SignalCleanup() {
  const sigset_t set = stop_signals();
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
  watching = true;
  watcher = std::thread([set] {
    const timespec tick{0, 100'000'000};  // to notice the destructor
    while (watching) {
      const int signal = ::sigtimedwait(&set, nullptr, &tick);
      if (signal > 0) stop_everything(signal);
    }
  });
}

SignalCleanup::~SignalCleanup() {
  watching = false;
  watcher.join();
}

}  // namespace echo::bench
