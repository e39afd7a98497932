#pragma once
// LatencyHistogram: HdrHistogram's log-linear layout, in nanoseconds.
//
// Values below 2048 ns get a bucket each. Above, every power of two is split
// into 1024 equal sub-buckets, so a bucket is never wider than 1/1024 of its
// lowest value: any value is reported within 0.1% of the truth, from 1 ns to
// kMaxValueNs (100 s), with 29,696 counters (232 KiB). Recording is an index
// computation and an increment: no allocation, no lock. Each load thread owns
// one; they are merged after the threads are joined.
//
// Debian has no C/C++ HdrHistogram package, hence this small one; the output
// format (hgrm_writer.hpp) is HdrHistogram's, so its tools read our files.

#include <cstdint>
#include <vector>

namespace echo {

class LatencyHistogram {
 public:
  static constexpr std::int64_t kMaxValueNs = 100'000'000'000;  // 100 s
  static constexpr int kSubBucketBits = 11;                     // 2048 linear values
  static constexpr std::int64_t kSubBucketCount = std::int64_t{1} << kSubBucketBits;
  static constexpr std::int64_t kHalfCount = kSubBucketCount / 2;

  LatencyHistogram();

  /// Records one value; negative values count as 0, huge ones as kMaxValueNs.
  void record(std::int64_t value_ns);
  /// Adds `count` values in bucket `index`, as a decoded log gives them: min
  /// and max become the bucket's bounds, and the mean takes the bucket's
  /// middle (HdrHistogram's own convention for counts without values).
  void record_at_index(std::size_t index, std::uint64_t count);
  /// Adds every count of `other` (same layout) to this one.
  void merge(const LatencyHistogram& other);
  /// Removes the counts of `earlier`, a past copy of this histogram (or of
  /// histograms merged into it), leaving what was recorded since: one
  /// interval of a run. min and max become the bounds of the lowest and
  /// highest buckets still counted (within 0.1%, as every value here).
  void subtract(const LatencyHistogram& earlier);
  void reset();

  [[nodiscard]] std::uint64_t count() const { return total_; }
  [[nodiscard]] std::int64_t min() const { return total_ ? min_ : 0; }
  [[nodiscard]] std::int64_t max() const { return max_; }
  [[nodiscard]] double mean() const;
  [[nodiscard]] double stddev() const;

  /// The value at `percentile` (0..100]: the highest value equivalent to the
  /// bucket holding the ceil(percentile% * count)-th smallest recorded value.
  [[nodiscard]] std::int64_t value_at_percentile(double percentile) const;

  // The bucket layout, for iteration (hgrm output) and for the tests.
  [[nodiscard]] static std::size_t index_of(std::int64_t value);
  [[nodiscard]] static std::int64_t lowest_in_bucket(std::size_t index);
  [[nodiscard]] static std::int64_t highest_in_bucket(std::size_t index);
  [[nodiscard]] std::size_t bucket_count() const { return counts_.size(); }
  [[nodiscard]] std::uint64_t count_at_index(std::size_t index) const { return counts_[index]; }

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t total_ = 0;
  std::int64_t min_ = kMaxValueNs;
  std::int64_t max_ = 0;
  double sum_ = 0;          // exact sums, so mean and stddev carry no
  double sum_squares_ = 0;  // bucket rounding
};

}  // namespace echo
