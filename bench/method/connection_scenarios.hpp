#pragma once
// The two scenarios that are about connections rather than messages:
// holding many idle ones, and opening and closing them as fast as possible.

#include <chrono>
#include <cstdint>
#include <vector>

#include "echo/unique_fd.hpp"
#include "latency_histogram.hpp"

namespace echo::bench {

struct IdleConnections {
  std::vector<UniqueFd> sockets;  ///< open and served, each echoed one byte
  double seconds = 0;             ///< how long opening them all took
  std::string first_error;        ///< why it stopped short, if it did
};

/// Opens up to `count` connections to 127.0.0.1:port, each echoing one byte
/// (so the server has really taken it on: a thread, a child, a coroutine),
/// and keeps them open. Stops early at the first failure: a connection
/// refused, or not echoed within 10 s. No budget for the whole: a server
/// that forks a process per connection takes as long as the machine takes
/// to fork them, and is wrong only when one connection goes unserved.
IdleConnections open_idle_connections(std::uint16_t port, unsigned count);

struct ChurnResult {
  std::uint64_t cycles = 0;  ///< connect + echo + close, completed
  std::uint64_t errors = 0;
  std::uint64_t mismatches = 0;
  double seconds = 0;
  LatencyHistogram latency;  ///< of whole cycles
};

/// `threads` threads each repeat connect / echo `size` bytes / close for
/// `duration`: the cost of setting a connection up, where fork and
/// thread-per-connection pay and the others do not.
ChurnResult run_churn(std::uint16_t port, unsigned threads, std::size_t size,
                      std::chrono::milliseconds duration);

}  // namespace echo::bench
