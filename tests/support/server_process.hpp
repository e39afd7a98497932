#pragma once
// Runs echo-server (or any program) as a child process of the test, the way a
// harness or a user would: fork+exec, wait for the ready line on standard
// output, signal it, wait for its exit. Standard error goes to a temporary
// file, so a chatty child can never block on a full pipe. The starting and
// waiting is the harness's (bench/launched_server); this adds what tests
// ask of a server: signals, its children, threads and CPU.

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "launched_server.hpp"
#include "proc_stat.hpp"

namespace echo::testing {

using namespace std::chrono_literals;

/// Paths of the binaries under test (set by CMake).
std::string echo_server_path();
std::string echo_load_path();

struct CommandResult {
  int exit_code = -1;  ///< exit status, or 128 + signal number
  std::string out;
  std::string err;
};

/// Runs a command to completion (killed after `timeout`) and captures output;
/// `input`, if given, is its standard input (otherwise it shares ours).
CommandResult run_command(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = 20s,
                          const std::optional<std::string>& input = std::nullopt);

class ServerProcess {
 public:
  struct Options {
    std::optional<rlim_t> max_fds;  ///< RLIMIT_NOFILE for the child
    std::chrono::milliseconds ready_timeout = 20s;
  };

  /// Starts `echo-server ARGS...` and waits for "listening on HOST:PORT".
  /// Throws std::runtime_error (with the server's stderr) if it does not come.
  explicit ServerProcess(const std::vector<std::string>& args) : ServerProcess(args, Options{}) {}
  ServerProcess(const std::vector<std::string>& args, const Options& options);
  ~ServerProcess();  ///< SIGKILLs and reaps the server if it is still running
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  [[nodiscard]] std::uint16_t port() const { return server_.port(); }
  [[nodiscard]] pid_t pid() const { return server_.pid(); }
  void send_signal(int signal_number) const;

  /// Exit status (or 128 + signal) once it exits, nullopt after `timeout`.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

  /// What the server wrote to standard error so far.
  [[nodiscard]] std::string error_output() const { return server_.error_output(); }

 private:
  bench::LaunchedServer server_;
};

using bench::child_pids;  // the direct children of a PID

/// How many children of `pid` are zombies (exited, not yet reaped).
int zombie_children(pid_t pid);

/// Number of threads of process `pid`.
int thread_count(pid_t pid);

/// User + system CPU seconds consumed so far by process `pid` itself.
double cpu_seconds(pid_t pid);

}  // namespace echo::testing
