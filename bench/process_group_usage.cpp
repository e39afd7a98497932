#include "process_group_usage.hpp"

#include <unistd.h>

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
    const double ticks = std::stod(fields[11]) + std::stod(fields[12]) + std::stod(fields[13]) +
                         std::stod(fields[14]);
    usage.cpu_s += ticks / ticks_per_s;
    usage.threads += static_cast<unsigned>(std::stoul(fields[17]));
    usage.processes += 1;
    usage.pss_mib +=
        static_cast<double>(field_value(entry.path() / "smaps_rollup", "Pss:")) / 1024.0;
    usage.context_switches += field_value(entry.path() / "status", "voluntary_ctxt_switches:") +
                              field_value(entry.path() / "status", "nonvoluntary_ctxt_switches:");
  }
  return usage;
}

}  // namespace echo::bench
