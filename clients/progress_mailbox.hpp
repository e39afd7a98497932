#pragma once
// ProgressMailbox: how a load thread shows the --interval reporter what it
// has measured so far without sharing anything on its hot path. Once per
// interval the thread copies its message count and latency histogram in
// under a lock (a 232 KiB copy per interval); the reporter, on the engine's
// thread, adds every thread's copy up. The thread owns its live statistics;
// the mailbox owns the copy.

#include <cstdint>
#include <mutex>

#include "latency_histogram.hpp"

namespace echo {

class ProgressMailbox {
 public:
  /// Worker side: replaces the copy with the thread's totals so far.
  void publish(std::uint64_t messages, const LatencyHistogram& latency) {
    const std::lock_guard lock(mutex_);
    messages_ = messages;
    latency_ = latency;
  }

  /// Reporter side: adds the latest copy to `messages` and `latency`.
  void add_to(std::uint64_t& messages, LatencyHistogram& latency) const {
    const std::lock_guard lock(mutex_);
    messages += messages_;
    latency.merge(latency_);
  }

 private:
  mutable std::mutex mutex_;
  std::uint64_t messages_ = 0;
  LatencyHistogram latency_;
};

}  // namespace echo
