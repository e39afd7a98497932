#include "hgrm_writer.hpp"

#include <cmath>
#include <cstdio>
#include <string>

namespace echo {
namespace {

constexpr double kNsPerOutputUnit = 1e6;  // milliseconds
constexpr int kTicksPerHalfDistance = 5;

std::string format(const char* pattern, auto... args) {
  char line[160];
  std::snprintf(line, sizeof line, pattern, args...);
  return line;
}

// The next percentile level: HdrHistogram's PercentileIterator reports
// 5 levels per halving of the distance to 100%.
double next_level(double level) {
  const double halvings = std::floor(std::log2(100.0 / (100.0 - level)));
  const double ticks = kTicksPerHalfDistance * std::pow(2.0, halvings + 1);
  return level + 100.0 / ticks;
}

}  // namespace

void write_hgrm(std::ostream& out, const LatencyHistogram& histogram) {
  out << format("%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)");
  const std::uint64_t total = histogram.count();
  std::uint64_t seen = 0;
  double level = 0.0;
  for (std::size_t i = 0; i < histogram.bucket_count() && seen < total; ++i) {
    const std::uint64_t here = histogram.count_at_index(i);
    if (here == 0) continue;
    seen += here;
    const double value =
        static_cast<double>(LatencyHistogram::highest_in_bucket(i)) / kNsPerOutputUnit;
    const double reached = 100.0 * static_cast<double>(seen) / static_cast<double>(total);
    // Every level this bucket reaches gets a row; the bucket holding the
    // last value gets one row here and the 100% row below.
    while (reached >= level) {
      out << format("%12.3f %2.12f %10llu %14.2f\n", value, level / 100.0,
                    static_cast<unsigned long long>(seen), 1.0 / (1.0 - level / 100.0));
      level = next_level(level);
      if (seen == total) break;
    }
  }
  if (total > 0) {
    const double max_value = static_cast<double>(LatencyHistogram::highest_in_bucket(
                                 LatencyHistogram::index_of(histogram.max()))) /
                             kNsPerOutputUnit;
    out << format("%12.3f %2.12f %10llu\n", max_value, 1.0, static_cast<unsigned long long>(total));
  }
  out << format("#[Mean    = %12.3f, StdDeviation   = %12.3f]\n",
                histogram.mean() / kNsPerOutputUnit, histogram.stddev() / kNsPerOutputUnit);
  out << format("#[Max     = %12.3f, Total count    = %12llu]\n",
                static_cast<double>(histogram.max()) / kNsPerOutputUnit,
                static_cast<unsigned long long>(total));
  // HdrHistogram's "buckets": the first holds kSubBucketCount values, each
  // later one kHalfCount more.
  const std::size_t buckets = (histogram.bucket_count() - LatencyHistogram::kSubBucketCount) /
                                  LatencyHistogram::kHalfCount +
                              1;
  out << format("#[Buckets = %12lld, SubBuckets     = %12lld]\n", static_cast<long long>(buckets),
                static_cast<long long>(LatencyHistogram::kSubBucketCount));
}

}  // namespace echo
