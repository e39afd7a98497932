#pragma once
// The clocks every program here reads: the monotonic clock that times
// messages and windows, this process's CPU time, from which the load
// generator and the harness work out what a message cost them, and the wall
// clock, the only one two hosts share (a synchronised start).

#include <cstdint>

namespace echo {

/// CLOCK_MONOTONIC in nanoseconds: never jumps, comparable across threads.
std::int64_t now_ns();

/// This process's user + system CPU time so far, in seconds (getrusage),
/// all threads included.
double process_cpu_seconds();

/// CLOCK_REALTIME in seconds since the Unix epoch (may jump; for agreeing on
/// a moment with another host, never for timing).
double unix_time_s();

}  // namespace echo
