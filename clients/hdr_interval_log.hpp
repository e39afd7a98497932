#pragma once
// Writes HdrHistogram interval logs (.hlog): the text format of HdrHistogram's
// HistogramLogWriter (log format 1.3), one line per interval, each carrying a
// histogram in the V2 compressed encoding, so HistogramLogReader and
// HistogramLogProcessor (and HdrHistogram's C, Go, Rust and Python ports) read
// echo-load's latencies interval by interval and can merge them exactly.
//
// The encoding, from the format's specification (HdrHistogram's
// AbstractHistogram, "Encoding/Decoding support"); every integer big-endian:
//   compressed:   int32 cookie 0x1c849314, int32 length N, N bytes of zlib
//                 (deflate with zlib's header) of the uncompressed form;
//   uncompressed: int32 cookie 0x1c849313, int32 payload length,
//                 int32 normalizing index offset (0), int32 significant
//                 digits (3), int64 lowest discernible value (1), int64
//                 highest trackable value (kMaxValueNs), float64 integer to
//                 double ratio (1.0), then the payload: the counts from index
//                 0 to the index of the maximum, each a ZigZag LEB128 int64
//                 (at most 9 bytes, the 9th holding 8 bits), where a run of
//                 two or more zero counts is written once as minus its length.
// LatencyHistogram's layout is HdrHistogram's for exactly those parameters
// (2048 sub-buckets, unit 1 ns), so the indices need no translation.

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "latency_histogram.hpp"

namespace echo {

/// Appends `value` in ZigZag LEB128-64b9B, the V2 payload's word.
void put_zigzag_leb128(std::vector<std::uint8_t>& out, std::int64_t value);

/// The uncompressed V2 encoding of `histogram` (header and payload).
std::vector<std::uint8_t> encode_histogram(const LatencyHistogram& histogram);

/// The compressed V2 encoding: what an .hlog line carries, before base64.
std::vector<std::uint8_t> encode_compressed_histogram(const LatencyHistogram& histogram);

/// Standard base64 with padding (RFC 4648, section 4), as the log uses.
std::string base64(const std::vector<std::uint8_t>& bytes);

/// The log's header: format version, start time (seconds since the Unix
/// epoch, also the base time every interval's start is counted from), and
/// the column legend.
void write_hlog_header(std::ostream& out, double start_epoch_s);

/// One interval: its start (seconds after the header's start time), its
/// length in seconds, its maximum in milliseconds (HistogramLogWriter's
/// default unit ratio of 10^6 for nanosecond values), and the histogram.
/// A non-empty `tag` prefixes the line with "Tag=TAG," as HistogramLogWriter
/// does for a tagged histogram; readers that ask for no tag skip such lines.
void write_hlog_interval(std::ostream& out, double start_s, double length_s,
                         const LatencyHistogram& histogram, const std::string& tag = "");

}  // namespace echo
