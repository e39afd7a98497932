#pragma once
// One load thread's work: its own connections, its own epoll loop, its own
// statistics. Nothing is shared with other threads while the load runs; the
// engine merges the WorkerStats after joining (wrk2's layout).

#include <cstdint>
#include <memory>
#include <vector>

#include "echo/clock.hpp"
#include "echo/socket_ops.hpp"
#include "load_config.hpp"
#include "payload_pattern.hpp"
#include "progress_mailbox.hpp"

namespace echo {

/// The phases of a run on the monotonic clock, the same for every thread.
struct RunWindow {
  std::int64_t start_ns = 0;          ///< load starts (warm-up begins)
  std::int64_t measure_start_ns = 0;  ///< recording starts
  std::int64_t measure_end_ns = 0;    ///< everything stops
  [[nodiscard]] bool measuring(std::int64_t t) const {
    return t >= measure_start_ns && t < measure_end_ns;
  }
};

/// The slice of the run one thread is responsible for.
struct WorkerAssignment {
  const LoadConfig* config = nullptr;
  const PayloadPattern* pattern = nullptr;
  PeerAddress peer;
  unsigned first_stream = 0;  ///< global index of its first connection
  unsigned connections = 0;
  double rate = 0;                        ///< this thread's share of --rate
  std::int64_t progress_interval_ns = 0;  ///< publish progress this often; 0 = never
  std::int64_t ramp_up_deadline_ns = 0;   ///< connections not served once by then fail the run
};

class LoadWorker {
 public:
  virtual ~LoadWorker() = default;
  /// Opens the connections (counting failures by class) and, for TCP, takes
  /// each through the ramp-up barrier: one message echoed, nothing else sent
  /// (LoadConfig::ramp_up_timeout_s). Thread-owned.
  virtual void connect_all() = 0;
  /// Drives the load until window.measure_end_ns; nothing when the window is
  /// empty (no connection, or the ramp-up failed).
  virtual void run(const RunWindow& window) = 0;
  WorkerStats& stats() { return stats_; }
  /// What this thread has measured so far (for the --interval lines).
  const ProgressMailbox& progress() const { return progress_; }

 protected:
  /// Publishes stats_ to the mailbox once the next boundary of
  /// `interval_ns` (counted from window.measure_start_ns) has passed, and
  /// returns the boundary after that, for the thread's wake-up time: a
  /// thread whose server has gone quiet still publishes on time. Without
  /// progress lines (interval_ns 0) it does nothing and returns INT64_MAX.
  std::int64_t publish_progress(std::int64_t now, const RunWindow& window,
                                std::int64_t interval_ns);

  /// Sleeps until the load may start (the threads are released a little
  /// ahead of it, so none is still waking when it comes).
  static void wait_for_start(const RunWindow& window);

  WorkerStats stats_;

 private:
  ProgressMailbox progress_;
  std::int64_t published_intervals_ = 0;  // interval boundaries published so far
};

std::unique_ptr<LoadWorker> make_tcp_worker(const WorkerAssignment& assignment);
std::unique_ptr<LoadWorker> make_udp_worker(const WorkerAssignment& assignment);

/// Opens `count` non-blocking sockets of `socktype` to `peer` at once and
/// waits for them together, up to `timeout_s` in all; returns them in
/// order, an empty UniqueFd where one failed (counted in `stats` by class,
/// the first message remembered).
std::vector<UniqueFd> connect_all_counted(const PeerAddress& peer, int socktype, unsigned count,
                                          double timeout_s, const LoadConfig& config,
                                          WorkerStats& stats);

/// Records a failed epoll_create1 as an error naming the likely cause.
void epoll_failed(WorkerStats& stats, int error);

/// Files an errno from send/recv under its class.
void count_io_error(int error, ErrorCounts& errors);

}  // namespace echo
