#include "cpu_split.hpp"

#include <sched.h>

#include <algorithm>
#include <stdexcept>

namespace echo::bench {

bool CpuSplit::disjoint() const {
  return std::none_of(server.begin(), server.end(), [&](int cpu) {
    return std::find(client.begin(), client.end(), cpu) != client.end();
  });
}

CpuSplit split_cpus(std::vector<int> available) {
  if (available.empty()) throw std::invalid_argument("no CPU to run on");
  std::sort(available.begin(), available.end());
  available.erase(std::unique(available.begin(), available.end()), available.end());
  if (available.size() == 1) return {available, available};
  const std::size_t client_count = (available.size() + 1) / 2;
  const auto middle = available.begin() + static_cast<std::ptrdiff_t>(client_count);
  return {{middle, available.end()}, {available.begin(), middle}};
}

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  }
  return cpus;
}

std::string cpu_list_text(const std::vector<int>& cpus) {
  std::string text;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!text.empty()) text += ',';
    text += std::to_string(cpus[i]);
    if (j > i) text += '-' + std::to_string(cpus[j]);
    i = j + 1;
  }
  return text;
}

void require_allowed(const std::vector<int>& cpus, const std::vector<int>& allowed,
                     const std::string& option) {
  for (const int cpu : cpus) {
    if (std::find(allowed.begin(), allowed.end(), cpu) == allowed.end()) {
      throw std::invalid_argument(option + ": CPU " + std::to_string(cpu) +
                                  " is not one this process may use (" + cpu_list_text(allowed) +
                                  ")");
    }
  }
}

}  // namespace echo::bench
