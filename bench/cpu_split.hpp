#pragma once
// Which CPUs the server gets and which the load generator gets. By default
// echo-bench pins them to disjoint halves of the CPUs it may use, so neither
// steals the other's time and every model runs on the same number of CPUs.

#include <string>
#include <vector>

namespace echo::bench {

struct CpuSplit {
  std::vector<int> server;
  std::vector<int> client;
  /// False only with a single CPU, which both must share.
  [[nodiscard]] bool disjoint() const;
};

/// Halves `available` (in ascending order): the client gets the lower half,
/// the server the upper, and with an odd count the client gets the extra
/// CPU, because per message it costs about what the server costs and a case
/// whose client saturates is excluded from the claims. One CPU is shared.
/// Throws std::invalid_argument for an empty list.
CpuSplit split_cpus(std::vector<int> available);

/// The CPUs this process may run on (sched_getaffinity).
std::vector<int> allowed_cpus();

/// "0-3,6" for {0,1,2,3,6}; "" for none.
std::string cpu_list_text(const std::vector<int>& cpus);

/// Throws std::invalid_argument naming `option` if a CPU is not in `allowed`.
void require_allowed(const std::vector<int>& cpus, const std::vector<int>& allowed,
                     const std::string& option);

}  // namespace echo::bench
