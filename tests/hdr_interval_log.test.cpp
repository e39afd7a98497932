// The HdrHistogram interval log writer: the V2 encoding against golden bytes
// worked out by hand from the format's specification (tests/data/hlog), the
// zlib wrapper, base64 against RFC 4648's vectors, the log's text lines,
// and LatencyHistogram's layout against HdrHistogram's index formula. The
// round trip through a decoder is tools/echobench/tests/test_hlog.py.

#include "hdr_interval_log.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <bit>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "hdr_log_reader.hpp"

namespace echo {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Reads a golden .hex file: hexadecimal bytes, `#` starts a comment.
Bytes read_hex(const std::string& name) {
  std::ifstream file(std::string(ECHO_TEST_DATA_DIR) + "/hlog/" + name);
  EXPECT_TRUE(file) << name;
  Bytes bytes;
  for (std::string line; std::getline(file, line);) {
    std::istringstream words(line.substr(0, line.find('#')));
    for (std::string word; words >> word;) {
      bytes.push_back(static_cast<std::uint8_t>(std::stoul(word, nullptr, 16)));
    }
  }
  return bytes;
}

Bytes zigzag(std::int64_t value) {
  Bytes out;
  put_zigzag_leb128(out, value);
  return out;
}

LatencyHistogram with(std::initializer_list<std::pair<std::int64_t, int>> values) {
  LatencyHistogram h;
  for (const auto& [value, times] : values) {
    for (int i = 0; i < times; ++i) h.record(value);
  }
  return h;
}

// HdrHistogram's countsArrayIndex for unit magnitude 0 and 2048 sub-buckets,
// written the way the specification states it (leading zeros, not bit_width).
std::size_t hdr_counts_index(std::int64_t value) {
  const int bucket = 53 - std::countl_zero(static_cast<std::uint64_t>(value) | 2047u);
  const std::int64_t sub_bucket = value >> bucket;
  return static_cast<std::size_t>(((bucket + 1) << 10) + (sub_bucket - 1024));
}

TEST(HdrIntervalLog, ZigZagLeb128WordsMatchTheSpecification) {
  EXPECT_EQ(zigzag(0), (Bytes{0x00}));
  EXPECT_EQ(zigzag(-1), (Bytes{0x01}));
  EXPECT_EQ(zigzag(1), (Bytes{0x02}));
  EXPECT_EQ(zigzag(63), (Bytes{0x7e}));
  EXPECT_EQ(zigzag(-64), (Bytes{0x7f}));
  EXPECT_EQ(zigzag(64), (Bytes{0x80, 0x01}));
  EXPECT_EQ(zigzag(8191), (Bytes{0xfe, 0x7f}));
  // 2^55: z = 2^56 needs all 9 bytes; the 9th carries 8 bits, not 7.
  EXPECT_EQ(zigzag(std::int64_t{1} << 55),
            (Bytes{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}));
  EXPECT_EQ(zigzag(std::numeric_limits<std::int64_t>::max()),
            (Bytes{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(zigzag(std::numeric_limits<std::int64_t>::min()), Bytes(9, 0xff));
}

TEST(HdrIntervalLog, EncodingMatchesGoldenBytesDerivedFromTheSpecification) {
  EXPECT_EQ(encode_histogram(with({{1000, 2}, {5000, 1}})), read_hex("two_values.hex"));
  EXPECT_EQ(encode_histogram(LatencyHistogram()), read_hex("empty.hex"));
  EXPECT_EQ(encode_histogram(with({{0, 1}, {2, 1}})), read_hex("single_zero_between.hex"));
  EXPECT_EQ(encode_histogram(with({{LatencyHistogram::kMaxValueNs, 300}})),
            read_hex("at_the_top.hex"));
}

TEST(HdrIntervalLog, LayoutIsHdrHistogramsForItsParameters) {
  for (const std::int64_t value :
       {std::int64_t{0}, std::int64_t{1}, std::int64_t{2047}, std::int64_t{2048},
        std::int64_t{4095}, std::int64_t{4096}, std::int64_t{5000}, std::int64_t{123'456'789},
        LatencyHistogram::kMaxValueNs}) {
    EXPECT_EQ(LatencyHistogram::index_of(value), hdr_counts_index(value)) << value;
  }
}

TEST(HdrIntervalLog, CompressedFormIsCookieLengthAndZlibOfTheEncoding) {
  const LatencyHistogram h = with({{1000, 2}, {5000, 1}, {40'000'000, 7}});
  const Bytes compressed = encode_compressed_histogram(h);
  ASSERT_GT(compressed.size(), 8u);
  EXPECT_EQ(Bytes(compressed.begin(), compressed.begin() + 4), (Bytes{0x1c, 0x84, 0x93, 0x14}));
  const std::uint32_t length = (std::uint32_t{compressed[4]} << 24) |
                               (std::uint32_t{compressed[5]} << 16) |
                               (std::uint32_t{compressed[6]} << 8) | compressed[7];
  EXPECT_EQ(length, compressed.size() - 8);
  const Bytes plain = encode_histogram(h);
  Bytes inflated(plain.size() + 64);
  uLongf inflated_size = inflated.size();
  ASSERT_EQ(::uncompress(inflated.data(), &inflated_size, compressed.data() + 8, length), Z_OK);
  inflated.resize(inflated_size);
  EXPECT_EQ(inflated, plain);
}

TEST(HdrIntervalLog, Base64MatchesRfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [text, encoded] : vectors) {
    const std::string input = text;
    EXPECT_EQ(base64(Bytes(input.begin(), input.end())), encoded) << text;
  }
  EXPECT_EQ(base64(Bytes{0xfb, 0xff}), "+/8=");
}

TEST(HdrIntervalLog, HeaderAndIntervalLinesFollowHistogramLogWriter) {
  std::ostringstream log;
  write_hlog_header(log, 1'700'000'000.125);
  write_hlog_interval(log, 2.0, 0.5, with({{1000, 2}, {5000, 1}}));
  const std::string expected_header =
      "#[Histogram log format version 1.3]\n"
      "#[StartTime: 1700000000.125 (seconds since epoch), Tue Nov 14 22:13:20 UTC 2023]\n"
      "#[BaseTime: 1700000000.125 (seconds since epoch)]\n"
      "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n";
  const std::string text = log.str();
  ASSERT_EQ(text.substr(0, expected_header.size()), expected_header);
  // start s, length s, max in ms (5000 ns), then the compressed histogram.
  const std::string line = text.substr(expected_header.size());
  const std::string fields = "2.000,0.500,0.005,";
  ASSERT_EQ(line.substr(0, fields.size()), fields);
  EXPECT_EQ(line.substr(fields.size()),
            base64(encode_compressed_histogram(with({{1000, 2}, {5000, 1}}))) + "\n");
  // The cookie 0x1c849314 and a length under 65536, as on every .hlog line.
  EXPECT_EQ(line.substr(fields.size(), 8), "HISTFAAA");
}

TEST(LatencyHistogramInterval, SubtractLeavesWhatWasRecordedSince) {
  LatencyHistogram total = with({{1000, 5}, {90'000, 1}});
  const LatencyHistogram earlier = total;
  for (int i = 0; i < 3; ++i) total.record(20'000);
  total.record(30'000);
  total.subtract(earlier);
  EXPECT_EQ(total.count(), 4u);
  EXPECT_EQ(total.value_at_percentile(50),
            LatencyHistogram::highest_in_bucket(LatencyHistogram::index_of(20'000)));
  // Bounds of the buckets still counted: not the earlier 1 µs and 90 µs.
  EXPECT_EQ(total.max(), LatencyHistogram::highest_in_bucket(LatencyHistogram::index_of(30'000)));
  EXPECT_EQ(total.min(), LatencyHistogram::lowest_in_bucket(LatencyHistogram::index_of(20'000)));
  EXPECT_NEAR(total.mean(), 22'500, 1);

  LatencyHistogram nothing_new = earlier;
  nothing_new.subtract(earlier);
  EXPECT_EQ(nothing_new.count(), 0u);
  EXPECT_EQ(nothing_new.max(), 0);
}

}  // namespace
}  // namespace echo

namespace echo {
namespace {

// Issue 12's merge: what two load hosts log, read back and merged, is the
// histogram of every value recorded on one.
TEST(HdrLogReader, TwoHostsLogsMergedEqualAllValuesRecordedOnOne) {
  LatencyHistogram host_a, host_b, all;
  std::uint64_t state = 862;
  for (int i = 0; i < 20'000; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;  // a fixed LCG
    const auto value = static_cast<std::int64_t>(1'000 + (state >> 33) % 50'000'000);
    (i % 3 == 0 ? host_a : host_b).record(value);
    all.record(value);
  }
  std::stringstream log_a, log_b;
  for (const auto& [log, histogram] : {std::pair{&log_a, &host_a}, std::pair{&log_b, &host_b}}) {
    write_hlog_header(*log, 1.7e9);
    write_hlog_interval(*log, 0.0, 1.0, *histogram);
  }
  LatencyHistogram merged;
  for (auto* log : {&log_a, &log_b}) {
    const std::vector<LatencyHistogram> intervals = read_hlog(*log);
    ASSERT_EQ(intervals.size(), 1u);
    merged.merge(intervals[0]);
  }
  ASSERT_EQ(merged.count(), all.count());
  std::size_t differing = 0;
  for (std::size_t i = 0; i < all.bucket_count(); ++i)
    differing += merged.count_at_index(i) != all.count_at_index(i) ? 1 : 0;
  EXPECT_EQ(differing, 0u);
  for (const double p : {50.0, 90.0, 99.0, 99.9})
    EXPECT_EQ(merged.value_at_percentile(p), all.value_at_percentile(p)) << p;
  // The log keeps counts per bucket, not the values: the maximum comes back
  // as its bucket (within 0.1%), as in every HdrHistogram reader.
  EXPECT_EQ(LatencyHistogram::index_of(merged.max()), LatencyHistogram::index_of(all.max()));
}

TEST(HdrIntervalLog, ATaggedLineIsWrittenAsHistogramLogWriterTagsAndSkippedByTheReader) {
  std::stringstream log;
  write_hlog_header(log, 1.7e9);
  write_hlog_interval(log, 0.0, 1.0, with({{1000, 2}}));
  write_hlog_interval(log, 0.0, 1.0, with({{9000, 5}}), "uncorrected");
  EXPECT_NE(log.str().find("\nTag=uncorrected,0.000,1.000,0.009,HISTFAAA"), std::string::npos)
      << log.str();
  const std::vector<LatencyHistogram> untagged = read_hlog(log);
  ASSERT_EQ(untagged.size(), 1u);
  EXPECT_EQ(untagged[0].count(), 2u);
}

TEST(HdrLogReader, DamagedLinesAreErrorsNamingTheLine) {
  std::stringstream bad_base64("#[comment]\n0.000,1.000,0.001,not*base64\n");
  EXPECT_THROW(read_hlog(bad_base64), std::runtime_error);
  LatencyHistogram one;
  one.record(5000);
  std::string text = base64(encode_compressed_histogram(one));
  text[text.size() / 2] = text[text.size() / 2] == 'A' ? 'B' : 'A';  // damage the zlib data
  std::stringstream damaged("0.000,1.000,0.005," + text + "\n");
  try {
    read_hlog(damaged);
    ADD_FAILURE() << "a damaged histogram was read";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("line 1"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace echo
