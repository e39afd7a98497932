#pragma once
// PayloadPattern: what every message carries, built so that checking every
// echoed byte costs one memcmp and sending costs no copy at all.
//
// One pseudo-random pattern (read-only, shared by all threads) is cut into
// slices: message `k` of stream `s` is the `size`-byte slice starting at
// (s * kStreamStride + k * kMessageStride) mod kPeriod. Consecutive messages
// are different slices, so a lost, duplicated, reordered or shifted message
// does not compare equal, and a corrupted byte obviously does not.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace echo {

class PayloadPattern {
 public:
  static constexpr std::size_t kPeriod = 65521;        // prime
  static constexpr std::size_t kMessageStride = 7919;  // prime, coprime with kPeriod
  static constexpr std::size_t kStreamStride = 4099;

  /// A pattern able to serve messages of up to `max_message_size` bytes.
  explicit PayloadPattern(std::size_t max_message_size);

  /// The expected bytes of message `sequence` on `stream` (a connection):
  /// `max_message_size` readable bytes starting at the returned pointer.
  [[nodiscard]] const char* message(std::uint32_t stream, std::uint64_t sequence) const {
    const std::size_t offset =
        (stream * kStreamStride + (sequence % kPeriod) * kMessageStride) % kPeriod;
    return bytes_.data() + offset;
  }

 private:
  std::vector<char> bytes_;  // kPeriod + max_message_size bytes
};

}  // namespace echo
