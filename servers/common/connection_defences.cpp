#include "connection_defences.hpp"

#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <algorithm>
#include <cmath>

#include "log.hpp"

namespace echo {
namespace {

std::chrono::milliseconds from_seconds(double seconds) {
  return std::chrono::milliseconds(std::llround(seconds * 1000.0));
}

void set_timeout(int fd, int option, std::chrono::milliseconds timeout) {
  if (timeout.count() <= 0) return;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  // Fails only for a bad descriptor, which the echo loop's first read reports.
  ::setsockopt(fd, SOL_SOCKET, option, &tv, sizeof tv);
}

}  // namespace

Defences Defences::from(const ServerConfig& config) {
  return {from_seconds(config.idle_timeout_s), from_seconds(config.write_timeout_s),
          config.max_connections};
}

std::chrono::milliseconds Defences::scan_period() const {
  std::chrono::milliseconds shorter = std::max(idle, write);
  if (idle.count() > 0) shorter = std::min(shorter, idle);
  if (write.count() > 0) shorter = std::min(shorter, write);
  return std::max(std::chrono::milliseconds(10), shorter / 4);
}

void set_socket_timeouts(int fd, const Defences& defences) {
  set_timeout(fd, SO_RCVTIMEO, defences.idle);
  set_timeout(fd, SO_SNDTIMEO, defences.write);
}

void reset_when_closed(int fd) {
  const linger reset{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
}

std::int64_t coarse_now_ms() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000;
}

bool Liveness::expired(std::int64_t now_ms, const Defences& defences) const {
  const std::int64_t waiting_since = waiting_since_ms_.load(std::memory_order_relaxed);
  if (waiting_since != 0) {
    return defences.write.count() > 0 && now_ms - waiting_since >= defences.write.count();
  }
  return defences.idle.count() > 0 &&
         now_ms - received_ms_.load(std::memory_order_relaxed) >= defences.idle.count();
}

bool ConnectionLimit::try_open() {
  unsigned live = live_.load(std::memory_order_relaxed);
  do {
    if (reached(live)) return false;
  } while (!live_.compare_exchange_weak(live, live + 1, std::memory_order_relaxed));
  return true;
}

bool ConnectionLimit::reached(std::size_t live) {
  if (max_ == 0 || live < max_) return false;
  if (!logged_.exchange(true, std::memory_order_relaxed)) {
    log_warning("at --max-connections " + std::to_string(max_) + ": " + at_limit_does_ +
                " (said once)");
  }
  return true;
}

}  // namespace echo
