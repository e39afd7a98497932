// echo-bench: every model under the same load, side by side, on Google
// Benchmark. Each case starts its server as a separate process, drives it
// with the echo-load library and reports throughput, latency and what the
// server cost (CPU, memory, threads, processes) as user counters.
//
// Our own flags are parsed first (CLI11, extras allowed); everything else is
// handed to Google Benchmark, so --benchmark_filter, --benchmark_repetitions,
// --benchmark_out=... --benchmark_out_format=json and the rest keep working.

#include <benchmark/benchmark.h>
#include <sched.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "bench_case.hpp"
#include "bench_context.hpp"
#include "case_runner.hpp"
#include "launched_server.hpp"

namespace {

using echo::bench::BenchCase;
using echo::bench::RunSettings;

struct Progress {
  std::size_t total = 0;
  std::size_t done = 0;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

void run_one(benchmark::State& state, const BenchCase& bench_case, const RunSettings& settings,
             Progress& progress) {
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): Benchmark's loop idiom
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - progress.started).count();
    const double left =
        progress.done ? elapsed / double(progress.done) * double(progress.total - progress.done)
                      : 0;
    std::fprintf(stderr, "echo-bench: [%zu/%zu] %s (about %.0f s left)\n", progress.done + 1,
                 progress.total, bench_case.name().c_str(), left);
    const echo::bench::CaseResult result = echo::bench::run_case(bench_case, settings);
    if (!result.ok) {
      state.SkipWithError(result.error.c_str());
      break;
    }
    state.SetIterationTime(result.seconds);
    state.SetItemsProcessed(static_cast<std::int64_t>(result.items));
    state.SetBytesProcessed(static_cast<std::int64_t>(result.bytes));
    for (const auto& [name, value] : result.counters)
      state.counters[name] = benchmark::Counter(value);
  }
  ++progress.done;
}

// Idle-scale and big fan-outs need descriptors: raise our own limit as far as
// the hard limit allows (servers get theirs from the launcher).
void raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

int run_bench(int argc, char** argv) {
  std::string matrix = "default";
  std::vector<std::string> custom_specs;
  std::string server_cpus, client_cpus;
  RunSettings settings;
  settings.echo_server = ECHO_SERVER_PATH;

  CLI::App app{"echo-bench: compares the echo-server models under the same load."};
  app.name("echo-bench");
  app.allow_extras();
  app.add_option("--matrix", matrix, "quick (CI, <60 s), default (<3 min) or full")
      ->check(CLI::IsMember({"quick", "default", "full"}))
      ->capture_default_str();
  app.add_option("--server-cmd", custom_specs,
                 "NAME='COMMAND with {port}': add any echo server to the comparison (repeatable)");
  app.add_option("--server-cpus", server_cpus, "Pin servers to these CPUs, e.g. 1 or 0-1");
  app.add_option("--client-cpus", client_cpus, "Pin the load generator to these CPUs");
  app.add_option("--duration", settings.duration_s, "Measured seconds per case")
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--warmup", settings.warmup_s, "Warm-up seconds per case")
      ->check(CLI::Range(0.0, 600.0));
  app.add_option("--client-threads", settings.client_threads, "echo-load threads")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--echo-server", settings.echo_server, "echo-server binary")
      ->capture_default_str();
  std::string server_extra_args;
  app.add_option("--server-extra-args", server_extra_args,
                 "Extra echo-server arguments for every case, e.g. '--threads 2' (tools/gate's "
                 "qualification injects a slowdown with '--work-us 0.5')");
  app.footer(
      "Google Benchmark's flags pass through, e.g. --benchmark_filter=REGEX,\n"
      "--benchmark_repetitions=N, --benchmark_out=FILE --benchmark_out_format=json,\n"
      "--benchmark_enable_random_interleaving=true.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& error) {
    std::cerr << "echo-bench: " << error.what() << "\n";
    return 2;
  }
  // Per-case time of the named matrices, so "quick" stays under a minute and
  // "default" under three on 2 cores; --duration and --warmup override.
  if (!app.count("--duration"))
    settings.duration_s = matrix == "quick" ? 0.5 : matrix == "default" ? 0.8 : 1.0;
  if (!app.count("--warmup")) settings.warmup_s = matrix == "full" ? 0.3 : 0.2;

  std::vector<echo::bench::CustomServer> custom_servers;
  try {
    for (const auto& spec : custom_specs) {
      const auto equals = spec.find('=');
      if (equals == std::string::npos || equals == 0 || spec.find("{port}") == std::string::npos) {
        throw std::invalid_argument("--server-cmd needs NAME='COMMAND with {port}', got '" + spec +
                                    "'");
      }
      custom_servers.push_back({spec.substr(0, equals), spec.substr(equals + 1)});
    }
    settings.server_cpus =
        server_cpus.empty() ? std::vector<int>{} : echo::bench::parse_cpu_list(server_cpus);
    if (!client_cpus.empty()) {
      cpu_set_t set;
      CPU_ZERO(&set);
      for (const int cpu : echo::bench::parse_cpu_list(client_cpus)) CPU_SET(cpu, &set);
      if (::sched_setaffinity(0, sizeof set, &set) != 0)
        throw std::invalid_argument("cannot pin to " + client_cpus);
    }
  } catch (const std::invalid_argument& error) {
    std::cerr << "echo-bench: " << error.what() << "\n";
    return 2;
  }
  std::istringstream extra_words(server_extra_args);
  for (std::string word; extra_words >> word;) settings.server_extra_args.push_back(word);
  raise_descriptor_limit();

  static Progress progress;
  const std::vector<BenchCase> cases = echo::bench::build_matrix(matrix, custom_servers);
  progress.total = cases.size();
  for (const BenchCase& bench_case : cases) {
    benchmark::RegisterBenchmark(bench_case.name().c_str(),
                                 [bench_case, settings](benchmark::State& state) {
                                   run_one(state, bench_case, settings, progress);
                                 })
        ->UseManualTime()
        ->Iterations(1)
        ->Unit(benchmark::kMillisecond);
  }

  const auto context =
      echo::bench::run_context({{"matrix", matrix},
                                {"server_cpus", server_cpus.empty() ? "unpinned" : server_cpus},
                                {"client_cpus", client_cpus.empty() ? "unpinned" : client_cpus},
                                {"duration_s", std::to_string(settings.duration_s)},
                                {"warmup_s", std::to_string(settings.warmup_s)},
                                {"server_extra_args", server_extra_args}});
  for (const auto& [key, value] : context) benchmark::AddCustomContext(key, value);

  std::vector<char*> rest;
  rest.push_back(argv[0]);
  std::vector<std::string> extras = app.remaining();
  for (auto& extra : extras) rest.push_back(extra.data());
  int rest_count = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_count, rest.data());
  if (benchmark::ReportUnrecognizedArguments(rest_count, rest.data())) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run_bench(argc, argv);
  } catch (const std::exception& error) {  // e.g. the server binary is missing
    std::cerr << "echo-bench: " << error.what() << "\n";
    return 1;
  }
}
