#include "launched_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <limits>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "child_process.hpp"
#include "echo/socket_ops.hpp"
#include "live_servers.hpp"
#include "port_listeners.hpp"
#include "proc_stat.hpp"

namespace echo::bench {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

SpawnOptions spawn_options(const LaunchOptions& options, const CpuCgroup* cgroup) {
  SpawnOptions spawn;
  spawn.cpus = options.cpus;
  spawn.max_fds = options.max_fds;
  spawn.new_process_group = options.own_process_group;
  if (cgroup) spawn.join_cgroup_fd = cgroup->procs_fd();
  return spawn;
}

// A cgroup for the server's CPU time, where asked for and possible (where
// not, usage() reads /proc instead).
std::unique_ptr<CpuCgroup> cgroup_for(const LaunchOptions& options) {
  return options.cpu_cgroup ? CpuCgroup::make() : nullptr;
}

// The first of `listeners` that is not in process group `group`, if any.
std::optional<pid_t> outside_group(const std::vector<pid_t>& listeners, pid_t group) {
  for (const pid_t pid : listeners) {
    const std::optional<ProcStat> stat = read_proc_stat(pid);
    if (stat && stat->process_group != group) return pid;
  }
  return std::nullopt;
}

// SIGKILLs `pid` if it descends from `ancestor` (echo-bench ends only what
// it started): a daemon that left the group but still has the leader above
// it.
void end_if_descendant(pid_t pid, pid_t ancestor) {
  for (pid_t at = pid; at > 1;) {
    const std::optional<ProcStat> stat = read_proc_stat(at);
    if (!stat) return;
    if (stat->parent == ancestor) {
      ::kill(pid, SIGKILL);
      return;
    }
    at = stat->parent;
  }
}

}  // namespace

std::vector<int> parse_cpu_list(const std::string& text) {
  std::vector<int> cpus;
  std::stringstream items(text);
  for (std::string item; std::getline(items, item, ',');) {
    const auto dash = item.find('-');
    try {
      const int first = std::stoi(item.substr(0, dash));
      const int last = dash == std::string::npos ? first : std::stoi(item.substr(dash + 1));
      if (first < 0 || last < first || last >= CPU_SETSIZE) throw std::invalid_argument(item);
      for (int cpu = first; cpu <= last; ++cpu) cpus.push_back(cpu);
    } catch (const std::logic_error&) {
      throw std::invalid_argument("bad CPU list '" + text + "' (expected e.g. 0,1 or 0-3)");
    }
  }
  return cpus;
}

std::string fill_in(std::string text, const std::string& placeholder, const std::string& value) {
  for (auto at = text.find(placeholder); at != std::string::npos;
       at = text.find(placeholder, at + value.size())) {
    text.replace(at, placeholder.size(), value);
  }
  return text;
}

LaunchedServer LaunchedServer::start(const std::vector<std::string>& argv,
                                     const LaunchOptions& options) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  auto stderr_file = std::make_unique<CapturedOutput>();
  const int stderr_fd = stderr_file->fd();
  auto cgroup = cgroup_for(options);
  std::vector<std::string> command = argv;
  if (!options.prefix.empty()) {  // the shell splits the prefix; argv stays as it is
    command = {"/bin/sh", "-c", "exec " + options.prefix + " \"$@\"", "sh"};
    command.insert(command.end(), argv.begin(), argv.end());
  }
  const pid_t pid =
      spawn_process(command, pipe_fds[1], stderr_fd, spawn_options(options, cgroup.get()));
  LaunchedServer server(pid, std::move(stderr_file), std::move(cgroup), options.own_process_group);
  remember_server(server.pid_, server.cgroup_ ? server.cgroup_->path() : "");
  ::close(pipe_fds[1]);

  static const std::regex ready("^listening on (\\S+):(\\d+)\n");
  std::string out;
  std::smatch match;
  const auto deadline = Clock::now() + options.ready_timeout;
  while (!std::regex_search(out, match, ready)) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd pfd{pipe_fds[0], POLLIN, 0};
    char chunk[256];
    ssize_t n = -1;
    if (left.count() > 0 && ::poll(&pfd, 1, static_cast<int>(left.count())) > 0) {
      n = ::read(pipe_fds[0], chunk, sizeof chunk);
    }
    if (n <= 0) {
      ::close(pipe_fds[0]);
      const std::string why = n == 0 ? "exited before printing its ready line"
                                     : "printed no ready line within " +
                                           std::to_string(options.ready_timeout.count()) + " ms";
      server.stop(100ms);
      throw ServerStartError(argv[0] + " " + why + "; stderr: " + server.error_output());
    }
    out.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);  // the server writes nothing else to stdout
  server.port_ = static_cast<std::uint16_t>(std::stoi(match[2].str()));
  if (!options.prefix.empty()) server.find_wrapped_server();
  return server;
}

LaunchedServer LaunchedServer::start_command(const std::string& command_template,
                                             const LaunchOptions& options) {
  std::uint16_t port = options.port;
  if (port == 0) {
    const UniqueFd probe = listen_tcp("127.0.0.1", 0);
    port = local_endpoint(probe.get()).port;
  } else if (!listening_sockets(port).empty()) {
    // Its LISTEN would be indistinguishable from the server's own.
    throw ServerStartError("'" + command_template + "' listens on port " + std::to_string(port) +
                           ", which something else already listens on");
  }
  const std::string command = fill_in(command_template, "{port}", std::to_string(port));
  auto stderr_file = std::make_unique<CapturedOutput>();
  const int stderr_fd = stderr_file->fd();
  const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  auto cgroup = cgroup_for(options);
  const std::string prefix = options.prefix.empty() ? "" : options.prefix + " ";
  const pid_t pid = spawn_process({"/bin/sh", "-c", "exec " + prefix + command}, null_fd, stderr_fd,
                                  spawn_options(options, cgroup.get()));
  LaunchedServer server(pid, std::move(stderr_file), std::move(cgroup), options.own_process_group);
  remember_server(server.pid_, server.cgroup_ ? server.cgroup_->path() : "");
  ::close(null_fd);
  server.port_ = port;
  // Ready when the port is in LISTEN while the shell's process is still
  // alive, and the listener is in the group we measure and stop. A command
  // that daemonises (setsid, a double fork) leaves that group: its CPU and
  // memory would read as zero and it would outlive us, so a listener outside
  // the group, or a port that listens after the leader exited, is an error.
  // The port is never probed by connecting (see port_listeners.hpp).
  const auto deadline = Clock::now() + options.ready_timeout;
  std::optional<Clock::time_point> leader_gone;
  std::optional<int> status;  // the leader's, once it has exited (and been reaped)
  for (;;) {
    const std::vector<pid_t> listeners = processes_holding(listening_sockets(port));
    const bool listening = !listeners.empty();
    if (!status) status = wait_for_exit(server.pid_, 0ms);
    const std::optional<pid_t> outsider =
        status || !server.own_group_ ? std::nullopt : outside_group(listeners, server.pid_);
    if (listening && !status && !outsider) {
      if (!options.prefix.empty()) server.find_wrapped_server();
      return server;
    }
    std::string why;
    if (outsider) {
      why = "started process " + std::to_string(*outsider) + ", which listens on port " +
            std::to_string(port) +
            " outside the server's process group (daemonised?), so echo-bench can neither "
            "measure nor stop it; run it in the foreground";
      end_if_descendant(*outsider, server.pid_);
    } else if (listening) {
      why = "exited (status " + std::to_string(*status) +
            ") while something kept listening on port " + std::to_string(port) +
            ": the server left its process group (daemonised?), so echo-bench can neither measure "
            "nor stop it; run it in the foreground";
    } else if (status && !leader_gone) {
      leader_gone = Clock::now();  // a daemon may still be starting: look a little longer
    } else if (status && Clock::now() - *leader_gone > 1s) {
      why = "exited with status " + std::to_string(*status) + " without listening on port " +
            std::to_string(port);
    } else if (Clock::now() >= deadline) {
      why = "did not listen on port " + std::to_string(port);
    }
    if (!why.empty()) {
      if (server.own_group_) ::killpg(server.pid_, SIGKILL);  // whatever did stay in the group
      if (status) server.stopped_ = true;                     // already reaped
      server.stop(100ms);
      std::string message = "'";
      message.append(command).append("' ").append(why).append("; stderr: ");
      message.append(server.error_output());
      throw ServerStartError(message);
    }
    std::this_thread::sleep_for(10ms);
  }
}

LaunchedServer::LaunchedServer(LaunchedServer&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      server_pid_(other.server_pid_),
      port_(other.port_),
      stderr_(std::move(other.stderr_)),
      cgroup_(std::move(other.cgroup_)),
      own_group_(other.own_group_),
      stopped_(std::exchange(other.stopped_, true)),
      exit_status_(other.exit_status_) {}

LaunchedServer::~LaunchedServer() {
  if (pid_ > 0 && !stopped_) stop(0ms);
  if (pid_ > 0) forget_server(pid_);
}

void LaunchedServer::find_wrapped_server() {
  // The listener fewest parent steps below the leader: the leader itself
  // when the wrapper exec'd the server (taskset, valgrind), its child when
  // the wrapper forked it (perf stat). A UDP server does not listen: the
  // leader, then.
  int nearest = std::numeric_limits<int>::max();
  for (const pid_t listener : processes_holding(listening_sockets(port_))) {
    int steps = 0;
    pid_t at = listener;
    while (at != pid_ && at > 1 && steps < nearest) {
      const auto stat = read_proc_stat(at);
      at = stat ? stat->parent : 0;
      ++steps;
    }
    if (at == pid_ && steps < nearest) {
      nearest = steps;
      server_pid_ = listener;
    }
  }
}

std::optional<int> LaunchedServer::stop(std::chrono::milliseconds grace) {
  if (stopped_) return exit_status_;  // stopped before: the same answer
  stopped_ = true;
  // The server (the leader, or the process a wrapper forked): it stops its
  // own children, and a wrapper reports when it has exited.
  ::kill(server_pid_ > 0 ? server_pid_ : pid_, SIGTERM);
  std::optional<int> status = wait_for_exit(pid_, grace);
  // A server ending thousands of children takes as long as the kernel takes
  // to end them (docs/cli.md: the grace comes on top of that). While the
  // leader still has live children and each grace period ends some of them
  // (a zombie has ended, reaped or not), it is making progress, not
  // hanging: wait another period.
  const auto live_children = [this] {
    const std::vector<pid_t> children = child_pids(pid_);
    return static_cast<std::size_t>(
        std::count_if(children.begin(), children.end(), [](pid_t child) {
          const std::optional<ProcStat> stat = read_proc_stat(child);
          return stat && stat->state != 'Z';
        }));
  };
  for (std::size_t left = status ? 0 : live_children(); !status && left > 0;) {
    status = wait_for_exit(pid_, grace);
    const std::size_t now = status ? 0 : live_children();
    if (!status && now >= left) break;  // no child ended in a whole grace period
    left = now;
  }
  // Whatever is left of the group we made (a server that leaves children
  // behind, or one that ignored SIGTERM) is killed.
  if (own_group_) {
    ::killpg(pid_, SIGKILL);
  } else if (!status) {
    ::kill(pid_, SIGKILL);
  }
  if (!status) wait_for_exit(pid_, 5000ms);
  exit_status_ = status;
  return status;
}

std::optional<int> LaunchedServer::wait_exit(std::chrono::milliseconds timeout) {
  if (exit_status_ || stopped_) return exit_status_;
  exit_status_ = wait_for_exit(pid_, timeout);
  if (exit_status_) {
    stopped_ = true;                          // reaped: nothing left to stop
    if (own_group_) ::killpg(pid_, SIGKILL);  // but what it left in its group
  }
  return exit_status_;
}

ProcessGroupUsage LaunchedServer::usage() const {
  ProcessGroupUsage usage = sample_process_group(pid_);
  if (cgroup_) usage.cpu_s = cgroup_->cpu_s();
  return usage;
}

std::string LaunchedServer::error_output() const { return stderr_ ? stderr_->text() : ""; }

}  // namespace echo::bench
