#pragma once
// Starting and reaping child processes: the one place that does fork/exec,
// shared by the benchmark harness (LaunchedServer) and the tests.

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "echo/unique_fd.hpp"

namespace echo::bench {

struct SpawnOptions {
  bool new_process_group = true;    ///< so the whole tree can be measured and killed
  std::vector<int> cpus;            ///< pin to these CPUs (empty: no pinning)
  std::optional<unsigned> max_fds;  ///< RLIMIT_NOFILE for the child
  int stdin_fd = -1;                ///< the child's standard input (-1: ours)
  /// Sent to the child when the thread that spawned it exits, or the whole
  /// process dies, even by SIGKILL (PR_SET_PDEATHSIG; 0: none). Spawn from a
  /// thread that lives as long as the child should (the main thread here).
  int parent_death_signal = SIGTERM;
  /// A cgroup's cgroup.procs, open for writing (-1: none): the child joins
  /// that group before anything else, so everything it starts is in it too.
  /// A child that cannot join exits with status 126 instead of running
  /// unmeasured.
  int join_cgroup_fd = -1;
};

/// fork + exec `argv` (searching PATH) with standard output on `stdout_fd`
/// and standard error on `stderr_fd`, no signal blocked
/// and SIGPIPE at its default. Between fork and
/// exec the child makes only async-signal-safe calls, so the caller may have
/// threads. Throws std::runtime_error if fork fails; exec failure makes the
/// child exit with status 127.
pid_t spawn_process(const std::vector<std::string>& argv, int stdout_fd, int stderr_fd,
                    const SpawnOptions& options);

/// Waits up to `timeout` for child `pid` to exit. Returns its exit status,
/// or 128 + the signal that killed it; nullopt if it is still running.
std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout);

/// What a child writes to one of its outputs, kept in a file without a name
/// (O_TMPFILE): the kernel frees it with the last descriptor, so nothing is
/// left in the temporary directory even when echo-bench is SIGKILLed.
class CapturedOutput {
 public:
  CapturedOutput();  ///< throws std::runtime_error if no file can be made
  /// The descriptor to hand to spawn_process (it stays ours).
  [[nodiscard]] int fd() const noexcept { return fd_.get(); }
  /// Everything written so far.
  [[nodiscard]] std::string text() const;

 private:
  UniqueFd fd_;
};

}  // namespace echo::bench
