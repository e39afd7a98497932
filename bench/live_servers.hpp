#pragma once
// What echo-bench has started and not yet stopped, so that an interrupted
// run (SIGINT, SIGTERM, SIGHUP) still stops every server's process group and
// removes its temporary files, instead of leaving them to init.

#include <sys/types.h>

#include <string>

namespace echo::bench {

/// LaunchedServer records each group it starts, and forgets it once stopped.
void remember_server(pid_t group, const std::string& temp_file);
void forget_server(pid_t group);

/// Call first in main, before any thread exists: blocks SIGINT, SIGTERM and
/// SIGHUP in every thread and watches for them on one thread of its own. On
/// one, every remembered group is killed and reaped, its temporary file
/// removed, and the process exits with 128 + the signal. The returned
/// object's destructor stops and joins the watcher.
class SignalCleanup {
 public:
  SignalCleanup();
  ~SignalCleanup();
  SignalCleanup(const SignalCleanup&) = delete;
  SignalCleanup& operator=(const SignalCleanup&) = delete;
};

}  // namespace echo::bench
