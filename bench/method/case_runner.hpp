#pragma once
// Runs one BenchCase from start to finish: start the server as its own
// process, load it, sample what it costs, stop it, and check it exited 0.
// Independent of Google Benchmark, so the tests can call it directly.

#include <map>
#include <string>
#include <vector>

#include "bench_case.hpp"
#include "latency_histogram.hpp"
#include "launched_server.hpp"
#include "load_config.hpp"
#include "process_group_usage.hpp"

namespace echo::bench {

struct RunSettings {
  std::string echo_server;  ///< path of the echo-server binary
  double duration_s = 1.0;  ///< measured window per case
  double warmup_s = 0.3;
  unsigned client_threads = 1;    ///< echo-load threads (at most one per connection)
  unsigned client_cpu_count = 1;  ///< CPUs the load generator may use (for its utilisation)
  std::vector<int> server_cpus;   ///< pin the server here (empty: no pinning)
  /// --threads for the models that have the knob (thread-pool workers,
  /// asio-coroutine I/O threads); 0 leaves each model's own default.
  unsigned server_threads = 0;
  double client_bound_at = 0.9;  ///< client CPU utilisation that marks a case client-bound
  double probe_s = 0.3;          ///< slo-capacity: measured seconds per probed rate
  std::vector<std::string> server_extra_args;  ///< appended to every echo-server command
  /// The CPUs the server and the load run on, watched for other processes
  /// during each window (cpu_disturbance.hpp); empty: not watched.
  std::vector<int> watched_cpus;
  /// Others' CPU, as a fraction of one CPU, that marks a window disturbed.
  double disturbed_at = 0.1;
  /// How many times a disturbed repetition is run again before it is kept,
  /// marked disturbed.
  unsigned disturbed_retries = 2;
  /// Where each message case's repetition leaves its HdrHistogram interval
  /// log and echo-load's JSON with intervals[] (empty: nowhere), and the
  /// intervals' length.
  std::string hlog_dir;
  double interval_s = 1.0;
  /// Shell words every server runs under (`perf stat -o F --`, `valgrind
  /// --tool=callgrind`, `taskset -c 3`); {case} stands for the case's name
  /// with '/' as '_', {run} for the how-manyth server of that case this is.
  std::string server_prefix;
};

struct CaseResult {
  bool ok = false;
  std::string error;                  ///< why not, for SkipWithError
  bool server_never_started = false;  ///< the server was not ready: no repetition can do better
  double seconds = 0;                 ///< measured time (manual time)
  std::uint64_t items = 0;            ///< messages, or churn cycles
  std::uint64_t bytes = 0;
  std::map<std::string, double> counters;  ///< the user counters
};

CaseResult run_case(const BenchCase& bench_case, const RunSettings& settings);

/// The server's cost counters (server_cpu_us_per_msg, ..._pss_mib,
/// ..._threads, ..._processes, context switches) between two samples.
void add_server_counters(CaseResult& out, const ProcessGroupUsage& start,
                         const ProcessGroupUsage& end, double items);
/// p50_us, p99_us, p999_us and max_us of a latency histogram.
void add_latency_counters(CaseResult& out, const LatencyHistogram& h);
/// The load a case puts on its server at `port`: the one LoadConfig a local
/// run drives and a remote run turns into echo-load's command line.
LoadConfig load_config(const BenchCase& c, const RunSettings& settings, std::uint16_t port);
/// Why a load run must not count ("" if it may).
std::string load_failure(const LoadResult& r);

/// Starts the server a case runs against, as run_case does: pinned, with
/// its descriptors, under --server-prefix; on `port` when not 0 (a restart
/// on the port its clients know).
LaunchedServer launch_server(const BenchCase& c, const RunSettings& settings,
                             std::uint16_t port = 0);

/// The echo-server command line run_case uses for a case (the effective
/// arguments, for the run's context).
std::vector<std::string> server_argv(const BenchCase& c, const RunSettings& settings);

}  // namespace echo::bench
