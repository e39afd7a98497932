#pragma once
// Which CPUs the server gets and which the load generator gets. By default
// echo-bench pins them to disjoint halves of the CPUs it may use, so neither
// steals the other's time and every model runs on the same number of CPUs;
// the command line can choose either side or opt out.

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

/// Where echo-bench puts the server and the load generator.
struct Placement {
  std::string mode;  ///< "split" (the default halves), "explicit" or "unpinned"
  CpuSplit cpus;     ///< unpinned: every allowed CPU on both sides
};

/// From --server-cpus / --client-cpus (either may be empty: that side gets
/// the allowed CPUs the other does not use) and --unpinned, against the CPUs
/// in `allowed`. Throws std::invalid_argument with the reason.
Placement choose_placement(const std::string& server_cpus, const std::string& client_cpus,
                           bool unpinned, const std::vector<int>& allowed = allowed_cpus());

/// Pins the calling process (and the threads it starts later) to `cpus`.
void pin_this_process(const std::vector<int>& cpus);

}  // namespace echo::bench
