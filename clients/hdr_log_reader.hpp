#pragma once
// Reads HdrHistogram interval logs (.hlog) back into histograms: the
// inverse of hdr_interval_log, for merging what several load generators
// recorded (one .hlog per load host) into one exact histogram. Accepts what
// echo-load writes: V2 compressed histograms with 3 significant digits and
// a unit of 1 ns, the layout of LatencyHistogram.

#include <cstdint>
#include <istream>
#include <string_view>
#include <vector>

#include "latency_histogram.hpp"

namespace echo {

/// Standard base64 with padding (RFC 4648); throws std::runtime_error on a
/// character outside the alphabet.
std::vector<std::uint8_t> decode_base64(std::string_view text);

/// A compressed V2 encoding (what an .hlog line carries after base64) back
/// to its histogram; throws std::runtime_error naming what is wrong (cookie,
/// zlib, a layout other than LatencyHistogram's, a truncated payload).
LatencyHistogram decode_compressed_histogram(const std::vector<std::uint8_t>& bytes);

/// Every untagged interval's histogram of an .hlog, in order (comment,
/// header, legend and tagged lines skipped); throws std::runtime_error
/// naming the bad line.
std::vector<LatencyHistogram> read_hlog(std::istream& in);

}  // namespace echo
