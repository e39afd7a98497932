#include "server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "child_process.hpp"

namespace echo::testing {
namespace {

using Clock = std::chrono::steady_clock;
using bench::make_temp_file;
using bench::read_whole_file;
using bench::wait_for_exit;

pid_t spawn(const std::vector<std::string>& argv, int stdout_fd, const std::string& stderr_path,
            std::optional<rlim_t> max_fds) {
  bench::SpawnOptions options;
  options.new_process_group = false;  // started the way a shell or harness would
  if (max_fds) options.max_fds = static_cast<unsigned>(*max_fds);
  return bench::spawn_process(argv, stdout_fd, stderr_path, options);
}

}  // namespace

std::string echo_server_path() { return ECHO_SERVER_PATH; }
std::string echo_load_path() { return ECHO_LOAD_PATH; }

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  const std::string out_path = make_temp_file();
  const std::string err_path = make_temp_file();
  const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CLOEXEC);
  const pid_t pid = spawn(argv, out_fd, err_path, std::nullopt);
  ::close(out_fd);
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

ServerProcess::ServerProcess(const std::vector<std::string>& args, const Options& options)
    : stderr_path_(make_temp_file()) {
  std::vector<std::string> argv{echo_server_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  stdout_fd_ = pipe_fds[0];
  pid_ = spawn(argv, pipe_fds[1], stderr_path_, options.max_fds);
  ::close(pipe_fds[1]);

  // Read standard output until the ready line is complete.
  std::string out;
  const auto deadline = Clock::now() + options.ready_timeout;
  static const std::regex ready("^listening on (\\S+):(\\d+)\n");
  std::smatch match;
  while (!std::regex_search(out, match, ready)) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd pfd{stdout_fd_, POLLIN, 0};
    char chunk[256];
    ssize_t n = 0;
    if (left.count() > 0 && ::poll(&pfd, 1, static_cast<int>(left.count())) > 0) {
      n = ::read(stdout_fd_, chunk, sizeof chunk);
    }
    if (n <= 0) {
      ::kill(pid_, SIGKILL);
      wait_exit(5s);
      throw std::runtime_error("echo-server printed no ready line; stdout: '" + out +
                               "'; stderr: '" + error_output() + "'");
    }
    out.append(chunk, static_cast<std::size_t>(n));
  }
  port_ = static_cast<std::uint16_t>(std::stoi(match[2].str()));
}

ServerProcess::~ServerProcess() {
  if (!reaped_) {
    ::kill(pid_, SIGKILL);
    wait_exit(10s);
  }
  ::close(stdout_fd_);
  std::filesystem::remove(stderr_path_);
}

void ServerProcess::send_signal(int signal_number) const { ::kill(pid_, signal_number); }

std::optional<int> ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
  std::optional<int> code = wait_for_exit(pid_, timeout);
  if (code) reaped_ = true;
  return code;
}

std::string ServerProcess::error_output() const { return read_whole_file(stderr_path_); }

std::vector<pid_t> child_pids(pid_t pid) {
  std::vector<pid_t> children;
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
    std::ifstream in(task.path() / "children");
    pid_t child;
    while (in >> child) children.push_back(child);
  }
  return children;
}

namespace {
// Fields of /proc/PID/stat after the parenthesised command name.
std::vector<std::string> stat_fields(pid_t pid) {
  const std::string stat = read_whole_file("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::vector<std::string> fields;
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}
}  // namespace

int zombie_children(pid_t pid) {
  int zombies = 0;
  for (const pid_t child : child_pids(pid)) {
    const auto fields = stat_fields(child);
    if (!fields.empty() && fields[0] == "Z") ++zombies;
  }
  return zombies;
}

int thread_count(pid_t pid) {
  const auto fields = stat_fields(pid);
  return fields.size() > 17 ? std::stoi(fields[17]) : 0;  // field 20: num_threads
}

double cpu_seconds(pid_t pid) {
  const auto fields = stat_fields(pid);
  if (fields.size() < 13) return 0;
  const double ticks = std::stod(fields[11]) + std::stod(fields[12]);  // utime + stime
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace echo::testing
