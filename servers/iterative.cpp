// iterative: the simplest server there is, the baseline of Stevens' UNP.
//
// One thread, one client at a time. TCP: accept a connection, echo until the
// client closes it, then accept the next; everyone else waits in the listen
// backlog, so one slow or idle client stops the whole service. UDP: receive
// a datagram, send it back, repeat; there are no connections to wait on, so
// for UDP this model is a perfectly good server.
//
// Every wait is a poll() on the socket and the shutdown signal together, so
// SIGTERM is noticed at once, even in the middle of a connection. The same
// poll() carries --idle-timeout and --write-timeout, which are what let this
// model get past a client that went quiet or stopped reading.
// --max-connections is refused: one at a time is the model.

#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <chrono>

#include "common/accept_backoff.hpp"
#include "common/blocking_echo.hpp"
#include "common/connection_defences.hpp"
#include "common/log.hpp"
#include "echo/socket_ops.hpp"
#include "model_registry.hpp"

namespace echo {
namespace {

class IterativeServer final : public Server {
 public:
  explicit IterativeServer(const ServerConfig& config)
      : config_(config), defences_(Defences::from(config)) {}

  std::uint16_t start() override {
    socket_ =
        config_.udp ? bind_udp(config_.host, config_.port) : listen_tcp(config_.host, config_.port);
    set_nonblocking(socket_.get());
    return local_endpoint(socket_.get()).port;
  }

  void run(int shutdown_fd) override {
    shutdown_fd_ = shutdown_fd;
    config_.udp ? serve_datagrams() : serve_connections();
  }

 private:
  enum class Wait { ready, timed_out, stopping };

  // Waits until `fd` is ready for `events`, `timeout` passes (0: never), or
  // the shutdown signal arrives.
  Wait wait_for(int fd, short events,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) {
    pollfd fds[] = {{fd, events, 0}, {shutdown_fd_, POLLIN, 0}};
    const int timeout_ms = timeout.count() > 0 ? static_cast<int>(timeout.count()) : -1;
    for (;;) {
      const int ready = ::poll(fds, 2, timeout_ms);
      if (ready < 0) continue;  // EINTR
      if (fds[1].revents != 0) return Wait::stopping;
      if (ready == 0) return Wait::timed_out;
      if (fds[0].revents != 0) return Wait::ready;
    }
  }

  void serve_connections() {
    while (wait_for(socket_.get(), POLLIN) == Wait::ready) {
      AcceptResult result = accept_connection(socket_.get(), /*nonblocking=*/true);
      if (result.status == AcceptStatus::out_of_fds) {
        log_accept_backoff();
        if (wait_for(-1, 0, kAcceptBackoff) == Wait::stopping) return;
      }
      if (result.status == AcceptStatus::accepted) echo_connection(result.fd.get());
    }
  }

  // A wait that did not end ready: a timeout resets the connection when the
  // caller closes it (reset_when_closed); a shutdown just closes it.
  static void end_early(int fd, Wait why) {
    if (why == Wait::timed_out) reset_when_closed(fd);
  }

  // Like echo_until_closed(), but never blocks without also watching for
  // shutdown, and ends the connection when a wait outlasts its timeout.
  void echo_connection(int fd) {
    std::array<char, kEchoChunkBytes> buffer;
    std::uint64_t received = 0;
    for (;;) {
      const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
      if (n == 0) {
        ::shutdown(fd, SHUT_WR);  // half-close: all echoed
        return;
      }
      if (n < 0) {
        if (errno != EAGAIN && errno != EINTR) return;
        if (const Wait w = wait_for(fd, POLLIN, defences_.idle); w != Wait::ready)
          return end_early(fd, w);
        continue;
      }
      config_.work.after_read(static_cast<std::size_t>(n), received);
      for (ssize_t sent = 0; sent < n;) {
        const ssize_t m =
            ::send(fd, buffer.data() + sent, static_cast<std::size_t>(n - sent), MSG_NOSIGNAL);
        if (m > 0) {
          sent += m;
          continue;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN) return;
        if (const Wait w = wait_for(fd, POLLOUT, defences_.write); w != Wait::ready)
          return end_early(fd, w);
      }
    }
  }

  void serve_datagrams() {
    std::array<char, 65536> buffer;  // the largest UDP payload
    sockaddr_storage peer{};
    while (wait_for(socket_.get(), POLLIN) == Wait::ready) {
      socklen_t length = sizeof peer;
      const ssize_t n = ::recvfrom(socket_.get(), buffer.data(), buffer.size(), 0,
                                   reinterpret_cast<sockaddr*>(&peer), &length);
      if (n < 0) continue;  // EAGAIN, or an ICMP error from an earlier reply
      config_.work();
      // If the socket buffer is full the datagram is dropped, as UDP may.
      ::sendto(socket_.get(), buffer.data(), static_cast<std::size_t>(n), 0,
               reinterpret_cast<const sockaddr*>(&peer), length);
    }
  }

  ServerConfig config_;
  Defences defences_;
  UniqueFd socket_;
  int shutdown_fd_ = -1;
};

}  // namespace

std::unique_ptr<Server> make_iterative_server(const ServerConfig& config) {
  return std::make_unique<IterativeServer>(config);
}

}  // namespace echo
