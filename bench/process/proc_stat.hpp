#pragma once
// The one reader of /proc/PID/stat (proc(5)), for the harness's accounting
// and the tests' checks on threads, zombies and CPU.

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace echo::bench {

struct ProcStat {
  char state = '?';                  ///< field 3: R, S, D, Z (zombie) ...
  pid_t parent = 0;                  ///< field 4
  pid_t process_group = 0;           ///< field 5
  double cpu_s = 0;                  ///< fields 14+15: utime + stime, whole clock ticks
  double reaped_children_cpu_s = 0;  ///< fields 16+17: cutime + cstime
  unsigned threads = 0;              ///< field 20
};

/// The whole of a small /proc file; nullopt when it cannot be read, for
/// example because its process exited between open() and read(). (Through
/// std::ifstream that read error is an exception from libstdc++'s
/// basic_filebuf::underflow, which once ended an echo-bench case whose
/// server's children were exiting.)
std::optional<std::string> read_proc_file(const std::string& path);

/// Process `pid`'s stat line, parsed; nullopt once it is gone (or unreadable).
std::optional<ProcStat> read_proc_stat(pid_t pid);

/// PIDs of the direct children of `pid` (from /proc/PID/task/*/children).
std::vector<pid_t> child_pids(pid_t pid);

}  // namespace echo::bench
