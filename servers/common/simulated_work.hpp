#pragma once
// What a real service does between reading a request and answering it, so the
// benchmark can show where each model wins and loses: --work-us burns CPU
// (parsing, computing), --block-us sleeps the calling thread (a blocking
// database or disk call). With --message-bytes N it is applied once per N
// bytes received, i.e. once per request however the reads split or batch
// them (an open-loop client pipelines, so one read can hold many); without,
// once per read, which with one message in flight per connection is the same.

#include <poll.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <thread>

#include "shutdown_signals.hpp"

namespace echo {

struct SimulatedWork {
  double cpu_us = 0;              ///< busy-loop this long (fractions allowed, for fine tuning)
  unsigned block_us = 0;          ///< then sleep this long
  std::size_t message_bytes = 0;  ///< a request's size; 0 = once per read

  [[nodiscard]] bool none() const { return cpu_us == 0 && block_us == 0; }

  /// After a read of `bytes` on a stream that had received `received` bytes
  /// before it (the caller's per-connection count, updated here): the work
  /// of every request that read completed.
  void after_read(std::size_t bytes, std::uint64_t& received) const {
    if (none()) return;
    std::uint64_t requests = 1;
    if (message_bytes > 0) requests = (received + bytes) / message_bytes - received / message_bytes;
    received += bytes;
    for (; requests > 0; --requests) (*this)();
  }

  /// The server's shutdown descriptor (readable once SIGINT/SIGTERM came,
  /// and from then on): work in progress ends early when it is, so that
  /// simulated work never holds shutdown past the contract's 2 s. -1: none.
  int stop_fd = -1;

  [[nodiscard]] bool stop_requested() const { return shutdown_requested(stop_fd); }

  void operator()() const {
    if (cpu_us > 0) {
      // Each iteration reads the clock, a call the compiler must keep, so the
      // loop cannot be optimised away. After every 100 µs of it, it asks
      // whether to stop: never sooner, so work shorter than that costs
      // exactly what it says (a poll() per call would add a system call to
      // every message, which tools/gate-qualify's calibration caught).
      const auto start = std::chrono::steady_clock::now();
      const auto until = start + std::chrono::nanoseconds(static_cast<long long>(cpu_us * 1000));
      auto next_check = start + std::chrono::microseconds(100);
      for (auto now = start; now < until; now = std::chrono::steady_clock::now()) {
        if (now >= next_check) {
          if (stop_requested()) return;
          next_check = now + std::chrono::microseconds(100);
        }
      }
    }
    if (block_us > 0) {
      if (stop_fd < 0) {
        std::this_thread::sleep_for(std::chrono::microseconds(block_us));
      } else {  // a sleep that the shutdown signal cuts short
        pollfd pfd{stop_fd, POLLIN, 0};
        const timespec timeout{static_cast<time_t>(block_us / 1000000),
                               static_cast<long>(block_us % 1000000) * 1000};
        ::ppoll(&pfd, 1, &timeout, nullptr);
      }
    }
  }
};

}  // namespace echo
