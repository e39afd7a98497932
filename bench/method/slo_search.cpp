#include "slo_search.hpp"

#include <cmath>

namespace echo::bench {

SloSearchResult find_capacity_at_slo(const RateProbe& probe, const SloSearchOptions& options) {
  SloSearchResult result;
  auto run = [&](double rate) {
    ProbeOutcome outcome = probe(rate);
    ++result.probes;
    result.trace.emplace_back(rate, outcome);
    if (!outcome.met && outcome.error.empty() && options.retry_failures &&
        result.probes < options.max_probes) {
      outcome = probe(rate);
      ++result.probes;
      result.trace.emplace_back(rate, outcome);
    }
    if (!outcome.error.empty()) {
      result.error =
          "probe at " + std::to_string(static_cast<long>(rate)) + " msgs/s: " + outcome.error;
    } else if (outcome.met && rate > result.capacity) {
      result.capacity = rate;
      result.p99_at_capacity_us = outcome.p99_us;
    } else if (!outcome.met && (result.first_failing == 0 || rate < result.first_failing)) {
      result.first_failing = rate;
      result.p99_at_first_failing_us = outcome.p99_us;
    }
    return outcome.met && outcome.error.empty();
  };
  auto budget_left = [&] { return result.error.empty() && result.probes < options.max_probes; };

  // Bracket: step up from a passing rate, or down from a failing one.
  double rate = options.start_rate;
  if (run(rate)) {
    while (budget_left() && result.first_failing == 0) run(rate *= options.step);
  } else {
    while (budget_left() && result.capacity == 0 && rate / options.step >= options.min_rate)
      run(rate /= options.step);
  }
  if (!result.error.empty()) return result;
  if (result.capacity == 0) {
    result.never_met = true;
    return result;
  }
  // Bisect between the best pass and the lowest failure.
  while (budget_left() && result.first_failing > 0 &&
         result.first_failing / result.capacity > 1 + options.precision) {
    run(std::sqrt(result.capacity * result.first_failing));
  }
  return result;
}

}  // namespace echo::bench
