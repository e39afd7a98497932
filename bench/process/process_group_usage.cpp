#include "process_group_usage.hpp"

#include <time.h>

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

// CPU of one process (every thread, live or exited, in nanoseconds: its
// process CPU clock) plus the children it has reaped (cutime + cstime, whole
// clock ticks). /proc/PID/stat's own utime + stime would round the process
// to whole ticks (10 ms), which over hundreds of forked children that each
// ran a few milliseconds loses most of the time. A process that exits
// before its clock is read counts its ticks.
double process_cpu_seconds(pid_t pid, const ProcStat& stat) {
  double own = stat.cpu_s;
  clockid_t clock{};
  timespec spent{};
  if (::clock_getcpuclockid(pid, &clock) == 0 && ::clock_gettime(clock, &spent) == 0) {
    own = static_cast<double>(spent.tv_sec) + static_cast<double>(spent.tv_nsec) / 1e9;
  }
  return own + stat.reaped_children_cpu_s;
}

// /proc/PID/status counts one thread's switches (the leader's): a threaded
// server's are the sum over its tasks.
void add_context_switches(const std::filesystem::path& process, ProcessGroupUsage& usage) {
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator(process / "task", error)) {
    const auto status = task.path() / "status";
    usage.voluntary_switches += field_value(status, "voluntary_ctxt_switches:");
    usage.involuntary_switches += field_value(status, "nonvoluntary_ctxt_switches:");
  }
}

}  // namespace

ProcessGroupUsage sample_process_group(pid_t pgid) {
  ProcessGroupUsage usage;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto pid = static_cast<pid_t>(std::stol(name));
    const auto stat = read_proc_stat(pid);
    if (!stat || stat->process_group != pgid) continue;
    usage.cpu_s += process_cpu_seconds(pid, *stat);
    usage.threads += stat->threads;
    usage.processes += 1;
    const auto rollup = entry.path() / "smaps_rollup";
    usage.pss_mib += static_cast<double>(field_value(rollup, "Pss:")) / 1024.0;
    usage.pss_anon_mib += static_cast<double>(field_value(rollup, "Pss_Anon:")) / 1024.0;
    add_context_switches(entry.path(), usage);
  }
  return usage;
}

}  // namespace echo::bench
