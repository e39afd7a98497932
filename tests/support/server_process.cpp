#include "server_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <stdexcept>

#include "child_process.hpp"
#include "proc_stat.hpp"

namespace echo::testing {
using bench::CapturedOutput;
using bench::wait_for_exit;

std::string echo_server_path() { return ECHO_SERVER_PATH; }
std::string echo_load_path() { return ECHO_LOAD_PATH; }

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          const std::optional<std::string>& input) {
  const CapturedOutput out;
  const CapturedOutput err;
  const CapturedOutput in;
  if (input &&
      ::pwrite(in.fd(), input->data(), input->size(), 0) != static_cast<ssize_t>(input->size())) {
    throw std::runtime_error("cannot write the command's input");
  }
  bench::SpawnOptions options;
  options.new_process_group = false;        // started the way a shell would
  options.stdin_fd = input ? in.fd() : -1;  // read from its start: the offset is still 0
  const pid_t pid = bench::spawn_process(argv, out.fd(), err.fd(), options);
  std::optional<int> code = wait_for_exit(pid, timeout);
  if (!code) {
    ::kill(pid, SIGKILL);
    code = wait_for_exit(pid, 5s);
  }
  return CommandResult{code.value_or(-1), out.text(), err.text()};
}

namespace {
bench::LaunchedServer start_echo_server(const std::vector<std::string>& args,
                                        const ServerProcess::Options& options) {
  std::vector<std::string> argv{echo_server_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  bench::LaunchOptions launch;
  launch.ready_timeout = options.ready_timeout;
  if (options.max_fds) launch.max_fds = static_cast<unsigned>(*options.max_fds);
  launch.own_process_group = false;  // started the way a shell or harness would
  return bench::LaunchedServer::start(argv, launch);
}
}  // namespace

ServerProcess::ServerProcess(const std::vector<std::string>& args, const Options& options)
    : server_(start_echo_server(args, options)) {}

ServerProcess::~ServerProcess() { server_.stop(std::chrono::milliseconds(0)); }

void ServerProcess::send_signal(int signal_number) const { ::kill(pid(), signal_number); }

std::optional<int> ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
  return server_.wait_exit(timeout);
}

int zombie_children(pid_t pid) {
  int zombies = 0;
  for (const pid_t child : child_pids(pid)) {
    const auto stat = bench::read_proc_stat(child);
    if (stat && stat->state == 'Z') ++zombies;
  }
  return zombies;
}

int thread_count(pid_t pid) {
  const auto stat = bench::read_proc_stat(pid);
  return stat ? static_cast<int>(stat->threads) : 0;
}

double cpu_seconds(pid_t pid) {
  const auto stat = bench::read_proc_stat(pid);
  return stat ? stat->cpu_s : 0;
}

}  // namespace echo::testing
