#include "remote_hosts.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <sstream>
#include <stdexcept>
#include <utility>

#include "agent_protocol.hpp"
#include "child_process.hpp"
#include "live_servers.hpp"

namespace echo::bench {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// Kills what we started locally for a host (the program itself in a
// namespace; the ssh client otherwise) and reaps it.
void kill_and_reap(pid_t pid) {
  ::killpg(pid, SIGKILL);
  wait_for_exit(pid, 5000ms);
}

}  // namespace

std::string shell_quote(const std::string& word) {
  std::string quoted = "'";
  for (const char c : word) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::vector<std::string> RemoteHost::command(const std::vector<std::string>& argv) const {
  if (access_->kind == RemoteKind::netns) {
    std::vector<std::string> full = {"ip", "netns", "exec", name_};
    full.insert(full.end(), argv.begin(), argv.end());
    return full;
  }
  // BatchMode: never ask for a password (a missing key is an error, not a
  // hang). One control connection per host, kept for a minute after the
  // last use, so each case's commands do not each pay for a handshake.
  std::vector<std::string> full = {"ssh", "-T",
                                   "-o",  "BatchMode=yes",
                                   "-o",  "LogLevel=ERROR",
                                   "-o",  "ControlMaster=auto",
                                   "-o",  "ControlPersist=60",
                                   "-o",  "ControlPath=" + access_->control_dir + "/%C"};
  if (!access_->ssh_config.empty()) full.insert(full.end(), {"-F", access_->ssh_config});
  full.push_back(name_);
  std::string line;
  for (const std::string& word : argv) {
    if (!line.empty()) line += ' ';
    line += shell_quote(word);
  }
  full.push_back(line);
  return full;
}

CollectedProcess::CollectedProcess(const std::vector<std::string>& argv, bool with_input) {
  int in_fds[2] = {-1, -1};
  if (with_input) {
    if (::pipe2(in_fds, O_CLOEXEC) != 0) in_fds[0] = in_fds[1] = -1;
  } else {
    in_fds[0] = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  SpawnOptions options;
  options.stdin_fd = in_fds[0];
  try {
    if (in_fds[0] < 0) throw std::runtime_error("cannot open a standard input for " + argv[0]);
    pid_ = spawn_process(argv, out_.fd(), err_.fd(), options);
  } catch (...) {
    for (const int fd : in_fds) {
      if (fd >= 0) ::close(fd);
    }
    throw;
  }
  ::close(in_fds[0]);
  input_fd_ = in_fds[1];
  remember_leftovers(this, {pid_, {}});
}

CollectedProcess::~CollectedProcess() {
  forget_leftovers(this);
  if (input_fd_ >= 0) ::close(input_fd_);
  if (pid_ > 0 && !exited_) kill_and_reap(pid_);
}

std::optional<std::string> CollectedProcess::wait_for_error_line(
    const std::string& prefix, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    // Read before asking whether it exited: a line written just before the
    // exit still counts.
    std::istringstream lines(err_.text());
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(prefix, 0) == 0) return line;
    }
    if (exited_ || std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    exited_ = wait_for_exit(pid_, std::chrono::milliseconds(10));
  }
}

bool CollectedProcess::write_input(const std::string& line) {
  if (input_fd_ < 0) return false;
  const std::string text = line + "\n";
  ::signal(SIGPIPE, SIG_IGN);  // a reader that is gone is an error from write, not our death
  // A line this short goes into the pipe whole (PIPE_BUF).
  return ::write(input_fd_, text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

CommandOutput CollectedProcess::finish(std::chrono::milliseconds timeout) {
  CommandOutput output;
  if (input_fd_ >= 0) {  // end of input: nothing more will be said
    ::close(input_fd_);
    input_fd_ = -1;
  }
  output.status = exited_ ? exited_ : wait_for_exit(pid_, timeout);
  if (!output.status) kill_and_reap(pid_);
  pid_ = -1;
  forget_leftovers(this);  // reaped
  output.out = out_.text();
  output.err = trimmed(err_.text());
  return output;
}

CommandOutput run_on(const RemoteHost& host, const std::vector<std::string>& argv,
                     std::chrono::milliseconds timeout) {
  return CollectedProcess(host.command(argv)).finish(timeout);
}

CommandOutput run_here(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  return CollectedProcess(argv).finish(timeout);
}

RemoteTempDir::RemoteTempDir(const RemoteHost& host) : host_(host) {
  const CommandOutput made = run_on(host, {"mktemp", "-d", "/tmp/echo-bench.XXXXXX"});
  path_ = trimmed(made.out);
  if (!made.ok() || path_.empty()) {
    throw std::runtime_error("cannot make a temporary directory on " + host.name() + ": " +
                             made.err);
  }
  remember_leftovers(this, {-1, host.command({"rm", "-rf", path_})});
}

RemoteTempDir::~RemoteTempDir() {
  forget_leftovers(this);
  run_on(host_, {"rm", "-rf", path_});
}

AgentChannel::AgentChannel(const RemoteHost& host, const std::vector<std::string>& agent_argv,
                           std::chrono::milliseconds ready_timeout)
    : host_(host) {
  // Both ends close on exec, so no other child keeps the agent's input open.
  int in_pipe[2], out_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    ::close(in_pipe[0]);
    ::close(in_pipe[1]);
    throw std::runtime_error("pipe2 failed");
  }
  SpawnOptions options;
  options.stdin_fd = in_pipe[0];
  pid_ = spawn_process(host.command(agent_argv), out_pipe[1], err_.fd(), options);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  to_agent_ = in_pipe[1];
  from_agent_ = out_pipe[0];
  // Never killed on a signal: closing its input (our exit does) lets it stop its server.
  ::signal(SIGPIPE, SIG_IGN);  // a dead agent is an error from write, not our death
  std::string ready;
  try {
    ready = read_line(ready_timeout);
  } catch (const std::runtime_error&) {
    shut_down();
    throw;
  }
  try {
    port_ = agent::read_ready(ready);
  } catch (const std::runtime_error& error) {
    shut_down();
    throw std::runtime_error("on " + host.name() + ": " + error.what());
  }
}

AgentChannel::~AgentChannel() { shut_down(); }

void AgentChannel::shut_down() {
  if (to_agent_ >= 0) ::close(std::exchange(to_agent_, -1));
  if (from_agent_ >= 0) ::close(std::exchange(from_agent_, -1));
  if (pid_ > 0) {
    // The agent stops its server (SIGTERM, then SIGKILL after 2 s) and exits.
    if (!wait_for_exit(pid_, 5000ms)) kill_and_reap(pid_);
    pid_ = -1;
  }
}

std::string AgentChannel::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (const auto newline = buffered_.find('\n'); newline != std::string::npos) {
      std::string line = buffered_.substr(0, newline);
      buffered_.erase(0, newline + 1);
      return line;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd pfd{from_agent_, POLLIN, 0};
    char chunk[512];
    ssize_t n = -1;
    if (left.count() > 0 && ::poll(&pfd, 1, static_cast<int>(left.count())) > 0) {
      n = ::read(from_agent_, chunk, sizeof chunk);
    }
    if (n <= 0) {
      throw std::runtime_error(
          "the agent on " + host_.name() +
          (n == 0 ? " exited"
                  : " did not answer within " + std::to_string(timeout.count()) + " ms") +
          "; its stderr: " + trimmed(err_.text()));
    }
    buffered_.append(chunk, static_cast<std::size_t>(n));
  }
}

std::string AgentChannel::request(const std::string& line, std::chrono::milliseconds timeout) {
  const std::string text = line + "\n";
  if (::write(to_agent_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    throw std::runtime_error("the agent on " + host_.name() +
                             " is gone; its stderr: " + trimmed(err_.text()));
  }
  return read_line(timeout);
}

void close_control_connection(const RemoteHost& host, const RemoteAccess& access) {
  if (access.kind != RemoteKind::ssh) return;
  std::vector<std::string> argv = {"ssh", "-o", "ControlPath=" + access.control_dir + "/%C", "-O",
                                   "exit"};
  if (!access.ssh_config.empty()) argv.insert(argv.end(), {"-F", access.ssh_config});
  argv.push_back(host.name());
  run_here(argv, 5000ms);
}

}  // namespace echo::bench
