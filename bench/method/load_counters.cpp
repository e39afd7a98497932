#include "load_counters.hpp"

#include <algorithm>

namespace echo::bench {

void add_load_counters(CaseResult& out, const BenchCase& c, const std::vector<LoadShare>& loads,
                       const LatencyHistogram& latency, double client_bound_at) {
  double messages = 0, sent = 0, lost = 0, client_cpu_s = 0, worst_util = 0, window_s = 0;
  double connected = 0, errors = 0, mismatches = 0, ramp_up_s = 0;
  for (const LoadShare& load : loads) {
    const LoadSummary& r = load.summary;
    const auto load_messages = static_cast<double>(r.messages);
    const double cpu_s = r.client_cpu_us_per_msg * load_messages / 1e6;
    messages += load_messages;
    sent += static_cast<double>(r.sent);
    lost += static_cast<double>(r.lost);
    client_cpu_s += cpu_s;
    worst_util =
        std::max(worst_util, cpu_s / std::max(r.duration_s, 1e-9) / std::max(load.cpus, 1.0));
    window_s = std::max(window_s, r.duration_s);
    connected += static_cast<double>(r.connected);
    errors += static_cast<double>(r.errors);
    mismatches += static_cast<double>(r.mismatches);
    ramp_up_s = std::max(ramp_up_s, r.ramp_up_s);
  }
  const double rate = window_s > 0 ? messages / window_s : 0;
  out.seconds = window_s;
  out.items = static_cast<std::uint64_t>(messages);
  out.bytes = out.items * c.size;
  out.counters["msgs_per_s"] = rate;
  out.counters["bytes_per_s"] = rate * static_cast<double>(c.size);
  add_latency_counters(out, latency);
  if (c.scenario == Scenario::latency) out.counters["target_msgs_per_s"] = c.rate;
  if (c.udp) out.counters["loss_pct"] = sent > 0 ? 100 * lost / sent : 0;
  out.counters["client_cpu_us_per_msg"] = messages > 0 ? client_cpu_s * 1e6 / messages : 0;
  out.counters["client_cpu_util"] = worst_util;
  out.counters["client_bound"] = worst_util >= client_bound_at ? 1 : 0;
  out.counters["errors"] = errors;
  out.counters["mismatches"] = mismatches;
  out.counters["connected"] = connected;
  out.counters["ramp_up_s"] = ramp_up_s;
}

}  // namespace echo::bench
