#include "cpu_disturbance.hpp"

#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <string>

#include "proc_stat.hpp"

namespace echo::bench {

double busy_seconds(const std::vector<int>& cpus) {
  static const double ticks_per_s = static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::istringstream lines(read_proc_file("/proc/stat").value_or(""));
  double ticks = 0;
  for (std::string line; std::getline(lines, line);) {
    // "cpuN user nice system idle iowait irq softirq steal guest guest_nice"
    if (line.rfind("cpu", 0) != 0 || line.size() < 4 || line[3] == ' ') continue;
    std::istringstream fields(line.substr(3));
    int cpu = -1;
    double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0;
    if (!(fields >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq)) continue;
    if (std::find(cpus.begin(), cpus.end(), cpu) != cpus.end())
      ticks += user + nice + system + irq + softirq;
  }
  return ticks / ticks_per_s;
}

double others_cpu(double busy_s, double own_s, double window_s) {
  return std::max(0.0, (busy_s - own_s) / std::max(window_s, 1e-9));
}

double others_cpu_resolution(std::size_t cpus, double window_s) {
  static const double tick_s = 1.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
  return 2.0 * tick_s * static_cast<double>(cpus) / std::max(window_s, 1e-9);
}

}  // namespace echo::bench
