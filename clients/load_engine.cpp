#include "load_engine.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <ostream>
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

// Prints a progress line at each interval boundary inside the measured
// window, from the copies the threads publish (see ProgressMailbox).
void report_progress(const std::vector<std::unique_ptr<LoadWorker>>& workers,
                     const RunWindow& window, const LoadConfig& config, std::int64_t interval_ns,
                     std::ostream& out) {
  std::uint64_t previous = 0;
  for (std::int64_t tick = window.measure_start_ns + interval_ns; tick < window.measure_end_ns;
       tick += interval_ns) {
    // Never past the window's end: the CPU sample and the hooks come then.
    sleep_until_ns(std::min(tick + kProgressGraceNs, window.measure_end_ns));
    std::uint64_t messages = 0;
    LatencyHistogram so_far;
    for (const auto& worker : workers) worker->progress().add_to(messages, so_far);
    const double rate = static_cast<double>(messages - std::min(messages, previous)) /
                        (static_cast<double>(interval_ns) / 1e9);
    previous = messages;
    out << progress_line(static_cast<double>(tick - window.measure_start_ns) / 1e9, config, rate,
                         so_far)
        << std::flush;
  }
}

}  // namespace

double process_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

LoadResult run_load(const LoadConfig& config, std::ostream* progress, const LoadHooks& hooks) {
  const PeerAddress peer =
      resolve_peer(config.host, config.port, config.udp ? SOCK_DGRAM : SOCK_STREAM);
  const PayloadPattern pattern(config.size);
  const unsigned threads = std::clamp(config.threads, 1u, config.connections);
  const std::int64_t progress_interval_ns =
      progress && config.interval_s > 0 ? static_cast<std::int64_t>(config.interval_s * 1e9) : 0;

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
    assignment.progress_interval_ns = progress_interval_ns;
    first += assignment.connections;
    workers.push_back(config.udp ? make_udp_worker(assignment) : make_tcp_worker(assignment));
  }

  // Every thread connects, then all meet here; the completion step (run by
  // one thread while the others wait) fixes the window they all use.
  RunWindow window;
  std::barrier connected(static_cast<std::ptrdiff_t>(threads) + 1, [&]() noexcept {
    unsigned total = 0;
    for (const auto& worker : workers) total += worker->stats().connected;
    window.start_ns = now_ns() + kStartDelayNs;
    window.measure_start_ns = window.start_ns + static_cast<std::int64_t>(config.warmup_s * 1e9);
    window.measure_end_ns =
        total == 0 ? window.start_ns
                   : window.measure_start_ns + static_cast<std::int64_t>(config.duration_s * 1e9);
  });

  std::vector<std::thread> pool;
  pool.reserve(workers.size());
  for (auto& worker : workers) {
    pool.emplace_back([&connected, &window, w = worker.get()] {
      // Linux lets a timed wait end up to 50 µs late by default (timer
      // slack). An open-loop thread that woke that late would send late and
      // charge the delay to the server's latency; 1 ns asks for no slack.
      ::prctl(PR_SET_TIMERSLACK, 1UL);
      w->connect_all();
      connected.arrive_and_wait();
      w->run(window);
    });
  }
  connected.arrive_and_wait();

  sleep_until_ns(window.measure_start_ns);
  const double cpu_start = process_cpu_seconds();
  if (hooks.on_measure_start) hooks.on_measure_start();
  if (progress_interval_ns > 0)
    report_progress(workers, window, config, progress_interval_ns, *progress);
  sleep_until_ns(window.measure_end_ns);
  const double cpu_end = process_cpu_seconds();
  if (hooks.on_measure_end) hooks.on_measure_end();
  for (auto& thread : pool) thread.join();

  LoadResult result;
  result.config = config;
  result.elapsed_s = static_cast<double>(window.measure_end_ns - window.measure_start_ns) / 1e9;
  result.client_cpu_s = cpu_end - cpu_start;
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
    result.totals.errors.add(s.errors);
    if (result.totals.first_error.empty()) result.totals.first_error = s.first_error;
    result.totals.corrected.merge(s.corrected);
    result.totals.uncorrected.merge(s.uncorrected);
  }
  return result;
}

}  // namespace echo
