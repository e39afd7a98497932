#pragma once
// Capacity at an SLO: the highest open-loop rate at which a server keeps its
// p99 (measured from the scheduled send time, unanswered messages counted)
// under a target. A bounded search: bracket the capacity by stepping the
// rate up or down geometrically, then bisect the bracket (on a log scale)
// until it is narrower than `precision` or the probes run out. A failing
// rate is tried twice before it counts as failing.

#include <functional>
#include <string>
#include <vector>

namespace echo::bench {

struct ProbeOutcome {
  bool met = false;   ///< p99 under the SLO, and every message answered
  double p99_us = 0;  ///< what the probe measured
  std::string error;  ///< a broken probe (errors, mismatches): ends the search
};

/// Runs the server at `rate` msgs/s for one probe.
using RateProbe = std::function<ProbeOutcome(double rate)>;

struct SloSearchOptions {
  double start_rate = 1000;  ///< first rate tried
  double step = 2;           ///< bracketing factor
  double precision = 0.05;   ///< stop when failing/passing <= 1 + precision
  unsigned max_probes = 10;
  double min_rate = 10;  ///< below this, the SLO cannot be met at all
  /// Probe a failing rate once more and count it as met if either run met
  /// the SLO: on a shared machine one scheduling hiccup of a few ms is
  /// enough to push a short probe's p99 over, and one spurious failure low
  /// in the search would halve the capacity (seen here before this rule).
  bool retry_failures = true;
};

struct SloSearchResult {
  double capacity = 0;       ///< highest rate that met the SLO
  double first_failing = 0;  ///< lowest rate that did not (0: none found)
  double p99_at_capacity_us = 0;
  double p99_at_first_failing_us = 0;
  /// No rate probed met the SLO, every probe ran clean: a result (this
  /// server, on this machine, cannot keep it at first_failing msgs/s or
  /// more), not an error. On a machine whose scheduling alone delays more
  /// than 1% of wake-ups past the SLO, that is the honest answer.
  bool never_met = false;
  unsigned probes = 0;
  std::string error;  ///< a broken probe (errors, mismatches, unanswered)
  std::vector<std::pair<double, ProbeOutcome>> trace;  ///< every probe in order
};

SloSearchResult find_capacity_at_slo(const RateProbe& probe, const SloSearchOptions& options);

}  // namespace echo::bench
