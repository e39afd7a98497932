#pragma once
// A server's CPU time to the nanosecond: each server runs in a cgroup v1
// `cpuacct` group of its own, whose cpuacct.usage counts every nanosecond
// that any of its tasks ran — threads that have exited and children that
// were reaped included, which /proc can only give in whole clock ticks.
//
// The group is made inside echo-bench's own cpuacct group (so a quota or a
// container above it still applies), named echo-bench.PID.N, joined by the
// server itself between fork and exec (so nothing it starts escapes it), and
// removed once the server is gone. Groups that a SIGKILLed echo-bench left
// behind are removed by the next run. Owned by LaunchedServer.
//
// Where cgroups cannot be used (not root, no cpuacct controller, a read-only
// /sys), make() returns nothing and the harness falls back to /proc
// (process_group_usage.hpp), which is what the JSON context's
// cpu_accounting then says.

#include <memory>
#include <string>

#include "echo/unique_fd.hpp"

namespace echo::bench {

class CpuCgroup {
 public:
  /// A new, empty group; nullptr if cgroups cannot be used here, with the
  /// reason in `why_not`.
  static std::unique_ptr<CpuCgroup> make(std::string* why_not = nullptr);

  ~CpuCgroup();  ///< removes the group, waiting briefly for its last tasks to be reaped
  CpuCgroup(const CpuCgroup&) = delete;
  CpuCgroup& operator=(const CpuCgroup&) = delete;

  /// cgroup.procs, open for writing: a spawned child writes its own PID
  /// there before exec (SpawnOptions::join_cgroup_fd).
  [[nodiscard]] int procs_fd() const noexcept { return procs_.get(); }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

  /// CPU time (user + system) of every task that has been in the group, in
  /// seconds, nanosecond resolution. Throws std::runtime_error if it cannot
  /// be read (a number that silently read 0 would be a wrong result).
  [[nodiscard]] double cpu_s() const;

 private:
  CpuCgroup(std::string path, UniqueFd procs) : path_(std::move(path)), procs_(std::move(procs)) {}
  std::string path_;
  UniqueFd procs_;
};

/// Removes the (empty) cgroup at `path`, retrying for up to 2 s while its
/// last tasks are being reaped; false if it is still there. Safe to call
/// from echo-bench's signal clean-up.
bool remove_cgroup(const std::string& path);

/// What this machine's cases measure server CPU with, for the JSON context:
/// "cgroup-cpuacct", or "proc" with the reason in `why_not`.
std::string cpu_accounting_method(std::string* why_not = nullptr);

}  // namespace echo::bench
