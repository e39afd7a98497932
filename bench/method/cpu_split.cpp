#include "cpu_split.hpp"

#include <sched.h>

#include <algorithm>
#include <stdexcept>

#include "launched_server.hpp"  // parse_cpu_list

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

namespace {

std::vector<int> minus(const std::vector<int>& all, const std::vector<int>& taken) {
  std::vector<int> rest;
  for (const int cpu : all) {
    if (std::find(taken.begin(), taken.end(), cpu) == taken.end()) rest.push_back(cpu);
  }
  return rest;
}

}  // namespace

Placement choose_placement(const std::string& server_cpus, const std::string& client_cpus,
                           bool unpinned, const std::vector<int>& allowed) {
  if (unpinned) {
    if (!server_cpus.empty() || !client_cpus.empty())
      throw std::invalid_argument("--unpinned cannot be combined with --server-cpus/--client-cpus");
    return {"unpinned", {allowed, allowed}};
  }
  if (server_cpus.empty() && client_cpus.empty()) return {"split", split_cpus(allowed)};
  Placement placement{"explicit", {}};
  if (!server_cpus.empty()) placement.cpus.server = parse_cpu_list(server_cpus);
  if (!client_cpus.empty()) placement.cpus.client = parse_cpu_list(client_cpus);
  require_allowed(placement.cpus.server, allowed, "--server-cpus");
  require_allowed(placement.cpus.client, allowed, "--client-cpus");
  if (placement.cpus.server.empty()) placement.cpus.server = minus(allowed, placement.cpus.client);
  if (placement.cpus.client.empty()) placement.cpus.client = minus(allowed, placement.cpus.server);
  if (placement.cpus.server.empty() || placement.cpus.client.empty())
    throw std::invalid_argument(
        "no CPU left for the other side: give both --server-cpus and "
        "--client-cpus");
  return placement;
}

void pin_this_process(const std::vector<int>& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (const int cpu : cpus) CPU_SET(cpu, &set);
  if (::sched_setaffinity(0, sizeof set, &set) != 0)
    throw std::invalid_argument("cannot pin echo-bench to " + cpu_list_text(cpus));
}

}  // namespace echo::bench
