#pragma once
// run_load(): the whole of one echo-load run, as a library call (echo-load's
// main and the benchmark harness both use it).

#include <functional>
#include <iosfwd>

#include "echo/clock.hpp"  // process_cpu_seconds(), which the harness reads too
#include "load_config.hpp"

namespace echo {

/// Called on run_load's own thread at the edges of the measured window, so a
/// caller (the benchmark harness) can sample the server's CPU over exactly
/// that window, and its memory while every connection is still open.
struct LoadHooks {
  std::function<void()> on_measure_start;
  std::function<void()> on_measure_end;
  /// Each interval of config.interval_s as it ends, with its histogram
  /// (echo-load writes its --hlog line from it). The last one comes after
  /// the threads have joined, and also holds what the drain recorded.
  std::function<void(const IntervalSummary&, const LatencyHistogram&)> on_interval;
  /// Once every connection has passed the ramp-up barrier (given how long
  /// that took): when to start, in seconds since the Unix epoch, 0 for at
  /// once. Overrides config.start_at_unix_s; echo-load --start-on-input asks
  /// its standard input.
  std::function<double(double ramp_up_s)> start_time;
};

/// Connects, ramps up, warms up, measures, and merges every thread's results. Progress
/// lines go to `progress` when config.progress_lines (nullptr: none).
/// Throws std::runtime_error when the host cannot be resolved.
LoadResult run_load(const LoadConfig& config, std::ostream* progress = nullptr,
                    const LoadHooks& hooks = {});

}  // namespace echo
