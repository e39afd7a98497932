#include "payload_pattern.hpp"

namespace echo {

PayloadPattern::PayloadPattern(std::size_t max_message_size) : bytes_(kPeriod + max_message_size) {
  // xorshift64: fast, deterministic, and no byte value is favoured.
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  for (auto& byte : bytes_) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    byte = static_cast<char>(state >> 56);
  }
}

}  // namespace echo
