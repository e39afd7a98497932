#pragma once
// The restart scenario (restart/tcp/MODEL/conns:16/size:64/rate:R): an
// open-loop load with --reconnect, and halfway through its window the
// server is stopped with SIGTERM and started again on the same port, as a
// deployment restarts a service. What the clients see is the result: how
// long until every connection is back, how many messages the old server
// took with it (sent again), and how many fell due while it was away
// (delayed, their wait charged to latency). A message never answered, or a
// server that does not come back, fails the case.

#include "bench_case.hpp"
#include "case_runner.hpp"
#include "launched_server.hpp"

namespace echo::bench {

CaseResult run_restart(const BenchCase& c, const RunSettings& settings, LaunchedServer& server);

}  // namespace echo::bench
