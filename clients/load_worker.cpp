#include "load_worker.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <limits>
#include <thread>
#include <vector>

namespace echo {

namespace {

void count_connect_error(int error, const LoadConfig& config, WorkerStats& stats) {
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
}

}  // namespace

std::vector<UniqueFd> connect_all_counted(const PeerAddress& peer, int socktype, unsigned count,
                                          double timeout_s, const LoadConfig& config,
                                          WorkerStats& stats) {
  // Start every connect, then wait for all of them together: N connections
  // to a slow or full server cost one timeout, not N.
  std::vector<UniqueFd> fds(count);
  std::vector<int> errors(count, 0);
  std::vector<pollfd> pending;
  std::vector<unsigned> pending_index;
  for (unsigned i = 0; i < count; ++i) {
    fds[i].reset(::socket(peer.family, socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fds[i]) {
      errors[i] = errno;
    } else if (::connect(fds[i].get(), reinterpret_cast<const sockaddr*>(&peer.storage),
                         peer.length) != 0) {
      errors[i] = errno;
      if (errors[i] == EINPROGRESS) {
        pending.push_back({fds[i].get(), POLLOUT, 0});
        pending_index.push_back(i);
      }
    }
  }
  const std::int64_t deadline = now_ns() + static_cast<std::int64_t>(timeout_s * 1e9);
  while (!pending.empty()) {
    const std::int64_t left_ms = (deadline - now_ns()) / 1'000'000;
    const int ready = left_ms > 0 ? ::poll(pending.data(), pending.size(), int(left_ms)) : 0;
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {  // the overall timeout: whatever is still pending failed
      for (const unsigned i : pending_index) errors[i] = ETIMEDOUT;
      break;
    }
    std::size_t kept = 0;
    for (std::size_t p = 0; p < pending.size(); ++p) {
      if (pending[p].revents == 0) {
        pending[kept] = pending[p];
        pending_index[kept++] = pending_index[p];
        continue;
      }
      int error = 0;
      socklen_t length = sizeof error;
      ::getsockopt(pending[p].fd, SOL_SOCKET, SO_ERROR, &error, &length);
      errors[pending_index[p]] = error;
    }
    pending.resize(kept);
    pending_index.resize(kept);
  }
  for (unsigned i = 0; i < count; ++i) {
    if (errors[i] == 0) {
      if (socktype == SOCK_STREAM) set_nodelay(fds[i].get());
      ++stats.connected;
    } else {
      count_connect_error(errors[i], config, stats);
      fds[i].reset();
    }
  }
  return fds;
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

void LoadWorker::wait_for_start(const RunWindow& window) {
  for (std::int64_t left = window.start_ns - now_ns(); left > 0; left = window.start_ns - now_ns())
    std::this_thread::sleep_for(std::chrono::nanoseconds(left));
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
