// LatencyHistogram: bucket layout, 0.1% accuracy against exact percentiles,
// merging, and the HdrHistogram percentile-distribution output (golden file).

#include "latency_histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "hgrm_writer.hpp"

namespace echo {
namespace {

TEST(LatencyHistogram, EveryValueFallsInsideItsBucketWithinOneThousandth) {
  std::mt19937_64 random(1);
  std::uniform_real_distribution<double> log_value(0,
                                                   std::log(double(LatencyHistogram::kMaxValueNs)));
  for (int i = 0; i < 200000; ++i) {
    const auto value = static_cast<std::int64_t>(std::exp(log_value(random)));
    const std::size_t index = LatencyHistogram::index_of(value);
    const std::int64_t low = LatencyHistogram::lowest_in_bucket(index);
    const std::int64_t high = LatencyHistogram::highest_in_bucket(index);
    ASSERT_LE(low, value);
    ASSERT_GE(high, value);
    ASSERT_LE(static_cast<double>(high - low), static_cast<double>(low) / 1000.0) << value;
  }
}

TEST(LatencyHistogram, BucketsTileTheRangeWithoutGapsOrOverlap) {
  LatencyHistogram h;
  for (std::size_t i = 1; i < h.bucket_count(); ++i) {
    ASSERT_EQ(LatencyHistogram::lowest_in_bucket(i), LatencyHistogram::highest_in_bucket(i - 1) + 1)
        << i;
    ASSERT_EQ(LatencyHistogram::index_of(LatencyHistogram::lowest_in_bucket(i)), i);
  }
  EXPECT_EQ(LatencyHistogram::index_of(LatencyHistogram::kMaxValueNs), h.bucket_count() - 1);
}

TEST(LatencyHistogram, PercentilesMatchASortedArrayWithinOneThousandth) {
  std::mt19937_64 random(2);
  std::lognormal_distribution<double> latency(std::log(50'000.0), 1.5);  // ~50 us, long tail
  std::vector<std::int64_t> values;
  LatencyHistogram h;
  for (int i = 0; i < 100000; ++i) {
    const auto v = std::clamp<std::int64_t>(static_cast<std::int64_t>(latency(random)), 0,
                                            LatencyHistogram::kMaxValueNs);
    values.push_back(v);
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  for (const double p : {1.0, 25.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * double(values.size())));
    const double exact = static_cast<double>(values[std::max<std::size_t>(rank, 1) - 1]);
    EXPECT_NEAR(static_cast<double>(h.value_at_percentile(p)), exact, exact / 1000.0 + 1) << p;
  }
  EXPECT_EQ(h.max(), values.back());
  EXPECT_EQ(h.min(), values.front());
}

TEST(LatencyHistogram, MergeEqualsRecordingEverythingInOne) {
  LatencyHistogram a, b, both;
  for (std::int64_t v = 1; v < 5'000'000; v = v * 3 / 2 + 1) {
    (v % 2 ? a : b).record(v);
    both.record(v);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), both.count());
  EXPECT_EQ(a.max(), both.max());
  EXPECT_EQ(a.min(), both.min());
  EXPECT_DOUBLE_EQ(a.mean(), both.mean());
  for (std::size_t i = 0; i < a.bucket_count(); ++i)
    ASSERT_EQ(a.count_at_index(i), both.count_at_index(i));
}

TEST(LatencyHistogram, MeanAndStddevAreExact) {
  LatencyHistogram h;
  for (const std::int64_t v : {2, 4, 4, 4, 5, 5, 7, 9}) h.record(v);
  EXPECT_DOUBLE_EQ(h.mean(), 5.0);
  EXPECT_DOUBLE_EQ(h.stddev(), 2.0);
}

TEST(LatencyHistogram, OutOfRangeValuesAreClamped) {
  LatencyHistogram h;
  h.record(-5);
  h.record(LatencyHistogram::kMaxValueNs * 10);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), LatencyHistogram::kMaxValueNs);
  EXPECT_EQ(h.count(), 2u);
}

TEST(HgrmWriter, MatchesTheGoldenFile) {
  // 10,000 values from 1 us to 10 ms in equal steps: an even spread, so every
  // percentile row is easy to check by hand against the golden file.
  LatencyHistogram h;
  for (std::int64_t i = 1; i <= 10000; ++i) h.record(i * 1000);
  std::ostringstream written;
  write_hgrm(written, h);
  std::ifstream golden(std::string(ECHO_TEST_DATA_DIR) + "/uniform_1us_to_10ms.hgrm");
  ASSERT_TRUE(golden) << "golden file missing";
  std::stringstream expected;
  expected << golden.rdbuf();
  EXPECT_EQ(written.str(), expected.str());
}

TEST(HgrmWriter, HasHdrHistogramsHeaderColumnsAndFooter) {
  LatencyHistogram h;
  for (std::int64_t i = 1; i <= 1000; ++i) h.record(i * 7919);
  std::ostringstream written;
  write_hgrm(written, h);
  std::istringstream lines(written.str());
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "       Value     Percentile TotalCount 1/(1-Percentile)");
  std::getline(lines, line);
  EXPECT_EQ(line, "");
  int rows = 0;
  std::string last_row;
  while (std::getline(lines, line) && line[0] != '#') {
    std::istringstream row(line);
    double value, percentile;
    unsigned long long total;
    ASSERT_TRUE(row >> value >> percentile >> total) << line;
    last_row = line;
    ++rows;
  }
  EXPECT_GT(rows, 20);
  EXPECT_NE(last_row.find("1.000000000000"), std::string::npos) << last_row;
  EXPECT_EQ(line.rfind("#[Mean    =", 0), 0u) << line;
  std::getline(lines, line);
  EXPECT_EQ(line.rfind("#[Max     =", 0), 0u) << line;
  std::getline(lines, line);
  EXPECT_EQ(line.rfind("#[Buckets =", 0), 0u) << line;
}

}  // namespace
}  // namespace echo
