#include "hdr_log_reader.hpp"

#include <zlib.h>

#include <array>
#include <bit>
#include <sstream>
#include <stdexcept>
#include <string>

namespace echo {
namespace {

constexpr std::uint32_t kEncodingCookie = 0x1c849313;
constexpr std::uint32_t kCompressedEncodingCookie = 0x1c849314;
constexpr std::size_t kHeaderBytes = 40;  // cookie .. integer-to-double ratio

// Reads big-endian integers and ZigZag LEB128 words from a byte range,
// throwing when it runs out.
class ByteReader {
 public:
  ByteReader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  std::uint64_t big_endian(int bytes) {
    std::uint64_t value = 0;
    for (int i = 0; i < bytes; ++i) value = (value << 8) | next();
    return value;
  }

  std::int64_t zigzag_leb128() {
    std::uint64_t bits = 0;
    for (int byte = 0; byte < 8; ++byte) {
      const std::uint8_t b = next();
      bits |= std::uint64_t{b & 0x7fu} << (7 * byte);
      if ((b & 0x80) == 0) return decode(bits);
    }
    bits |= std::uint64_t{next()} << 56;  // the 9th byte holds 8 bits
    return decode(bits);
  }

  [[nodiscard]] bool done() const { return at_ == size_; }

 private:
  static std::int64_t decode(std::uint64_t bits) {
    return static_cast<std::int64_t>(bits >> 1) ^ -static_cast<std::int64_t>(bits & 1);
  }
  std::uint8_t next() {
    if (at_ == size_) throw std::runtime_error("histogram encoding is truncated");
    return data_[at_++];
  }
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

std::vector<std::uint8_t> inflate_all(const std::uint8_t* data, std::size_t size) {
  z_stream stream{};
  if (::inflateInit(&stream) != Z_OK) throw std::runtime_error("zlib inflateInit failed");
  stream.next_in = const_cast<Bytef*>(data);
  stream.avail_in = static_cast<uInt>(size);
  std::vector<std::uint8_t> out;
  std::array<std::uint8_t, 16384> chunk{};
  int status = Z_OK;
  while (status == Z_OK) {
    stream.next_out = chunk.data();
    stream.avail_out = static_cast<uInt>(chunk.size());
    status = ::inflate(&stream, Z_NO_FLUSH);
    out.insert(out.end(), chunk.data(), chunk.data() + (chunk.size() - stream.avail_out));
    if (status == Z_BUF_ERROR && stream.avail_in == 0) break;  // input ended early
  }
  ::inflateEnd(&stream);
  if (status != Z_STREAM_END) throw std::runtime_error("histogram's zlib data is damaged");
  return out;
}

}  // namespace

std::vector<std::uint8_t> decode_base64(std::string_view text) {
  std::vector<std::uint8_t> out;
  std::uint32_t group = 0;
  int bits = 0;
  for (const char c : text) {
    int value = 0;
    if (c >= 'A' && c <= 'Z')
      value = c - 'A';
    else if (c >= 'a' && c <= 'z')
      value = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      value = c - '0' + 52;
    else if (c == '+')
      value = 62;
    else if (c == '/')
      value = 63;
    else if (c == '=')
      break;
    else
      throw std::runtime_error(std::string("not base64: '") + c + "'");
    group = (group << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(group >> bits));
    }
  }
  return out;
}

LatencyHistogram decode_compressed_histogram(const std::vector<std::uint8_t>& bytes) {
  ByteReader outer(bytes.data(), bytes.size());
  if (outer.big_endian(4) != kCompressedEncodingCookie) {
    throw std::runtime_error("not a compressed V2 histogram (cookie)");
  }
  const auto length = static_cast<std::size_t>(outer.big_endian(4));
  if (length > bytes.size() - 8) throw std::runtime_error("histogram encoding is truncated");
  const std::vector<std::uint8_t> plain = inflate_all(bytes.data() + 8, length);

  ByteReader header(plain.data(), plain.size());
  if (header.big_endian(4) != kEncodingCookie)
    throw std::runtime_error("not a V2 histogram (cookie)");
  const auto payload = static_cast<std::size_t>(header.big_endian(4));
  const std::uint64_t offset = header.big_endian(4);
  const std::uint64_t digits = header.big_endian(4);
  const std::uint64_t lowest = header.big_endian(8);
  header.big_endian(8);  // highest trackable value: ours covers whatever fits the layout
  const std::uint64_t ratio = header.big_endian(8);
  if (offset != 0 || digits != 3 || lowest != 1 || ratio != std::bit_cast<std::uint64_t>(1.0)) {
    throw std::runtime_error("histogram layout is not echo-load's (3 digits, 1 ns, no offset)");
  }
  if (payload > plain.size() - kHeaderBytes)
    throw std::runtime_error("histogram encoding is truncated");

  LatencyHistogram histogram;
  ByteReader words(plain.data() + kHeaderBytes, payload);
  for (std::size_t index = 0; !words.done();) {
    const std::int64_t word = words.zigzag_leb128();
    if (word < 0) {
      index += static_cast<std::size_t>(-word);  // a run of zero counts
      continue;
    }
    if (index >= histogram.bucket_count()) throw std::runtime_error("histogram index out of range");
    histogram.record_at_index(index++, static_cast<std::uint64_t>(word));
  }
  return histogram;
}

std::vector<LatencyHistogram> read_hlog(std::istream& in) {
  std::vector<LatencyHistogram> histograms;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#' || line[0] == '"') continue;
    // A tagged line (echo-load's "uncorrected" whole window) is another
    // series: like HdrHistogram's readers asked for no tag, skip it.
    if (line.rfind("Tag=", 0) == 0) continue;
    const auto comma = line.rfind(',');
    try {
      if (comma == std::string::npos) throw std::runtime_error("no histogram column");
      histograms.push_back(decode_compressed_histogram(decode_base64(line.substr(comma + 1))));
    } catch (const std::runtime_error& error) {
      throw std::runtime_error("line " + std::to_string(number) + ": " + error.what());
    }
  }
  return histograms;
}

}  // namespace echo
