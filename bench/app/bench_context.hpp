#pragma once
// What a reader needs to trust or reproduce a number, added to Google
// Benchmark's JSON "context" (which already has date, host, CPUs, caches and
// load average).

#include <map>
#include <string>

namespace echo::bench {

/// git commit, build type, compiler, Boost, kernel, CPU model, cores,
/// governor (if readable), plus the entries of `extra` (matrix, pinning...).
std::map<std::string, std::string> run_context(const std::map<std::string, std::string>& extra);

}  // namespace echo::bench
