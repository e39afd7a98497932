#pragma once
// One echo-bench per CPU at a time. Two runs pinned to the same CPUs share
// them, and each measures the other's load as its own: io-uring's 80.9k
// msgs/s read 32.6k and 39.1k in two simultaneous runs, both exit 0. So
// echo-bench holds an exclusive flock(2) on one file per CPU it pins, for
// the whole run; the kernel drops it when the process ends, however it ends.
//
// The files live in /run/lock/echo-bench (or, where that cannot be made,
// in the temporary directory), one per CPU: cpu-N.lock, holding the PID of
// the run that has it, for the message a second run prints.

#include <stdexcept>
#include <vector>

#include "echo/unique_fd.hpp"

namespace echo::bench {

/// Another run holds a CPU and waiting was not wanted; what() names the CPU
/// and that run's PID.
class CpuBusy : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class CpuLocks {
 public:
  /// Locks every CPU of `cpus`. When another run holds one: with `wait`,
  /// says so once on standard error and waits for it; without, throws
  /// CpuBusy. Throws std::runtime_error if no lock file can be made.
  CpuLocks(const std::vector<int>& cpus, bool wait);

 private:
  std::vector<UniqueFd> held_;
};

}  // namespace echo::bench
