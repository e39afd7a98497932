#include "load_worker.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include <cerrno>
#include <limits>

namespace echo {

std::int64_t now_ns() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

UniqueFd connect_counted(const PeerAddress& peer, int socktype, double timeout_s,
                         const LoadConfig& config, WorkerStats& stats) {
  UniqueFd fd(::socket(peer.family, socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  int error = fd ? 0 : errno;
  if (fd &&
      ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&peer.storage), peer.length) != 0) {
    error = errno;
    if (error == EINPROGRESS) {
      pollfd pfd{fd.get(), POLLOUT, 0};
      const int ready = ::poll(&pfd, 1, static_cast<int>(timeout_s * 1000));
      socklen_t length = sizeof error;
      if (ready == 1)
        ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length);
      else
        error = ETIMEDOUT;
    }
  }
  if (error == 0) {
    if (socktype == SOCK_STREAM) set_nodelay(fd.get());
    ++stats.connected;
    return fd;
  }
  if (error == ECONNREFUSED)
    ++stats.errors.refused;
  else if (error == ETIMEDOUT)
    ++stats.errors.timeout;
  else
    ++stats.errors.other;
  if (stats.first_error.empty()) {
    stats.first_error =
        "cannot connect to " + format_endpoint(config.host, config.port) + ": " + error_text(error);
  }
  return {};
}

std::int64_t LoadWorker::publish_progress(std::int64_t now, const RunWindow& window,
                                          std::int64_t interval_ns) {
  if (interval_ns <= 0) return std::numeric_limits<std::int64_t>::max();
  std::int64_t boundary = window.measure_start_ns + (published_intervals_ + 1) * interval_ns;
  if (now >= boundary) {
    progress_.publish(stats_.messages, stats_.corrected);
    published_intervals_ = (now - window.measure_start_ns) / interval_ns;
    boundary = window.measure_start_ns + (published_intervals_ + 1) * interval_ns;
  }
  return boundary;
}

void epoll_failed(WorkerStats& stats, int error) {
  ++stats.errors.other;
  if (stats.first_error.empty()) {
    stats.first_error =
        "epoll_create1: " + error_text(error) +
        (error == EMFILE ? " (the descriptor limit is too low: raise ulimit -n)" : "");
  }
}

void count_io_error(int error, ErrorCounts& errors) {
  if (error == ECONNRESET || error == EPIPE)
    ++errors.reset;
  else if (error == ETIMEDOUT)
    ++errors.timeout;
  else
    ++errors.other;
}

}  // namespace echo
