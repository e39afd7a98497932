#pragma once
// echo-bench --case SPEC: one case from its name, the same name echo-bench
// prints and writes (BenchCase::name), so any case of any matrix, or one no
// matrix has, can be run on its own:
//   throughput/tcp/io-uring/conns:1000/size:64
//   latency/tcp/epoll-reactor/conns:16/size:64/rate:20000
// The parse is strict: every part is checked against the model list, the
// --server-cmd entrants and the scenario's required fields, and a bad spec is
// an std::invalid_argument that says which part and why.

#include <string>
#include <vector>

#include "bench_case.hpp"

namespace echo::bench {

/// SCENARIO/PROTOCOL/ENTRANT/conns:N/size:B[/rate:R][/work_us:N][/block_us:N][/slo_us:N]
/// ENTRANT is a model of the catalog, MODEL+offload for a model with
/// --offload-threads, or the name of one of `custom_servers`.
BenchCase parse_case(const std::string& spec, const std::vector<CustomServer>& custom_servers);

}  // namespace echo::bench
