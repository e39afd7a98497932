#pragma once
// The figures of one echo-load run that a benchmark case is built from, by
// one route whether the run was in this process (summarize) or on another
// host, read back from its JSON (read_load_json). So a remote case's counters
// come from the same fields as a local one's, and a key missing from the JSON
// is an error naming it, never a silent 0.

#include <cstdint>
#include <string>
#include <vector>

#include "load_config.hpp"

namespace echo {

struct LoadSummary {
  std::uint64_t connections = 0;  ///< asked for
  std::uint64_t connected = 0;
  std::uint64_t messages = 0;  ///< answered in the window
  std::uint64_t errors = 0;
  std::uint64_t mismatches = 0;
  std::uint64_t sent = 0;  ///< UDP: datagrams sent in the window
  std::uint64_t lost = 0;  ///< UDP
  double duration_s = 0;   ///< the measured window
  double msgs_per_s = 0;
  double p99_us = 0;  ///< corrected for coordinated omission in open loop
  double client_cpu_us_per_msg = 0;
  double ramp_up_s = 0;
  std::vector<std::string> failures;  ///< failure_reasons: empty when the run passed

  bool operator==(const LoadSummary&) const = default;
};

/// The summary of a run in this process.
LoadSummary summarize(const LoadResult& result);

/// The summary in echo-load's JSON (write_json's output). Throws
/// std::runtime_error naming the first missing or non-numeric key, or
/// saying the text is not a JSON object.
LoadSummary read_load_json(const std::string& text);

}  // namespace echo
