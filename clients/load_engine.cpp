#include "load_engine.hpp"

#include <sys/prctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cmath>
#include <ostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "load_report.hpp"
#include "load_worker.hpp"

namespace echo {
namespace {

void sleep_until_ns(std::int64_t deadline) {
  const std::int64_t left = deadline - now_ns();
  if (left > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(left));
}

// A short pause between "everyone is connected" and the first message, so no
// thread starts its schedule while another is still being woken.
constexpr std::int64_t kStartDelayNs = 10'000'000;

// How long after an interval boundary the reporter reads the mailboxes: the
// threads publish on their first wake-up past the boundary, well within this.
// A thread that is later still counts, with the copy it published before.
constexpr std::int64_t kProgressGraceNs = 5'000'000;

// Cuts the measured window into intervals, from the cumulative copies the
// threads publish at each boundary (see ProgressMailbox): an interval is the
// difference between two boundaries' totals. Runs on run_load's thread while
// the load threads work; the last interval is finished after they join.
class IntervalRecorder {
 public:
  IntervalRecorder(const LoadConfig& config, const RunWindow& window, std::int64_t interval_ns,
                   std::ostream* progress, const LoadHooks& hooks)
      : config_(config),
        window_(window),
        interval_ns_(interval_ns),
        progress_(progress),
        hooks_(hooks) {}

  void run_until_window_end(const std::vector<std::unique_ptr<LoadWorker>>& workers) {
    for (std::int64_t tick = window_.measure_start_ns + interval_ns_; tick < window_.measure_end_ns;
         tick += interval_ns_) {
      // Never past the window's end: the CPU sample and the hooks come then.
      sleep_until_ns(std::min(tick + kProgressGraceNs, window_.measure_end_ns));
      std::uint64_t messages = 0;
      LatencyHistogram so_far;
      for (const auto& worker : workers) worker->progress().add_to(messages, so_far);
      close_interval(tick, messages, so_far);
    }
  }

  /// The last interval, up to the window's end, from the final totals.
  void finish(const WorkerStats& totals) {
    if (window_.measure_end_ns > start_ns_) {  // not when nothing connected
      close_interval(window_.measure_end_ns, totals.messages, totals.corrected);
    }
  }

  std::vector<IntervalSummary> take() { return std::move(intervals_); }

 private:
  void close_interval(std::int64_t end_ns, std::uint64_t messages, const LatencyHistogram& so_far) {
    LatencyHistogram interval = so_far;
    interval.subtract(previous_latency_);
    IntervalSummary summary;
    summary.start_s = static_cast<double>(start_ns_ - window_.measure_start_ns) / 1e9;
    summary.length_s = static_cast<double>(end_ns - start_ns_) / 1e9;
    summary.messages = messages - std::min(messages, previous_messages_);
    summary.p50_ns = interval.value_at_percentile(50);
    summary.p99_ns = interval.value_at_percentile(99);
    summary.max_ns = interval.max();
    intervals_.push_back(summary);
    if (hooks_.on_interval) hooks_.on_interval(summary, interval);
    if (progress_ != nullptr && end_ns < window_.measure_end_ns) {
      *progress_ << progress_line(static_cast<double>(end_ns - window_.measure_start_ns) / 1e9,
                                  config_, summary.msgs_per_s(), so_far)
                 << std::flush;
    }
    start_ns_ = end_ns;
    previous_messages_ = messages;
    previous_latency_ = so_far;
  }

  const LoadConfig& config_;
  const RunWindow& window_;
  std::int64_t interval_ns_;
  std::ostream* progress_;
  const LoadHooks& hooks_;
  std::int64_t start_ns_ = window_.measure_start_ns;
  std::uint64_t previous_messages_ = 0;
  LatencyHistogram previous_latency_;
  std::vector<IntervalSummary> intervals_;
};

}  // namespace

LoadResult run_load(const LoadConfig& config, std::ostream* progress, const LoadHooks& hooks) {
  const PeerAddress peer =
      resolve_peer(config.host, config.port, config.udp ? SOCK_DGRAM : SOCK_STREAM);
  const PayloadPattern pattern(config.size);
  const unsigned threads = std::clamp(config.threads, 1u, config.connections);
  const std::int64_t interval_ns =
      config.interval_s > 0 ? static_cast<std::int64_t>(config.interval_s * 1e9) : 0;

  const std::int64_t started_ns = now_ns();
  std::vector<std::unique_ptr<LoadWorker>> workers;
  for (unsigned t = 0, first = 0; t < threads; ++t) {
    WorkerAssignment assignment;
    assignment.config = &config;
    assignment.pattern = &pattern;
    assignment.peer = peer;
    assignment.first_stream = first;
    assignment.connections =
        config.connections / threads + (t < config.connections % threads ? 1 : 0);
    assignment.rate = config.rate * assignment.connections / config.connections;
    assignment.progress_interval_ns = interval_ns;
    assignment.ramp_up_deadline_ns =
        started_ns + static_cast<std::int64_t>(config.ramp_up_timeout_s * 1e9);
    first += assignment.connections;
    workers.push_back(config.udp ? make_udp_worker(assignment) : make_tcp_worker(assignment));
  }

  // Two meetings of every thread and this one. The first: every connection is
  // open and through the ramp-up barrier. Between the two, this thread alone
  // fixes the window (asking the caller when to start, if it wants to say);
  // the second releases the load.
  RunWindow window;
  std::barrier meeting(static_cast<std::ptrdiff_t>(threads) + 1);
  std::vector<std::thread> pool;
  pool.reserve(workers.size());
  for (auto& worker : workers) {
    pool.emplace_back([&meeting, &window, w = worker.get()] {
      // Linux lets a timed wait end up to 50 µs late by default (timer
      // slack). An open-loop thread that woke that late would send late and
      // charge the delay to the server's latency; 1 ns asks for no slack.
      ::prctl(PR_SET_TIMERSLACK, 1UL);
      w->connect_all();
      meeting.arrive_and_wait();  // ramped up
      meeting.arrive_and_wait();  // the window is fixed
      w->run(window);
    });
  }
  meeting.arrive_and_wait();
  const double ramp_up_s = static_cast<double>(now_ns() - started_ns) / 1e9;
  unsigned connected = 0, waiting = 0;
  for (const auto& worker : workers) {
    connected += worker->stats().connected;
    waiting += worker->stats().ramp_up_waiting;
  }
  double start_at_unix_s = config.start_at_unix_s;
  std::string start_error;  // the caller could not say when: rethrown once the threads are joined
  if (connected > 0 && waiting == 0 && hooks.start_time) {
    try {
      start_at_unix_s = hooks.start_time(ramp_up_s);
    } catch (const std::exception& error) {
      start_error = error.what();
    }
  }
  double start_late_s = 0;
  window.start_ns = now_ns() + kStartDelayNs;
  if (start_at_unix_s > 0) {  // the wall clock says when; the steady clock keeps time
    const double ahead_s = start_at_unix_s - unix_time_s();
    start_late_s = std::max(0.0, -ahead_s);
    window.start_ns = now_ns() + std::max<std::int64_t>(0, std::llround(ahead_s * 1e9));
  }
  window.measure_start_ns = window.start_ns + static_cast<std::int64_t>(config.warmup_s * 1e9);
  // Nothing connected, or the barrier was not reached: an empty window.
  window.measure_end_ns =
      connected == 0 || waiting > 0 || !start_error.empty()
          ? window.start_ns
          : window.measure_start_ns + static_cast<std::int64_t>(config.duration_s * 1e9);
  if (window.measure_end_ns == window.start_ns) window.measure_start_ns = window.start_ns;
  meeting.arrive_and_wait();

  sleep_until_ns(window.measure_start_ns);
  const double cpu_start = process_cpu_seconds();
  if (hooks.on_measure_start) hooks.on_measure_start();
  // Built after the barrier: it starts counting at the window's start.
  IntervalRecorder intervals(config, window, interval_ns,
                             config.progress_lines ? progress : nullptr, hooks);
  if (interval_ns > 0) intervals.run_until_window_end(workers);
  sleep_until_ns(window.measure_end_ns);
  const double cpu_end = process_cpu_seconds();
  if (hooks.on_measure_end) hooks.on_measure_end();
  for (auto& thread : pool) thread.join();
  if (!start_error.empty()) throw std::runtime_error(start_error);

  LoadResult result;
  result.config = config;
  result.elapsed_s = static_cast<double>(window.measure_end_ns - window.measure_start_ns) / 1e9;
  result.client_cpu_s = cpu_end - cpu_start;
  result.start_late_s = start_late_s;
  result.ramp_up_s = ramp_up_s;
  for (const auto& worker : workers) {
    const WorkerStats& s = worker->stats();
    result.totals.connected += s.connected;
    result.totals.messages += s.messages;
    result.totals.mismatches += s.mismatches;
    result.totals.sent += s.sent;
    result.totals.lost += s.lost;
    result.totals.unanswered += s.unanswered;
    result.totals.not_sent += s.not_sent;
    result.totals.stalled_connections += s.stalled_connections;
    result.totals.reconnects += s.reconnects;
    result.totals.disconnected_ns += s.disconnected_ns;
    result.totals.last_reconnect_ns =
        std::max(result.totals.last_reconnect_ns, s.last_reconnect_ns);
    result.totals.resent += s.resent;
    result.totals.due_while_down += s.due_while_down;
    result.totals.ramp_up_waiting += s.ramp_up_waiting;
    result.totals.errors.add(s.errors);
    if (result.totals.first_error.empty()) result.totals.first_error = s.first_error;
    result.totals.corrected.merge(s.corrected);
    result.totals.uncorrected.merge(s.uncorrected);
  }
  if (interval_ns > 0) {
    intervals.finish(result.totals);
    result.intervals = intervals.take();
  }
  return result;
}

}  // namespace echo
