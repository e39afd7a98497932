#pragma once
// What echo-bench has started and not yet stopped, so that an interrupted
// run (SIGINT, SIGTERM, SIGHUP) still stops every server's process group
// instead of leaving it to init. (What the servers wrote is kept in unnamed
// files, see CapturedOutput, which need no removing.)

#include <sys/types.h>

#include <string>
#include <vector>

namespace echo::bench {

/// LaunchedServer records each group it starts, with the cgroup it measures
/// it in (empty: none), and forgets it once stopped.
void remember_server(pid_t group, const std::string& cgroup);
void forget_server(pid_t group);

/// What else a signal must not leave behind (echo-bench --remote): a process
/// group to kill (the local end of a load host's echo-load) and a command to
/// run (removing a host's temporary directory). Kept under `owner` until
/// forgotten; on a signal, every group is killed first, then every command
/// runs (up to 10 s each).
struct Leftovers {
  pid_t group = -1;
  std::vector<std::string> command;
};
void remember_leftovers(const void* owner, Leftovers leftovers);
void forget_leftovers(const void* owner);

/// Call first in main, before any thread exists: blocks SIGINT, SIGTERM and
/// SIGHUP in every thread and watches for them on one thread of its own. On
/// one, every remembered group is killed and reaped, its cgroup removed, and
/// the process exits with 128 + the signal.
/// The returned object's destructor stops and joins the watcher.
class SignalCleanup {
 public:
  SignalCleanup();
  ~SignalCleanup();
  SignalCleanup(const SignalCleanup&) = delete;
  SignalCleanup& operator=(const SignalCleanup&) = delete;
};

}  // namespace echo::bench
