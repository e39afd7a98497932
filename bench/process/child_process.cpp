#include "child_process.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace echo::bench {
namespace {

// Writes our own PID to a cgroup.procs; async-signal-safe (no allocation,
// no stdio), for the child between fork and exec.
bool join_cgroup(int procs_fd) {
  char digits[24];
  char* at = digits + sizeof digits;
  for (auto pid = static_cast<unsigned long>(::getpid()); at == digits + sizeof digits || pid > 0;
       pid /= 10) {
    *--at = static_cast<char>('0' + pid % 10);
  }
  const auto length = static_cast<std::size_t>(digits + sizeof digits - at);
  return ::write(procs_fd, at, length) == static_cast<ssize_t>(length);
}

}  // namespace

pid_t spawn_process(const std::vector<std::string>& argv, int stdout_fd, int stderr_fd,
                    const SpawnOptions& options) {
  // Everything the child needs is prepared before fork.
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  for (const int cpu : options.cpus) CPU_SET(cpu, &cpus);
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid == 0) {
    if (options.join_cgroup_fd >= 0 && !join_cgroup(options.join_cgroup_fd)) {
      static const char message[] = "echo-bench: cannot join the server's cgroup\n";
      (void)!::write(stderr_fd, message, sizeof message - 1);
      ::_exit(126);
    }
    // A program starts with nothing blocked and SIGPIPE at its default,
    // whatever the spawning thread had (echo-bench blocks SIGINT, SIGTERM
    // and SIGHUP for its clean-up, and ignores SIGPIPE): both survive exec,
    // and a server that cannot see SIGTERM cannot stop.
    sigset_t nothing;
    ::sigemptyset(&nothing);
    ::pthread_sigmask(SIG_SETMASK, &nothing, nullptr);  // the only thread, after fork
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &default_action, nullptr);
    // If we die, even by SIGKILL, the child is told to stop (and a server
    // then stops its own children, as on any SIGTERM). Checked against a
    // parent that died before this line.
    if (options.parent_death_signal != 0) {
      ::prctl(PR_SET_PDEATHSIG, options.parent_death_signal);
      if (::getppid() != parent) ::_exit(127);
    }
    if (options.new_process_group) ::setpgid(0, 0);
    if (options.stdin_fd >= 0) ::dup2(options.stdin_fd, STDIN_FILENO);
    ::dup2(stdout_fd, STDOUT_FILENO);
    ::dup2(stderr_fd, STDERR_FILENO);
    if (!options.cpus.empty()) ::sched_setaffinity(0, sizeof cpus, &cpus);
    if (options.max_fds) {
      const rlimit limit{*options.max_fds, *options.max_fds};
      ::setrlimit(RLIMIT_NOFILE, &limit);
    }
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  if (pid < 0) throw std::runtime_error("fork failed");
  // Also from the parent, so a kill of the group right after this cannot
  // race the child's own setpgid.
  if (options.new_process_group) ::setpgid(pid, pid);
  return pid;
}

std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (done < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

CapturedOutput::CapturedOutput() {
  const std::string directory = std::filesystem::temp_directory_path().string();
  fd_.reset(::open(directory.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!fd_) {  // a filesystem without O_TMPFILE: a named file, unlinked at once
    std::string path = directory + "/echo-models-XXXXXX";  // mkstemp fills in the X's
    fd_.reset(::mkostemp(path.data(), O_CLOEXEC));
    if (!fd_) throw std::runtime_error("cannot create a temporary file in " + directory);
    ::unlink(path.c_str());
  }
}

std::string CapturedOutput::text() const {
  std::string text;
  char chunk[4096];
  for (off_t at = 0;;) {
    const ssize_t n = ::pread(fd_.get(), chunk, sizeof chunk, at);
    if (n <= 0) break;
    text.append(chunk, static_cast<std::size_t>(n));
    at += n;
  }
  return text;
}

}  // namespace echo::bench
