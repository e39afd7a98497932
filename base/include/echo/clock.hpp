#pragma once
// The two clocks every program here reads: the monotonic clock that times
// messages and windows, and this process's CPU time, from which the load
// generator and the harness work out what a message cost them.

#include <cstdint>

namespace echo {

/// CLOCK_MONOTONIC in nanoseconds: never jumps, comparable across threads.
std::int64_t now_ns();

/// This process's user + system CPU time so far, in seconds (getrusage),
/// all threads included.
double process_cpu_seconds();

}  // namespace echo
