#pragma once
// echo-bench across hosts (--server-host H --load-hosts H1,H2 --remote
// ssh|netns): the server runs on one host under an agent that also measures
// its cost there (host_agent.hpp); one echo-load process runs on each load
// host, all starting at one wall-clock moment corrected by each host's
// measured clock offset; their JSON and .hlog come back, the histograms are
// merged exactly, the counts summed, and each host's rate is reported beside
// the total. Any host that fails fails the case.
//
// Message cases only (throughput, latency, cpu-work, blocking-work, UDP): idle-scale, churn and
// slo-capacity measure one client's view and stay on one host.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "case_runner.hpp"
#include "remote_hosts.hpp"

namespace echo::bench {

struct RemoteSettings {
  RemoteKind kind = RemoteKind::netns;
  std::string server_host;
  std::vector<std::string> load_hosts;
  std::string server_addr;     ///< where the load hosts reach the server (empty: found out)
  std::string remote_dir;      ///< the binaries' directory on the hosts (empty: the same paths)
  std::string ssh_config;      ///< ssh -F
  std::string echo_load;       ///< local path of echo-load
  std::string agent;           ///< local path of echo-bench-agent
  std::vector<int> load_cpus;  ///< netns: pin each echo-load here (empty: no pinning)
};

/// Whether a case can run across hosts (see above).
bool runs_remotely(const BenchCase& c);

class RemoteRun {
 public:
  /// Checks every host answers (and, over ssh, opens its control
  /// connection) and finds the server's address; throws std::runtime_error.
  explicit RemoteRun(RemoteSettings settings);
  RemoteRun(const RemoteRun&) = delete;
  RemoteRun& operator=(const RemoteRun&) = delete;
  ~RemoteRun();  ///< closes the ssh control connections and their directory

  CaseResult run_case(const BenchCase& c, const RunSettings& settings) const;

  /// For the JSON context: placement, the server's address and each load
  /// host's clock offset as measured at the start.
  [[nodiscard]] std::map<std::string, std::string> context(double window_s) const;

 private:
  void close_connections();  ///< ssh: end the control connections, remove their directory
  [[nodiscard]] CaseResult measure(const BenchCase& c, const RunSettings& run) const;
  [[nodiscard]] std::string on_host(const std::string& local_path) const;

  RemoteSettings settings_;
  RemoteAccess access_;
  std::unique_ptr<RemoteHost> server_;
  std::vector<std::unique_ptr<RemoteHost>> loads_;
};

}  // namespace echo::bench
