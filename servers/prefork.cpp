// prefork: UNP's pre-forked server (Stevens, chapter 30), the model of
// Apache's prefork MPM.
//
// --processes N children are forked once, at start. Each loops on a blocking
// accept() on the listener they all inherited and serves one client at a
// time with the blocking echo loop, then accepts the next. The kernel hands
// each new connection to one waiting child. There is no fork per
// connection, which is what fork-per-connection pays for every client.
//
// The limit, by design: N clients are served at once. Client N+1 waits in
// the listen backlog, connected but unanswered, until a child finishes with
// a client. So --processes is its --max-connections (which it refuses), and
// --idle-timeout is what frees a child from a client that went quiet: a
// socket option the child sets once per client, like --write-timeout.
//
// The parent only supervises:
// - it never accepts, so the listener is made blocking for the children;
// - a child that dies (crash, SIGKILL) is reaped through a signalfd for
//   SIGCHLD and replaced at once, as a supervisor does;
// - children die with the parent (PR_SET_PDEATHSIG), even if it is killed;
// - on SIGTERM it stops every child (SIGKILL after a grace period) and reaps
//   them all.

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <system_error>
#include <thread>

#include "common/accept_backoff.hpp"
#include "common/blocking_echo.hpp"
#include "common/child_processes.hpp"
#include "common/connection_defences.hpp"
#include "common/log.hpp"
#include "common/shutdown_signals.hpp"
#include "echo/socket_ops.hpp"
#include "model_registry.hpp"

namespace echo {
namespace {

// After a failed fork (no memory, or the process limit), a pause, so that a
// system already short of processes is not hammered by the supervisor.
constexpr auto kRespawnPause = std::chrono::milliseconds(100);

class PreforkServer final : public Server {
 public:
  explicit PreforkServer(const ServerConfig& config) : config_(config), sigchld_(sigchld_fd()) {}

  std::uint16_t start() override {
    listener_ = listen_tcp(config_.host, config_.port);
    // Blocking, for the children's accept(): only they accept, and the
    // kernel wakes one blocked accept() per connection.
    const int flags = ::fcntl(listener_.get(), F_GETFL);
    ::fcntl(listener_.get(), F_SETFL, flags & ~O_NONBLOCK);
    return local_endpoint(listener_.get()).port;
  }

  void run(int shutdown_fd) override {
    shutdown_fd_ = shutdown_fd;
    bool stopping = !spawn_missing();
    while (!stopping) {
      pollfd fds[] = {{sigchld_.get(), POLLIN, 0}, {shutdown_fd, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) continue;  // EINTR
      if (fds[1].revents != 0) break;
      if (fds[0].revents != 0) {
        reap_exited_children(sigchld_.get(), children_);
        stopping = !spawn_missing();
      }
    }
    terminate_children(children_);
  }

 private:
  // Forks until --processes children live. Returns false, having forked
  // fewer, if a shutdown signal arrived meanwhile: forking thousands of
  // children takes seconds, and SIGTERM must not wait for them.
  bool spawn_missing() {
    const unsigned wanted = config_.processes;
    while (children_.size() < wanted) {
      if (shutdown_requested(shutdown_fd_)) return false;
      const pid_t parent = ::getpid();
      const pid_t pid = ::fork();
      if (pid == 0) serve_in_child(parent);  // never returns
      if (pid < 0) {
        log_warning("fork failed: " + error_text(errno) +
                    "; serving with fewer children until one exits");
        std::this_thread::sleep_for(kRespawnPause);
        return true;  // the next SIGCHLD tries again
      }
      children_.insert(pid);
    }
    return true;
  }

  // The child: accept, echo until the client closes, repeat. It touches only
  // the listener and its client, and leaves with _exit (or by SIGTERM).
  [[noreturn]] void serve_in_child(pid_t parent) {
    const SimulatedWork work = become_child(parent, {sigchld_.get(), shutdown_fd_}, config_.work);
    const Defences defences = Defences::from(config_);
    for (;;) {
      AcceptResult client = accept_connection(listener_.get(), /*nonblocking=*/false);
      if (client.status == AcceptStatus::out_of_fds) {
        std::this_thread::sleep_for(kAcceptBackoff);
      } else if (client.status == AcceptStatus::accepted) {
        set_socket_timeouts(client.fd.get(), defences);
        echo_until_closed(client.fd.get(), work);
      }
    }
  }

  ServerConfig config_;
  UniqueFd listener_;
  UniqueFd sigchld_;
  int shutdown_fd_ = -1;
  std::unordered_set<pid_t> children_;  // main thread only
};

}  // namespace

std::unique_ptr<Server> make_prefork_server(const ServerConfig& config) {
  return std::make_unique<PreforkServer>(config);
}

}  // namespace echo
