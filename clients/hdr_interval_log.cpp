#include "hdr_interval_log.hpp"

#include <zlib.h>

#include <bit>
#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace echo {
namespace {

constexpr std::uint32_t kEncodingCookie = 0x1c849313;            // V2, ZigZag LEB128 words
constexpr std::uint32_t kCompressedEncodingCookie = 0x1c849314;  // the same, deflated
constexpr std::int32_t kSignificantDigits = 3;                   // 2048 sub-buckets
constexpr std::int64_t kLowestDiscernibleValue = 1;              // 1 ns
constexpr double kMaxValueUnitRatio = 1e6;                       // ns -> ms on each line

void put_big_endian(std::vector<std::uint8_t>& out, std::uint64_t value, int bytes) {
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

void overwrite_big_endian_32(std::vector<std::uint8_t>& out, std::size_t at, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out[at + i] = static_cast<std::uint8_t>(value >> (24 - 8 * i));
}

std::string printf_string(const char* pattern, auto... args) {
  char text[128];
  std::snprintf(text, sizeof text, pattern, args...);
  return text;
}

}  // namespace

void put_zigzag_leb128(std::vector<std::uint8_t>& out, std::int64_t value) {
  // ZigZag maps 0, -1, 1, -2 ... to 0, 1, 2, 3 ...; then 7 bits per byte, low
  // first, the high bit saying "more follows", except that a 9th byte holds
  // the last 8 bits whole (so 64 bits never need a 10th).
  auto bits = (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
  for (int byte = 0; byte < 8; ++byte) {
    if (bits < 0x80) {
      out.push_back(static_cast<std::uint8_t>(bits));
      return;
    }
    out.push_back(static_cast<std::uint8_t>((bits & 0x7f) | 0x80));
    bits >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(bits));
}

std::vector<std::uint8_t> encode_histogram(const LatencyHistogram& histogram) {
  std::vector<std::uint8_t> out;
  put_big_endian(out, kEncodingCookie, 4);
  put_big_endian(out, 0, 4);  // payload length, filled in below
  put_big_endian(out, 0, 4);  // normalizing index offset
  put_big_endian(out, kSignificantDigits, 4);
  put_big_endian(out, kLowestDiscernibleValue, 8);
  put_big_endian(out, LatencyHistogram::kMaxValueNs, 8);
  put_big_endian(out, std::bit_cast<std::uint64_t>(1.0), 8);  // integer to double ratio
  const std::size_t payload_start = out.size();

  const std::size_t limit = LatencyHistogram::index_of(histogram.max()) + 1;
  for (std::size_t i = 0; i < limit;) {
    const std::uint64_t count = histogram.count_at_index(i++);
    if (count != 0) {
      put_zigzag_leb128(out, static_cast<std::int64_t>(count));
      continue;
    }
    std::int64_t zeros = 1;
    for (; i < limit && histogram.count_at_index(i) == 0; ++i) ++zeros;
    put_zigzag_leb128(out, zeros > 1 ? -zeros : 0);
  }
  overwrite_big_endian_32(out, 4, static_cast<std::uint32_t>(out.size() - payload_start));
  return out;
}

std::vector<std::uint8_t> encode_compressed_histogram(const LatencyHistogram& histogram) {
  const std::vector<std::uint8_t> plain = encode_histogram(histogram);
  uLongf deflated_size = ::compressBound(static_cast<uLong>(plain.size()));
  std::vector<std::uint8_t> out(8 + deflated_size);
  if (::compress2(out.data() + 8, &deflated_size, plain.data(), static_cast<uLong>(plain.size()),
                  Z_DEFAULT_COMPRESSION) != Z_OK) {
    throw std::runtime_error("zlib could not compress a histogram");
  }
  out.resize(8 + deflated_size);
  overwrite_big_endian_32(out, 0, kCompressedEncodingCookie);
  overwrite_big_endian_32(out, 4, static_cast<std::uint32_t>(deflated_size));
  return out;
}

std::string base64(const std::vector<std::uint8_t>& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t left = bytes.size() - i;
    std::uint32_t group = std::uint32_t{bytes[i]} << 16;
    if (left > 1) group |= std::uint32_t{bytes[i + 1]} << 8;
    if (left > 2) group |= bytes[i + 2];
    out += kAlphabet[(group >> 18) & 63];
    out += kAlphabet[(group >> 12) & 63];
    out += left > 1 ? kAlphabet[(group >> 6) & 63] : '=';
    out += left > 2 ? kAlphabet[group & 63] : '=';
  }
  return out;
}

void write_hlog_header(std::ostream& out, double start_epoch_s) {
  const auto whole = static_cast<std::time_t>(start_epoch_s);
  std::tm utc{};
  ::gmtime_r(&whole, &utc);
  char date[64];
  std::strftime(date, sizeof date, "%a %b %d %H:%M:%S UTC %Y", &utc);
  out << "#[Histogram log format version 1.3]\n"
      << printf_string("#[StartTime: %.3f (seconds since epoch), %s]\n", start_epoch_s, date)
      << printf_string("#[BaseTime: %.3f (seconds since epoch)]\n", start_epoch_s)
      << "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_"
         "Histogram\"\n";
}

void write_hlog_interval(std::ostream& out, double start_s, double length_s,
                         const LatencyHistogram& histogram, const std::string& tag) {
  if (!tag.empty()) out << "Tag=" << tag << ',';
  out << printf_string("%.3f,%.3f,%.3f,", start_s, length_s,
                       static_cast<double>(histogram.max()) / kMaxValueUnitRatio)
      << base64(encode_compressed_histogram(histogram)) << '\n';
}

}  // namespace echo
