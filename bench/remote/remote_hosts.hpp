#pragma once
// Running programs on other hosts, for echo-bench --remote. A host is
// reached by prefixing the command: `ip netns exec NS` for a network
// namespace on this machine (tools/netns-lab), or `ssh` for a real machine
// (BatchMode, one multiplexed control connection per host). Everything else
// is the same code path.
//
// Who cleans up what: CollectedProcess kills the local end (ssh, or the program
// itself in a namespace) if it is dropped early; RemoteTempDir removes its
// directory on the host; AgentChannel closes the agent's input, which makes
// the agent (host_agent.hpp) stop its server, on every exit path, including
// echo-bench being killed (the pipe closes with the process). The first two
// also register with live_servers.hpp, so SIGINT, SIGTERM and SIGHUP do the
// same (SIGKILL cannot: a load host's echo-load then ends with its window).

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace echo::bench {

enum class RemoteKind { netns, ssh };

/// How hosts are reached, shared by every RemoteHost of a run.
struct RemoteAccess {
  RemoteKind kind = RemoteKind::netns;
  std::string ssh_config;   ///< ssh -F FILE (empty: the user's own)
  std::string control_dir;  ///< where ssh keeps its control sockets
};

/// "'it''s'" quoting for a POSIX shell: what ssh hands the remote shell.
std::string shell_quote(const std::string& word);

class RemoteHost {
 public:
  RemoteHost(std::string name, const RemoteAccess* access)
      : name_(std::move(name)), access_(access) {}
  [[nodiscard]] const std::string& name() const { return name_; }
  /// The local command that runs `argv` on this host.
  [[nodiscard]] std::vector<std::string> command(const std::vector<std::string>& argv) const;

 private:
  std::string name_;
  const RemoteAccess* access_;
};

struct CommandOutput {
  std::optional<int> status;  ///< nullopt: killed at the timeout
  std::string out;
  std::string err;
  [[nodiscard]] bool ok() const { return status == 0; }
};

/// A local command (ssh, ip netns exec, ...) whose standard output and error
/// are collected in temporary files; killed with its process group if
/// dropped before it finished.
class CollectedProcess {
 public:
  /// `with_input`: its standard input is a pipe that write_input() feeds
  /// (otherwise /dev/null).
  explicit CollectedProcess(const std::vector<std::string>& argv, bool with_input = false);
  CollectedProcess(const CollectedProcess&) = delete;  // registered by address (live_servers)
  CollectedProcess& operator=(const CollectedProcess&) = delete;
  ~CollectedProcess();
  /// Waits up to `timeout` for a line starting with `prefix` on its standard
  /// error; the line, or nullopt if it exited (or the time ran out) first.
  std::optional<std::string> wait_for_error_line(const std::string& prefix,
                                                 std::chrono::milliseconds timeout);
  /// Writes `line` and a newline to its standard input; false if it is gone.
  bool write_input(const std::string& line);
  /// Waits for it to exit (killing it after `timeout`) and returns what it said.
  CommandOutput finish(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int input_fd_ = -1;
  std::optional<int> exited_;  // reaped while waiting for a line
  CapturedOutput out_, err_;   // what it writes, kept until finish()
};

/// Starts `argv` on `host`.
inline std::unique_ptr<CollectedProcess> start_on(const RemoteHost& host,
                                                  const std::vector<std::string>& argv,
                                                  bool with_input = false) {
  return std::make_unique<CollectedProcess>(host.command(argv), with_input);
}

/// Runs `argv` here, or on `host`, to completion.
CommandOutput run_here(const std::vector<std::string>& argv,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30));
CommandOutput run_on(const RemoteHost& host, const std::vector<std::string>& argv,
                     std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// A directory made with mktemp on a host, removed with it.
class RemoteTempDir {
 public:
  explicit RemoteTempDir(const RemoteHost& host);  ///< throws std::runtime_error
  RemoteTempDir(const RemoteTempDir&) = delete;
  RemoteTempDir& operator=(const RemoteTempDir&) = delete;
  ~RemoteTempDir();
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  const RemoteHost& host_;
  std::string path_;
};

/// The local end of an echo-bench-agent on a host (protocol in
/// host_agent.hpp).
class AgentChannel {
 public:
  /// Starts the agent and waits for its ready line; throws
  /// std::runtime_error with the agent's reason if it does not come.
  AgentChannel(const RemoteHost& host, const std::vector<std::string>& agent_argv,
               std::chrono::milliseconds ready_timeout = std::chrono::seconds(15));
  AgentChannel(const AgentChannel&) = delete;
  AgentChannel& operator=(const AgentChannel&) = delete;
  ~AgentChannel();  ///< end of input: the agent stops its server and exits

  [[nodiscard]] std::uint16_t port() const { return port_; }
  /// Sends one request line and returns the answer line; throws
  /// std::runtime_error if the agent is gone or silent past `timeout`.
  std::string request(const std::string& line,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  std::string read_line(std::chrono::milliseconds timeout);
  void shut_down();  ///< close its input, wait for it (kill after 5 s)

  const RemoteHost& host_;
  pid_t pid_ = -1;
  int to_agent_ = -1, from_agent_ = -1;
  CapturedOutput err_;
  std::string buffered_;
  std::uint16_t port_ = 0;
};

/// `ssh -O exit` for a host's control connection (ssh only; a no-op for
/// namespaces).
void close_control_connection(const RemoteHost& host, const RemoteAccess& access);

}  // namespace echo::bench
