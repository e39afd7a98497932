#pragma once
// What a server costs the machine, summed over its whole process group (the
// server and every child it forked), read from /proc.
//
// - CPU (the /proc route, used where the server has no cgroup of its own,
//   see cpu_cgroup.hpp): each live member's process CPU clock (nanoseconds,
//   threads that have exited included), plus the time of children it already
//   reaped (cutime/cstime: one sum per member, in whole clock ticks), so
//   short-lived forked children that came and went are counted too.
// - Memory: PSS (proportional set size, from smaps_rollup): a page shared by
//   N processes counts 1/N in each, so the copy-on-write pages of forked
//   children are not counted N times, as RSS would.
// - Context switches of the live members' live threads: voluntary (the
//   server waited, for input or a lock) and involuntary (the scheduler took
//   its CPU away). Threads and children that have exited take theirs with
//   them (Linux keeps no such sum for another process).

#include <sys/types.h>

#include <cstdint>

namespace echo::bench {

struct ProcessGroupUsage {
  double cpu_s = 0;
  double pss_mib = 0;
  /// The anonymous part of PSS (heap, stacks, copy-on-write pages shared
  /// by forked children, divided among them): what connections add. Unlike
  /// the file-backed part it does not move when some other process maps or
  /// unmaps the same libraries, which on a busy machine swamps the growth of
  /// 100 idle connections (seen: -3.55 KiB per connection from plain PSS).
  double pss_anon_mib = 0;
  unsigned threads = 0;
  unsigned processes = 0;
  std::uint64_t voluntary_switches = 0;
  std::uint64_t involuntary_switches = 0;
};

/// One sample of process group `pgid`. Members that exit while it is being
/// read are skipped.
ProcessGroupUsage sample_process_group(pid_t pgid);

}  // namespace echo::bench
