#pragma once
// run_load(): the whole of one echo-load run, as a library call (echo-load's
// main and the benchmark harness both use it).

#include <iosfwd>

#include "load_config.hpp"

namespace echo {

/// Connects, warms up, measures, and merges every thread's results. Progress
/// lines go to `progress` when config.interval_s > 0 (nullptr: none).
/// Throws std::runtime_error when the host cannot be resolved.
LoadResult run_load(const LoadConfig& config, std::ostream* progress = nullptr);

}  // namespace echo
