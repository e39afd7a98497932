#pragma once
// The line protocol between echo-bench and echo-bench-agent (host_agent.hpp),
// written and read here only, so the two ends cannot drift apart.
//
// One line per request on the agent's stdin, one line per answer on its stdout:
//   (on start)      ready PORT            | error WHY        (PORT 0: no server)
//   time            time UNIX_SECONDS
//   cpu-accounting  cpu-accounting METHOD [WHY_NOT]
//   cpu-split       cpu-split SERVER_CPUS CLIENT_CPUS   (echo-bench's default split here)
//   sample          usage CPU_S VOLUNTARY INVOLUNTARY PSS_MIB PSS_ANON_MIB THREADS PROCESSES
//                   | exited STATUS STDERR | error WHY
//   stop            stopped STATUS STDERR   (STATUS -1: needed SIGKILL)
// Anything else is answered "error unknown request '...'". Every read_*
// throws std::runtime_error quoting an answer it cannot use.

#include <cstdint>
#include <optional>
#include <string>

#include "cpu_split.hpp"
#include "process_group_usage.hpp"

namespace echo::bench::agent {

inline constexpr const char* kTime = "time";
inline constexpr const char* kCpuAccounting = "cpu-accounting";
inline constexpr const char* kCpuSplit = "cpu-split";
inline constexpr const char* kSample = "sample";
inline constexpr const char* kStop = "stop";

/// `text` on one line (the protocol is line by line), its last 400 characters.
std::string one_line(std::string text);

// The agent's answers.
std::string ready_answer(std::uint16_t port);
std::string error_answer(const std::string& why);
std::string time_answer(double unix_s);
std::string cpu_accounting_answer(const std::string& method, const std::string& why_not);
std::string cpu_split_answer(const CpuSplit& split);
std::string usage_answer(const ProcessGroupUsage& usage);
std::string exited_answer(int status, const std::string& server_stderr);
std::string stopped_answer(std::optional<int> status, const std::string& server_stderr);

// echo-bench's reading of them.
/// The server's port; an "error" answer throws its reason.
std::uint16_t read_ready(const std::string& answer);
double read_time(const std::string& answer);
struct CpuAccounting {
  std::string method;   ///< "cgroup-cpuacct" or "proc"
  std::string why_not;  ///< why not a cgroup, when "proc"
};
CpuAccounting read_cpu_accounting(const std::string& answer);
CpuSplit read_cpu_split(const std::string& answer);
/// A sample: the server's usage, or how it ended (it died during the case).
struct Sample {
  std::optional<ProcessGroupUsage> usage;
  int exit_status = 0;        ///< without usage: the status it exited with
  std::string server_stderr;  ///< without usage: what it wrote
};
Sample read_sample(const std::string& answer);
struct Stopped {
  int status = -1;  ///< -1: it needed SIGKILL
  std::string server_stderr;
};
Stopped read_stopped(const std::string& answer);

}  // namespace echo::bench::agent
