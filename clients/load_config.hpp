#pragma once
// What one echo-load run is asked to do (from the command line or from the
// benchmark harness) and what it measured.

#include <cstdint>
#include <string>
#include <vector>

#include "latency_histogram.hpp"

namespace echo {

enum class OutputFormat { text, csv, json };

struct LoadConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 9999;
  unsigned connections = 1;
  std::size_t size = 64;   ///< bytes per message
  double duration_s = 10;  ///< measured window
  double warmup_s = 0;     ///< run before the window, not recorded
  double rate = 0;         ///< messages/s in total; 0 = closed loop
  unsigned pipeline = 1;   ///< closed loop: messages in flight per connection
  unsigned threads = 1;
  bool udp = false;
  double udp_timeout_s = 1;  ///< a datagram not back by then is lost
  double connect_timeout_s = 5;
  /// Open loop: after the window, how long echoes of messages that were due
  /// inside it may still arrive; those that do not are `unanswered`.
  double answer_timeout_s = 2;
  /// Closed loop: a connection with messages in flight and no echo for this
  /// long at the end of the window, or with no echo in the whole run, is
  /// stalled.
  double stall_timeout_s = 2;
  /// The ramp-up barrier (TCP): before any load, every connection opens and
  /// gets one message echoed, with no other traffic; the warm-up and the
  /// window start only when all have. Connections still waiting this many
  /// seconds after the run began fail it, naming the ramp-up. Generous on
  /// purpose: a server that forks or spawns per connection on a slow machine
  /// takes its time, and that time is reported (`ramp_up_s`), not guessed.
  double ramp_up_timeout_s = 30;
  double max_loss_pct = 0;  ///< UDP: more loss than this fails the run
  /// Length of the intervals the window is cut into (intervals[], --hlog,
  /// progress lines); 0 = none. The command line resolves "auto" (< 0).
  double interval_s = 0;
  bool progress_lines = false;  ///< print a line on stderr per interval
  OutputFormat format = OutputFormat::text;
  std::string hgrm_path;  ///< write the corrected histogram here
  std::string hlog_path;  ///< write an HdrHistogram interval log here
  /// Start the load (warm-up, then the window) at this wall-clock time,
  /// seconds since the Unix epoch, once every connection is open; 0 = as
  /// soon as they are. How several load hosts start together (echo-bench
  /// --load-hosts); a run whose connections open more than a tenth of the
  /// window after it fails (`start_late_s`), as its window would not line
  /// up with the others'.
  double start_at_unix_s = 0;
  /// After the ramp-up, print `ready RAMP_UP_S` on stderr and read the start
  /// time (seconds since the Unix epoch) from a line on standard input: how
  /// echo-bench starts several load hosts together once every one of them
  /// has passed its barrier (echo-load --start-on-input).
  bool start_on_input = false;
  /// TCP: a connection the server closes or resets during the load is
  /// opened again (retried every kReconnectPauseMs while refused), and its
  /// unanswered messages are sent again on the new one; without it, such a
  /// connection is an error. Messages keep their first send (closed loop) or
  /// due time (open loop), so the time without a connection is charged to
  /// latency like any stall, never dropped.
  bool reconnect = false;

  [[nodiscard]] bool open_loop() const { return rate > 0; }
};

/// Errors by class, as wrk does: each tells a different story about a server.
struct ErrorCounts {
  std::uint64_t refused = 0;     ///< connect: nothing listening
  std::uint64_t timeout = 0;     ///< connect took longer than --connect-timeout
  std::uint64_t reset = 0;       ///< RST or EPIPE during the run
  std::uint64_t eof = 0;         ///< the server closed, nothing in flight
  std::uint64_t short_read = 0;  ///< the server closed with echoes missing
  std::uint64_t other = 0;

  [[nodiscard]] std::uint64_t total() const {
    return refused + timeout + reset + eof + short_read + other;
  }
  void add(const ErrorCounts& o) {
    refused += o.refused;
    timeout += o.timeout;
    reset += o.reset;
    eof += o.eof;
    short_read += o.short_read;
    other += o.other;
  }
};

/// What one thread measured; merged into LoadResult after the threads join.
struct WorkerStats {
  unsigned connected = 0;
  std::uint64_t messages = 0;    ///< echoes completed inside the window
  std::uint64_t mismatches = 0;  ///< echoed messages that differed
  std::uint64_t sent = 0;        ///< UDP: datagrams sent inside the window
  std::uint64_t lost = 0;        ///< UDP: not back within --udp-timeout
  /// Open loop: due inside the window on a live connection, never answered
  /// (each is recorded in `corrected` with latency = give-up time - due).
  std::uint64_t unanswered = 0;
  /// Open loop: due inside the window on a connection that had died.
  std::uint64_t not_sent = 0;
  /// Live connections the server stopped answering (see stall_timeout_s;
  /// open loop: with an unanswered message).
  unsigned stalled_connections = 0;
  /// --reconnect: connections opened again after the server ended them,
  /// and the time they spent without one, summed over connections.
  std::uint64_t reconnects = 0;
  std::int64_t disconnected_ns = 0;
  std::int64_t last_reconnect_ns = 0;  ///< monotonic clock (now_ns) of the last one
  /// Messages a lost connection had sent and not had answered, sent again.
  std::uint64_t resent = 0;
  /// Open loop: messages that fell due while their connection was lost.
  std::uint64_t due_while_down = 0;
  /// Live connections whose first echo had not come back when the ramp-up
  /// limit passed (see ramp_up_timeout_s); the run then measures nothing.
  unsigned ramp_up_waiting = 0;
  ErrorCounts errors;
  std::string first_error;       ///< e.g. "cannot connect to ...: Connection refused"
  LatencyHistogram corrected;    ///< from the scheduled send time (open loop)
  LatencyHistogram uncorrected;  ///< from the actual send time
};

/// One interval of the measured window: what a time-series chart draws.
/// Latencies are the corrected ones (from the scheduled send in open loop),
/// counted in the interval in which the echo came back.
struct IntervalSummary {
  double start_s = 0;   ///< from the window's start
  double length_s = 0;  ///< the last interval may be shorter
  std::uint64_t messages = 0;
  std::int64_t p50_ns = 0;
  std::int64_t p99_ns = 0;
  std::int64_t max_ns = 0;

  [[nodiscard]] double msgs_per_s() const {
    return length_s > 0 ? static_cast<double>(messages) / length_s : 0;
  }
};

struct LoadResult {
  LoadConfig config;
  WorkerStats totals;
  double elapsed_s = 0;     ///< length of the measured window
  double client_cpu_s = 0;  ///< this process's user+sys CPU inside the window
  double start_late_s = 0;  ///< how late the load started after --start-at
  /// From the first connect to the ramp-up barrier: every connection open and
  /// served once. A real cost of per-connection models, reported per case.
  double ramp_up_s = 0;
  std::vector<IntervalSummary> intervals;  ///< empty when config.interval_s is 0

  [[nodiscard]] double msgs_per_s() const {
    return elapsed_s > 0 ? static_cast<double>(totals.messages) / elapsed_s : 0;
  }
  [[nodiscard]] std::uint64_t bytes() const { return totals.messages * config.size; }
  [[nodiscard]] double mib_per_s() const {
    return msgs_per_s() * static_cast<double>(config.size) / 1048576.0;
  }
  [[nodiscard]] double client_cpu_us_per_msg() const {
    return totals.messages ? client_cpu_s * 1e6 / static_cast<double>(totals.messages) : 0;
  }
  [[nodiscard]] double loss_pct() const {
    return totals.sent ? 100.0 * static_cast<double>(totals.lost) / static_cast<double>(totals.sent)
                       : 0;
  }
  /// The run counts as a pass: failure_reasons (load_report.hpp), the one
  /// list of what makes a run invalid, finds nothing.
  [[nodiscard]] bool ok() const;
};

}  // namespace echo
