#include "process_group_usage.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace echo::bench {
namespace {

// Fields of /proc/PID/stat after "(comm)": field 3 of proc(5) is index 0.
std::vector<std::string> stat_fields(const std::filesystem::path& dir) {
  std::ifstream in(dir / "stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream rest(text.substr(close + 2));
  std::vector<std::string> fields;
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}

// The number after "Name:" in a /proc file made of "Name:  value kB" lines.
std::uint64_t field_value(const std::filesystem::path& file, const std::string& name) {
  std::ifstream in(file);
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
double process_cpu_seconds(const std::filesystem::path& dir, const std::vector<std::string>& fields,
                           double ticks_per_s) {
  // proc(5): utime, stime, cutime, cstime are fields 14-17.
  const double reaped = (std::stod(fields[13]) + std::stod(fields[14])) / ticks_per_s;
  double own = (std::stod(fields[11]) + std::stod(fields[12])) / ticks_per_s;
  std::ifstream schedstat(dir / "schedstat");
  double leader_ns = 0;
  if (schedstat >> leader_ns) own = std::max(own, leader_ns / 1e9);
  return own + reaped;
}

}  // namespace

ProcessGroupUsage sample_process_group(pid_t pgid) {
  ProcessGroupUsage usage;
  const double ticks_per_s = static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto fields = stat_fields(entry.path());
    // proc(5): pgrp is field 5, utime..cstime 14..17, num_threads 20.
    if (fields.size() < 18 || std::stol(fields[2]) != pgid) continue;
    usage.cpu_s += process_cpu_seconds(entry.path(), fields, ticks_per_s);
    usage.threads += static_cast<unsigned>(std::stoul(fields[17]));
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
