#pragma once
// Runs one BenchCase from start to finish: start the server as its own
// process, load it, sample what it costs, stop it, and check it exited 0.
// Independent of Google Benchmark, so the tests can call it directly.

#include <map>
#include <string>
#include <vector>

#include "bench_case.hpp"

namespace echo::bench {

struct RunSettings {
  std::string echo_server;  ///< path of the echo-server binary
  double duration_s = 1.0;  ///< measured window per case
  double warmup_s = 0.3;
  unsigned client_threads = 1;                 ///< echo-load threads (at most one per connection)
  std::vector<int> server_cpus;                ///< pin the server here (empty: no pinning)
  double idle_budget_s = 20;                   ///< idle-scale: time allowed to open connections
  std::vector<std::string> server_extra_args;  ///< appended to every echo-server command
};

struct CaseResult {
  bool ok = false;
  std::string error;        ///< why not, for SkipWithError
  double seconds = 0;       ///< measured time (manual time)
  std::uint64_t items = 0;  ///< messages, or churn cycles
  std::uint64_t bytes = 0;
  std::map<std::string, double> counters;  ///< the user counters
};

CaseResult run_case(const BenchCase& bench_case, const RunSettings& settings);

}  // namespace echo::bench
