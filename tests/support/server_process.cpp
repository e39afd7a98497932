#include "server_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "child_process.hpp"
#include "proc_stat.hpp"

namespace echo::testing {
using bench::make_temp_file;
using bench::read_whole_file;
using bench::wait_for_exit;

std::string echo_server_path() { return ECHO_SERVER_PATH; }
std::string echo_load_path() { return ECHO_LOAD_PATH; }

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          const std::optional<std::string>& input) {
  const std::string out_path = make_temp_file();
  const std::string err_path = make_temp_file();
  const std::string in_path = input ? make_temp_file() : std::string();
  if (input) std::ofstream(in_path) << *input;
  const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CLOEXEC);
  const int in_fd = input ? ::open(in_path.c_str(), O_RDONLY | O_CLOEXEC) : -1;
  bench::SpawnOptions options;
  options.new_process_group = false;  // started the way a shell would
  options.stdin_fd = in_fd;
  const pid_t pid = bench::spawn_process(argv, out_fd, err_path, options);
  ::close(out_fd);
  if (in_fd >= 0) ::close(in_fd);
  if (input) std::filesystem::remove(in_path);
  std::optional<int> code = wait_for_exit(pid, timeout);
  if (!code) {
    ::kill(pid, SIGKILL);
    code = wait_for_exit(pid, 5s);
  }
  CommandResult result{code.value_or(-1), read_whole_file(out_path), read_whole_file(err_path)};
  std::filesystem::remove(out_path);
  std::filesystem::remove(err_path);
  return result;
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
