#include "hostile_run.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "load_engine.hpp"
#include "port_listeners.hpp"

namespace echo::bench {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Waits until the server has taken every hostile connection from its accept
// queue, or has stopped taking them: the queue has not shrunk for 0.5 s (a
// model at its limit, or one that serves one client at a time; taking one
// connection costs at most a fork, hundreds of times less).
void wait_until_taken(std::uint16_t port) {
  std::optional<unsigned> smallest = accept_queue_length(port);
  for (auto last_progress = Clock::now(); smallest.value_or(0) > 0;) {
    std::this_thread::sleep_for(20ms);
    const std::optional<unsigned> now = accept_queue_length(port);
    if (now.value_or(0) < *smallest) {
      smallest = now;
      last_progress = Clock::now();
    } else if (Clock::now() - last_progress > 500ms) {
      return;
    }
  }
}

// MODEL+defended: waits until the server has closed every hostile
// connection, or two timeouts and 1 s have passed (a server scans at most a
// quarter of a timeout late; a trickle is never idle long enough), so the
// load measures what the defence restored.
void wait_for_the_defence(const HostileClients& hostile) {
  const auto limit = Clock::now() + std::chrono::seconds(2 * kDefendedTimeoutS) + 1s;
  while (Clock::now() < limit) {
    const HostileCounts counts = hostile.counts();
    if (counts.closed >= counts.attached) return;
    std::this_thread::sleep_for(20ms);
  }
}

// The fraction of the load's connections that were answered throughout:
// those that opened and neither waited past the ramp-up nor stalled.
double served_fraction(const LoadResult& r) {
  const double answered = static_cast<double>(r.totals.connected) - r.totals.ramp_up_waiting -
                          r.totals.stalled_connections;
  return std::clamp(answered / std::max(1u, r.config.connections), 0.0, 1.0);
}

}  // namespace

CaseResult run_hostile(const BenchCase& c, const RunSettings& settings,
                       const LaunchedServer& server) {
  CaseResult out;
  LoadConfig config = load_config(c, settings, server.port());
  // The load runs twice per case: a short warm-up each time keeps the
  // default comparison within its time.
  config.warmup_s = std::min(config.warmup_s, 0.1);
  const LoadResult alone = run_load(config);
  if (std::string why = load_failure(alone); !why.empty()) {
    out.error = "the load alone, before any hostile client: " + why;
    return out;
  }
  const ProcessGroupUsage before = server.usage();

  HostileClients hostile(server.port(), c.hostile_kind, c.bad);
  if (c.hostile_kind != HostileKind::flood) wait_until_taken(server.port());
  if (c.defended) wait_for_the_defence(hostile);

  LoadConfig attacked = config;
  attacked.ramp_up_timeout_s = kServedWithinS;
  ProcessGroupUsage start, end;
  LoadHooks hooks;
  hooks.on_measure_start = [&] { start = server.usage(); };
  hooks.on_measure_end = [&] { end = server.usage(); };
  const LoadResult r = run_load(attacked, nullptr, hooks);
  const HostileCounts counts = hostile.counts();

  if (r.totals.mismatches > 0) {
    out.error = std::to_string(r.totals.mismatches) + " echoes differed";
    return out;
  }
  // A good client the server stopped answering is the result; a load that
  // failed any other way (errors, resets, unanswered messages on clients
  // that kept being answered) is a broken run, never a clean number.
  const double served = served_fraction(r);
  if (std::string why = load_failure(r); served == 1.0 && !why.empty()) {
    out.error = "the load with hostile clients attached: " + why;
    return out;
  }
  out.counters["good_served"] = served;
  out.counters["baseline_msgs_per_s"] = alone.msgs_per_s();
  out.counters["baseline_p99_us"] =
      static_cast<double>(alone.totals.corrected.value_at_percentile(99)) / 1e3;
  if (served == 1.0) {
    out.seconds = r.elapsed_s;
    out.items = r.totals.messages;
    out.bytes = r.totals.messages * c.size;
    out.counters["msgs_per_s"] = r.msgs_per_s();
    add_latency_counters(out, r.totals.corrected);
    out.counters["throughput_ratio"] = r.msgs_per_s() / std::max(alone.msgs_per_s(), 1e-9);
    out.counters["p99_ratio"] =
        out.counters["p99_us"] / std::max(out.counters["baseline_p99_us"], 1e-9);
    add_server_counters(out, start, end, static_cast<double>(r.totals.messages));
    const double util = r.client_cpu_s / std::max(r.elapsed_s, 1e-9) /
                        std::max(1.0, double(settings.client_cpu_count));
    out.counters["client_cpu_util"] = util;
    out.counters["client_bound"] = util >= settings.client_bound_at ? 1 : 0;
  } else {
    // Nothing measured in a window the load never reached: the ratio is
    // what the good clients got, none of their throughput.
    out.seconds = std::max(r.elapsed_s, 1e-3);
    out.counters["throughput_ratio"] = 0;
    const ProcessGroupUsage now = server.usage();
    out.counters["server_pss_mib"] = now.pss_mib;
    out.counters["server_threads"] = now.threads;
    out.counters["server_processes"] = now.processes;
  }
  out.counters["baseline_server_pss_mib"] = before.pss_mib;
  out.counters["baseline_server_threads"] = before.threads;
  out.counters["baseline_server_processes"] = before.processes;
  out.counters["hostile_attached"] = counts.attached;
  out.counters["hostile_refused"] = counts.refused;
  out.counters["hostile_closed"] = counts.closed;
  if (c.hostile_kind == HostileKind::flood)
    out.counters["flood_cycles"] = static_cast<double>(counts.flood_cycles);
  return out;
}

}  // namespace echo::bench
