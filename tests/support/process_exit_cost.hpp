#pragma once
// Ground truth for shutdown tests of the process models: how long this
// machine's kernel takes to end and reap N processes that do nothing. On a
// VM slow at fork and exit, ending 5,000 processes costs seconds however the
// server asks for it (one kill per child or one per process group: both
// measured at 2.5-3 s for 5,000 here), so a test allows the server its
// contract's 2 s *beyond* that cost, measured in the same run.

#include <chrono>

namespace echo::testing {

/// Forks `count` children that wait in pause(), then SIGTERMs and reaps
/// them all; returns how long the ending took (not the forking).
std::chrono::duration<double> time_to_end_idle_processes(int count);

}  // namespace echo::testing
