#pragma once
// The defences every TCP model shares against clients that misbehave
// (--idle-timeout, --write-timeout, --max-connections), so that each model's
// file only says *where* it applies them:
// - blocking models (a thread or a process per client) set two socket
//   options once per connection, and the kernel times the read or the write
//   out: no timer, no extra system call per message;
// - event loops stamp each connection from a coarse clock (a vDSO read, not
//   a system call) and look for expired ones once per scan period, one scan
//   per loop, never a timer per message.
// All are off by default, so the measurements without them do not change.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "server.hpp"

namespace echo {

struct Defences {
  std::chrono::milliseconds idle{0};   ///< --idle-timeout: nothing received for this long
  std::chrono::milliseconds write{0};  ///< --write-timeout: pending echo not taken for this long
  unsigned max_connections = 0;        ///< --max-connections (0: no limit)

  static Defences from(const ServerConfig& config);
  [[nodiscard]] bool timeouts() const { return idle.count() > 0 || write.count() > 0; }
  /// How often an event loop looks for expired connections: a quarter of
  /// the shorter timeout, so a connection is closed between 1 and 1.25
  /// times its timeout.
  [[nodiscard]] std::chrono::milliseconds scan_period() const;
};

/// Blocking models: SO_RCVTIMEO and SO_SNDTIMEO on an accepted socket, so a
/// read that waits longer than `idle`, or a write that moves no byte for
/// `write`, fails with EAGAIN, and the echo loop ends (and resets) the
/// connection. Nothing is set for a timeout that is off.
void set_socket_timeouts(int fd, const Defences& defences);

/// Makes the coming close() of `fd` reset the connection (SO_LINGER 0). A
/// connection a defence ends is reset, not closed: a graceful close would
/// queue its FIN behind echo its client never reads, so the client would
/// never learn of it, and the kernel would keep that data for minutes.
void reset_when_closed(int fd);

/// Milliseconds of CLOCK_MONOTONIC_COARSE: a few milliseconds' resolution,
/// plenty for timeouts in seconds, and cheap enough to read per message.
std::int64_t coarse_now_ms();

/// Event loops: one connection's last signs of life. Atomic because in
/// thread-pool a worker stamps it while the reactor's scan reads it; relaxed,
/// because a stale stamp only moves a close by one scan.
class Liveness {
 public:
  /// A new connection: silent since now.
  Liveness() : Liveness(coarse_now_ms()) {}
  explicit Liveness(std::int64_t now_ms) : received_ms_(now_ms) {}
  /// Data arrived.
  void received(std::int64_t now_ms) { received_ms_.store(now_ms, std::memory_order_relaxed); }
  /// An echo is waiting for the peer to read: its clock starts, or restarts
  /// after some of it went out.
  void output_waiting(std::int64_t now_ms) {
    waiting_since_ms_.store(now_ms, std::memory_order_relaxed);
  }
  /// Nothing is waiting any more.
  void output_flushed() { waiting_since_ms_.store(0, std::memory_order_relaxed); }

  /// A connection with output waiting longer than `write`, or without
  /// output waiting and silent longer than `idle`. (A connection whose echo
  /// waits is not read from, so its silence is not its own.)
  [[nodiscard]] bool expired(std::int64_t now_ms, const Defences& defences) const;

 private:
  std::atomic<std::int64_t> received_ms_;
  std::atomic<std::int64_t> waiting_since_ms_{0};
};

/// --max-connections for models that count their own connections. It only
/// counts and says when the limit is reached; what happens then (stop
/// accepting, or accept and close) is each model's documented choice, named
/// in `at_limit_does` for the one log line.
class ConnectionLimit {
 public:
  ConnectionLimit(unsigned max_connections, std::string at_limit_does)
      : max_(max_connections), at_limit_does_(std::move(at_limit_does)) {}
  /// True at the limit; the first time, logs it (once per server, not per client).
  [[nodiscard]] bool reached() { return reached(live_.load(std::memory_order_relaxed)); }
  /// The same for a model that counts its connections itself (its children).
  [[nodiscard]] bool reached(std::size_t live);
  /// Counts one more connection unless the limit is reached (then false,
  /// and reached()'s log line). One step, so threads that accept at once
  /// (several event loops or rings) cannot together pass the limit.
  [[nodiscard]] bool try_open();
  void opened() { live_.fetch_add(1, std::memory_order_relaxed); }
  void closed() { live_.fetch_sub(1, std::memory_order_relaxed); }

 private:
  std::atomic<unsigned> live_{0};
  const unsigned max_;
  const std::string at_limit_does_;
  std::atomic<bool> logged_{false};
};

}  // namespace echo
