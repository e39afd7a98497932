#pragma once
// What a real service does between reading a request and answering it, so the
// benchmark can show where each model wins and loses: --work-us burns CPU
// (parsing, computing), --block-us sleeps the calling thread (a blocking
// database or disk call). Applied once per read, which with one message in
// flight per connection is once per message.

#include <chrono>
#include <thread>

namespace echo {

struct SimulatedWork {
  double cpu_us = 0;      ///< busy-loop this long (fractions allowed, for fine tuning)
  unsigned block_us = 0;  ///< then sleep this long

  [[nodiscard]] bool none() const { return cpu_us == 0 && block_us == 0; }

  void operator()() const {
    if (cpu_us > 0) {
      // Each iteration reads the clock, a call the compiler must keep, so the
      // loop cannot be optimised away.
      const auto until = std::chrono::steady_clock::now() +
                         std::chrono::nanoseconds(static_cast<long long>(cpu_us * 1000));
      while (std::chrono::steady_clock::now() < until) {
      }
    }
    if (block_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(block_us));
  }
};

}  // namespace echo
