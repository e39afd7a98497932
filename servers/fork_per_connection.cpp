// fork-per-connection: the classic Unix server (inetd, early Apache, sshd).
//
// The main thread accepts; every accepted connection gets its own child
// process, which runs the same blocking echo loop as thread-per-connection and
// exits. Children share nothing, so a crash or a leak in one cannot touch the
// others; the price is a fork (page tables copied, a new process scheduled) per
// connection and a whole process of memory per client.
//
// Process hygiene, each step on purpose:
// - The parent closes its copy of the accepted socket; the child closes the
//   listener and the parent's other descriptors.
// - The parent learns of exited children through a signalfd for SIGCHLD and
//   reaps them with a waitpid(WNOHANG) loop, so no zombie accumulates.
// - Children die with the parent (PR_SET_PDEATHSIG) even if it is SIGKILLed.
//   The death signal follows the *thread* that forked, so only the main
//   thread, which lives as long as the server, ever forks.
// - On stop, the parent sends every child SIGTERM and reaps each one.
// - --max-connections bounds the live children (default 1024: a fork per
//   client must have a ceiling); more clients wait in the listen backlog
//   until one exits. --idle-timeout and --write-timeout are socket options
//   the child sets once on its connection.

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

#include "common/accept_backoff.hpp"
#include "common/blocking_echo.hpp"
#include "common/child_processes.hpp"
#include "common/connection_defences.hpp"
#include "common/log.hpp"
#include "echo/socket_ops.hpp"
#include "model_registry.hpp"

namespace echo {
namespace {

// Without --max-connections: enough for any benchmark here, and a ceiling on
// what a flood of connections can fork.
constexpr unsigned kDefaultMaxChildren = 1024;

class ForkPerConnectionServer final : public Server {
 public:
  explicit ForkPerConnectionServer(const ServerConfig& config)
      : config_(config),
        defences_(Defences::from(config)),
        limit_(config.max_connections ? config.max_connections : kDefaultMaxChildren,
               "not forking until a child exits; new clients wait in the backlog"),
        sigchld_(sigchld_fd()) {}

  std::uint16_t start() override {
    listener_ = listen_tcp(config_.host, config_.port);
    return local_endpoint(listener_.get()).port;
  }

  void run(int shutdown_fd) override {
    shutdown_fd_ = shutdown_fd;
    bool backing_off = false;
    for (;;) {
      const bool can_accept = !backing_off && !limit_.reached(children_.size());
      pollfd fds[] = {{can_accept ? listener_.get() : -1, POLLIN, 0},
                      {sigchld_.get(), POLLIN, 0},
                      {shutdown_fd, POLLIN, 0}};
      const int ready = ::poll(fds, 3, backing_off ? kAcceptBackoffMs : -1);
      backing_off = false;
      if (ready < 0) continue;  // EINTR
      if (fds[2].revents != 0) break;
      if (fds[1].revents != 0) reap_exited_children(sigchld_.get(), children_);
      if (fds[0].revents != 0) backing_off = !accept_one();
    }
    terminate_children(children_);
  }

 private:
  // Returns false when the server should back off (no fds, or fork failed).
  bool accept_one() {
    AcceptResult result = accept_connection(listener_.get(), /*nonblocking=*/false);
    if (result.status == AcceptStatus::out_of_fds) {
      log_accept_backoff();
      return false;
    }
    if (result.status == AcceptStatus::nothing_ready) return true;

    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) serve_in_child(result.fd.get(), parent);  // never returns
    if (pid < 0) {
      log_warning("fork failed, dropping connection: " + error_text(errno));
      return false;
    }
    children_.insert(pid);
    return true;  // result.fd closes the parent's copy of the socket here
  }

  // Runs in the child, a copy of the parent in which only this thread exists.
  // It touches nothing but the connection and exits with _exit, so no parent
  // destructor or atexit handler runs twice.
  [[noreturn]] void serve_in_child(int connection_fd, pid_t parent) {
    const SimulatedWork work =
        become_child(parent, {listener_.get(), sigchld_.get(), shutdown_fd_}, config_.work);
    set_socket_timeouts(connection_fd, defences_);
    echo_until_closed(connection_fd, work);
    ::_exit(0);
  }

  ServerConfig config_;
  Defences defences_;
  ConnectionLimit limit_;  // of children_, which counts them
  UniqueFd listener_;
  UniqueFd sigchld_;
  int shutdown_fd_ = -1;
  std::unordered_set<pid_t> children_;  // main thread only
};

}  // namespace

std::unique_ptr<Server> make_fork_per_connection_server(const ServerConfig& config) {
  return std::make_unique<ForkPerConnectionServer>(config);
}

}  // namespace echo
