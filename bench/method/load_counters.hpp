#pragma once
// One route from echo-load's results to a message case's counters, for a run
// in this process and for runs on several load hosts alike: both hand over
// LoadSummary (summarize() here, read_load_json() from another host) and the
// latency histogram (the run's own, or the hosts' merged).

#include <vector>

#include "bench_case.hpp"
#include "case_runner.hpp"
#include "latency_histogram.hpp"
#include "load_summary.hpp"

namespace echo::bench {

/// One echo-load run of a case and the CPUs it had: the client CPUs here, or
/// its threads on a load host.
struct LoadShare {
  LoadSummary summary;
  double cpus = 1;
};

/// msgs_per_s, bytes_per_s, the latency percentiles, target_msgs_per_s
/// (latency), loss_pct (UDP), client_cpu_us_per_msg, client_cpu_util (the
/// busiest load's) and client_bound, errors, mismatches, connected,
/// ramp_up_s (the slowest load's); and the case's window, items and bytes.
void add_load_counters(CaseResult& out, const BenchCase& c, const std::vector<LoadShare>& loads,
                       const LatencyHistogram& latency, double client_bound_at);

}  // namespace echo::bench
