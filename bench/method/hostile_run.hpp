#pragma once
// The hostile scenario (hostile/tcp/MODEL/conns:16/size:64/kind:K/bad:N):
// the same well-behaved closed-loop load measured twice on one server,
// first alone (the baseline) and then with N clients of kind K attached,
// so each model's ratio is taken against itself in the same case.
//
// A model that stops serving the good clients is a result, not a failure:
// good_served says what fraction of them were answered, and the throughput
// ratio is then 0. What still fails the case is what makes a run broken:
// a baseline that does not run clean, or an echo that differs.

#include "bench_case.hpp"
#include "case_runner.hpp"
#include "launched_server.hpp"

namespace echo::bench {

/// How long a good client may wait for its first echo with the hostile
/// clients attached and still count as served: a definition of "served",
/// far above any model's answer time when it serves at all.
inline constexpr double kServedWithinS = 1.0;

CaseResult run_hostile(const BenchCase& c, const RunSettings& settings,
                       const LaunchedServer& server);

}  // namespace echo::bench
