#include "latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace echo {

LatencyHistogram::LatencyHistogram() : counts_(index_of(kMaxValueNs) + 1, 0) {}

std::size_t LatencyHistogram::index_of(std::int64_t value) {
  const auto v = static_cast<std::uint64_t>(std::clamp<std::int64_t>(value, 0, kMaxValueNs));
  if (v < static_cast<std::uint64_t>(kSubBucketCount)) return v;
  // Shift so that the value keeps kSubBucketBits significant bits: it lands in
  // [kHalfCount, kSubBucketCount), i.e. one of 1024 sub-buckets of its octave.
  const int shift = static_cast<int>(std::bit_width(v)) - kSubBucketBits;
  const std::uint64_t sub_bucket = v >> shift;
  return static_cast<std::size_t>(kSubBucketCount + (shift - 1) * kHalfCount +
                                  (static_cast<std::int64_t>(sub_bucket) - kHalfCount));
}

std::int64_t LatencyHistogram::lowest_in_bucket(std::size_t index) {
  const auto i = static_cast<std::int64_t>(index);
  if (i < kSubBucketCount) return i;
  const std::int64_t shift = (i - kSubBucketCount) / kHalfCount + 1;
  const std::int64_t sub_bucket = (i - kSubBucketCount) % kHalfCount + kHalfCount;
  return sub_bucket << shift;
}

std::int64_t LatencyHistogram::highest_in_bucket(std::size_t index) {
  const auto i = static_cast<std::int64_t>(index);
  if (i < kSubBucketCount) return i;
  const std::int64_t shift = (i - kSubBucketCount) / kHalfCount + 1;
  return lowest_in_bucket(index) + (std::int64_t{1} << shift) - 1;
}

void LatencyHistogram::record(std::int64_t value_ns) {
  const std::int64_t v = std::clamp<std::int64_t>(value_ns, 0, kMaxValueNs);
  ++counts_[index_of(v)];
  ++total_;
  min_ = std::min(min_, v);
  max_ = std::max(max_, v);
  const auto d = static_cast<double>(v);
  sum_ += d;
  sum_squares_ += d * d;
}

void LatencyHistogram::record_at_index(std::size_t index, std::uint64_t count) {
  if (count == 0) return;
  counts_.at(index) += count;
  total_ += count;
  min_ = std::min(min_, lowest_in_bucket(index));
  max_ = std::max(max_, highest_in_bucket(index));
  const double middle = (static_cast<double>(lowest_in_bucket(index)) +
                         static_cast<double>(highest_in_bucket(index))) /
                        2;
  sum_ += middle * static_cast<double>(count);
  sum_squares_ += middle * middle * static_cast<double>(count);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
  sum_squares_ += other.sum_squares_;
}

void LatencyHistogram::subtract(const LatencyHistogram& earlier) {
  std::size_t lowest = counts_.size();
  std::size_t highest = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    counts_[i] -= std::min(counts_[i], earlier.counts_[i]);
    if (counts_[i] != 0) {
      lowest = std::min(lowest, i);
      highest = i;
    }
  }
  total_ -= std::min(total_, earlier.total_);
  sum_ = std::max(0.0, sum_ - earlier.sum_);
  sum_squares_ = std::max(0.0, sum_squares_ - earlier.sum_squares_);
  if (total_ == 0) {
    *this = LatencyHistogram();
    return;
  }
  min_ = std::max(min_, lowest_in_bucket(lowest));
  max_ = std::min(max_, highest_in_bucket(highest));
}

void LatencyHistogram::reset() { *this = LatencyHistogram(); }

double LatencyHistogram::mean() const { return total_ ? sum_ / static_cast<double>(total_) : 0.0; }

double LatencyHistogram::stddev() const {
  if (total_ == 0) return 0.0;
  const double m = mean();
  return std::sqrt(std::max(0.0, sum_squares_ / static_cast<double>(total_) - m * m));
}

std::int64_t LatencyHistogram::value_at_percentile(double percentile) const {
  if (total_ == 0) return 0;
  const double fraction = std::clamp(percentile, 0.0, 100.0) / 100.0;
  const auto wanted = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(fraction * static_cast<double>(total_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= wanted) return std::min(highest_in_bucket(i), max_);
  }
  return max_;
}

}  // namespace echo
