#include "process_group_usage.hpp"

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "proc_stat.hpp"

namespace echo::bench {
namespace {

// The number after "Name:" in a /proc file made of "Name:  value kB" lines.
// 0 when the file cannot be read (its process has exited).
std::uint64_t field_value(const std::filesystem::path& file, const std::string& name) {
  std::istringstream in(read_proc_file(file).value_or(""));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name, 0) == 0) return std::stoull(line.substr(name.size()));
  }
  return 0;
}

// CPU of one process plus the children it has reaped. /proc/PID/stat counts
// in whole clock ticks (10 ms), rounded down per process: summed over
// hundreds of forked children that each ran a few milliseconds, that loses
// most of the time. schedstat counts in nanoseconds, but only for the leader
// thread, missing threads that have exited. So each process counts the larger
// of the two: exact for single-threaded children, complete (within one tick)
// for threaded servers.
double process_cpu_seconds(const std::filesystem::path& dir, const ProcStat& stat) {
  double own = stat.cpu_s;
  std::istringstream schedstat(read_proc_file(dir / "schedstat").value_or(""));
  double leader_ns = 0;
  if (schedstat >> leader_ns) own = std::max(own, leader_ns / 1e9);
  return own + stat.reaped_children_cpu_s;
}

}  // namespace

ProcessGroupUsage sample_process_group(pid_t pgid) {
  ProcessGroupUsage usage;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto stat = read_proc_stat(static_cast<pid_t>(std::stol(name)));
    if (!stat || stat->process_group != pgid) continue;
    usage.cpu_s += process_cpu_seconds(entry.path(), *stat);
    usage.threads += stat->threads;
    usage.processes += 1;
    const auto rollup = entry.path() / "smaps_rollup";
    usage.pss_mib += static_cast<double>(field_value(rollup, "Pss:")) / 1024.0;
    usage.pss_anon_mib += static_cast<double>(field_value(rollup, "Pss_Anon:")) / 1024.0;
    usage.context_switches += field_value(entry.path() / "status", "voluntary_ctxt_switches:") +
                              field_value(entry.path() / "status", "nonvoluntary_ctxt_switches:");
  }
  return usage;
}

}  // namespace echo::bench
