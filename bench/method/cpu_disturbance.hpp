#pragma once
// Did something else run on this case's CPUs during its window? A second
// echo-bench is kept out by CpuLocks, but a noisy neighbour (a build, a
// backup, another benchmark) is not, and it shrinks a model's numbers
// without any error. The kernel's per-CPU busy time (/proc/stat) over the
// window, minus what the server and echo-bench themselves used there, is
// what other processes took: past RunSettings::disturbed_at of one CPU, the
// repetition is run again, and if it stays disturbed it is marked so and
// left out of every verdict.
//
// Resolution: /proc/stat counts in USER_HZ ticks (10 ms) per CPU, sampled
// at the scheduler's tick, and the server's CPU time of a threaded model is
// in ticks too: over a 0.5 s window on two CPUs, up to about a tenth of a
// CPU either side of 0 was seen with nothing else running. A window is
// disturbed only past the threshold plus that resolution.

#include <cstddef>
#include <vector>

namespace echo::bench {

/// Seconds the CPUs in `cpus` spent running tasks (user, nice and system;
/// not idle, iowait, interrupts or a hypervisor's steal), from /proc/stat.
double busy_seconds(const std::vector<int>& cpus);

/// The others' share over a window, as a fraction of one CPU: `busy_s`
/// of the watched CPUs minus `own_s` (the server's and echo-bench's CPU
/// time), over `window_s`; below 0 (tick noise) it is 0.
double others_cpu(double busy_s, double own_s, double window_s);

/// What others_cpu cannot tell from 0 over a window of `window_s` on
/// `cpus` CPUs: two ticks per CPU.
double others_cpu_resolution(std::size_t cpus, double window_s);

}  // namespace echo::bench
