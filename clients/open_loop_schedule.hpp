#pragma once
// When each message is due in an open-loop run (wrk2's idea).
//
// A thread sends at rate R_t on a fixed grid: its j-th message is due at
// start + j / R_t, whatever the server does. Message j goes to connection
// j mod N_t as that connection's (j div N_t)-th message, so each connection
// runs at R_t / N_t, evenly interleaved. Latency is measured from the due
// time: if the server stalls, the messages that should have gone out during
// the stall are charged the stall, instead of silently not being sent
// (coordinated omission).

#include <cstdint>

namespace echo {

class OpenLoopSchedule {
 public:
  OpenLoopSchedule(std::int64_t start_ns, double thread_rate, unsigned connections)
      : start_ns_(start_ns), interval_ns_(1e9 / thread_rate), connections_(connections) {}

  /// Due time of connection `c`'s message number `sequence`.
  [[nodiscard]] std::int64_t due_ns(unsigned c, std::uint64_t sequence) const {
    return due_of(sequence * connections_ + c);
  }

  /// How many of the thread's messages are due at `now_ns`.
  [[nodiscard]] std::uint64_t due_count(std::int64_t now_ns) const {
    if (now_ns < start_ns_) return 0;
    return static_cast<std::uint64_t>(static_cast<double>(now_ns - start_ns_) / interval_ns_) + 1;
  }

  /// Due time of the thread's message number `j`.
  [[nodiscard]] std::int64_t due_of(std::uint64_t j) const {
    return start_ns_ + static_cast<std::int64_t>(static_cast<double>(j) * interval_ns_);
  }

 private:
  std::int64_t start_ns_;
  double interval_ns_;
  unsigned connections_;
};

}  // namespace echo
