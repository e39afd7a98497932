#pragma once
// Google Benchmark's JSON reporter writes a bare NaN (not JSON) for a
// statistic it cannot compute, such as the coefficient of variation of a
// counter whose mean is 0 (errors, mismatches). This one leaves such
// counters out of the row, so --benchmark_out is always valid JSON.

#include <benchmark/benchmark.h>

#include <cmath>
#include <map>
#include <vector>

namespace echo::bench {

class FiniteJsonReporter final : public benchmark::JSONReporter {
 public:
  void ReportRuns(const std::vector<Run>& reports) override {
    std::vector<Run> finite = reports;
    for (Run& run : finite) {
      std::erase_if(run.counters, [](const auto& counter) {
        return !std::isfinite(static_cast<double>(counter.second.value));
      });
    }
    JSONReporter::ReportRuns(finite);
  }
};

}  // namespace echo::bench
