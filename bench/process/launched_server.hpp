#pragma once
// A server under test, started as its own process in its own process group,
// so the harness can measure everything it does (forked children included)
// and stop exactly what it started. The one way this project starts a
// server and waits for its ready line: echo-bench and the tests
// (tests/support/server_process) both use it.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "cpu_cgroup.hpp"
#include "process_group_usage.hpp"

namespace echo::bench {

struct LaunchOptions {
  std::chrono::milliseconds ready_timeout{10000};
  std::vector<int> cpus;            ///< pin the server to these CPUs (empty: no pinning)
  std::optional<unsigned> max_fds;  ///< raise (or lower) RLIMIT_NOFILE for it
  /// In a process group of its own (the harness), or in ours, as a shell
  /// would start it (the tests, which check what the server does to its own
  /// children).
  bool own_process_group = true;
  /// Count its CPU in a cgroup of its own (cpu_cgroup.hpp) where this
  /// machine allows; false: always from /proc (what the tests compare).
  bool cpu_cgroup = true;
  /// start_command: the port the command always listens on (0: a free port,
  /// given to it as {port}).
  std::uint16_t port = 0;
  /// Shell words the server runs under (echo-bench --server-prefix), e.g.
  /// "valgrind --tool=callgrind"; they must exec the server in the same
  /// process group, as wrappers do.
  std::string prefix;
};

/// `text` with every `placeholder` ("{port}", "{case}") replaced by `value`:
/// how command templates are filled in.
std::string fill_in(std::string text, const std::string& placeholder, const std::string& value);

/// A server that never became ready: it exited, printed no ready line, or
/// never accepted. Known after the first attempt, so echo-bench fails the
/// case's remaining repetitions with it instead of trying each one again.
class ServerStartError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class LaunchedServer {
 public:
  /// Runs `argv` (echo-server or anything printing the same ready line) and
  /// waits for "listening on HOST:PORT". Throws ServerStartError naming the
  /// reason (and quoting the server's stderr) if it exits or stays silent.
  static LaunchedServer start(const std::vector<std::string>& argv, const LaunchOptions& options);

  /// Runs a shell command in which "{port}" stands for a free port (or
  /// options.port, for a server that always listens there), for servers
  /// without a ready line; ready once that port is in LISTEN.
  static LaunchedServer start_command(const std::string& command_template,
                                      const LaunchOptions& options);

  LaunchedServer(LaunchedServer&& other) noexcept;
  LaunchedServer& operator=(LaunchedServer&&) = delete;
  LaunchedServer(const LaunchedServer&) = delete;
  ~LaunchedServer();  ///< kills the group if stop() was not called

  [[nodiscard]] pid_t pid() const { return pid_; }  ///< also the process group id
  [[nodiscard]] std::uint16_t port() const { return port_; }

  /// SIGTERM to the server (the leader, which stops its own children; under
  /// a wrapper that forks it, such as perf stat, the process that listens,
  /// so the wrapper can report before it exits), then SIGKILL to the group
  /// after `grace`, or, while the leader still has children, once a whole
  /// `grace` passes in which none of them ended (ending thousands of
  /// processes takes the kernel a while; that is progress, not a hang).
  /// Returns the leader's exit status (128 + signal if killed), or nullopt
  /// if it needed SIGKILL; called again, the same answer.
  std::optional<int> stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));

  /// Waits up to `timeout` for the server to exit by itself; its exit status
  /// (128 + signal if killed), or nullopt if it is still running.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

  /// What the server wrote to standard error.
  [[nodiscard]] std::string error_output() const;

  /// What it costs now (process_group_usage.hpp), with its CPU time from its
  /// cgroup when it has one.
  [[nodiscard]] ProcessGroupUsage usage() const;
  /// "cgroup-cpuacct" or "proc": where usage() takes the CPU time from.
  [[nodiscard]] const char* cpu_accounting() const { return cgroup_ ? "cgroup-cpuacct" : "proc"; }
  /// Its cgroup's directory; empty without one.
  [[nodiscard]] std::string cgroup_path() const { return cgroup_ ? cgroup_->path() : ""; }

 private:
  LaunchedServer(pid_t pid, std::unique_ptr<CapturedOutput> stderr_file,
                 std::unique_ptr<CpuCgroup> cgroup, bool own_group)
      : pid_(pid),
        stderr_(std::move(stderr_file)),
        cgroup_(std::move(cgroup)),
        own_group_(own_group) {}

  /// Under a --server-prefix wrapper: the listening process nearest the
  /// leader, which SIGTERM goes to (found once the server is ready).
  void find_wrapped_server();

  pid_t pid_ = -1;
  pid_t server_pid_ = -1;  // what stop() sends SIGTERM to: the leader, or the wrapped server
  std::uint16_t port_ = 0;
  std::unique_ptr<CapturedOutput> stderr_;  // what it wrote to standard error
  std::unique_ptr<CpuCgroup> cgroup_;       // null: CPU from /proc; removed after the server
  bool own_group_ = true;
  bool stopped_ = false;
  std::optional<int> exit_status_;  // once wait_exit() has reaped it
};

/// "0,1" or "0-3" -> CPU numbers; throws std::invalid_argument.
std::vector<int> parse_cpu_list(const std::string& text);

}  // namespace echo::bench
