// echo-bench: every model under the same load, side by side, on Google
// Benchmark. Each case starts its server as a separate process, drives it
// with the echo-load library and reports throughput, latency and what the
// server cost (CPU, memory, threads, processes) as user counters.
//
// Our own flags are parsed first (CLI11, extras allowed); everything else is
// handed to Google Benchmark, so --benchmark_filter, --benchmark_repetitions,
// --benchmark_out=... --benchmark_out_format=json and the rest keep working.

#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <system_error>

#include "bench_case.hpp"
#include "bench_context.hpp"
#include "buffered_file_reporter.hpp"
#include "case_runner.hpp"
#include "case_spec.hpp"
#include "common/model_catalog.hpp"
#include "cpu_cgroup.hpp"
#include "cpu_locks.hpp"
#include "cpu_split.hpp"
#include "echo/finite_check.hpp"
#include "echo/output_file.hpp"
#include "entrant_specs.hpp"
#include "finite_json_reporter.hpp"
#include "launched_server.hpp"
#include "live_servers.hpp"
#include "remote_run.hpp"
#include "run_order.hpp"

namespace {

using echo::bench::BenchCase;
using echo::bench::RunSettings;

struct Progress {
  std::size_t total = 0;
  std::size_t done = 0;
  std::size_t failed = 0;  ///< case runs that ended in SkipWithError
  /// Cases whose server never became ready, with the error: their remaining
  /// repetitions fail at once with it (a server that cannot start will not
  /// start on the next try either; other cases go on).
  std::map<std::string, std::string> never_started;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

// Measures one repetition of a case (the progress line first).
echo::bench::CaseResult measure(const BenchCase& bench_case, const RunSettings& settings,
                                const echo::bench::RemoteRun* remote, Progress& progress) {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - progress.started).count();
  const double left = progress.done && progress.done < progress.total
                          ? elapsed / double(progress.done) * double(progress.total - progress.done)
                          : 0;
  std::fprintf(stderr, "echo-bench: [%zu/%zu] %s (about %.0f s left)\n", progress.done + 1,
               progress.total, bench_case.name().c_str(), left);
  echo::bench::CaseResult result;
  if (const auto earlier = progress.never_started.find(bench_case.name());
      earlier != progress.never_started.end()) {
    result.error = earlier->second;
  } else {
    result = remote ? remote->run_case(bench_case, settings)
                    : echo::bench::run_case(bench_case, settings);
    if (result.server_never_started) {
      result.error =
          "the server did not start (not tried again for this case's remaining "
          "repetitions): " +
          result.error;
      progress.never_started.emplace(bench_case.name(), result.error);
    }
  }
  ++progress.done;
  if (!result.ok) {
    std::fprintf(stderr, "echo-bench: FAILED %s: %s\n", bench_case.name().c_str(),
                 result.error.c_str());
    ++progress.failed;
  }
  return result;
}

// One repetition as Google Benchmark asks for it: measured now, or (with
// --order rotated) taken from the runs `rotated` measured in its order.
void run_one(benchmark::State& state, const BenchCase& bench_case, const RunSettings& settings,
             const echo::bench::RemoteRun* remote, Progress& progress,
             echo::bench::RotatedRuns* rotated) {
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): Benchmark's loop idiom
    const echo::bench::CaseResult result = rotated
                                               ? rotated->next(bench_case.name())
                                               : measure(bench_case, settings, remote, progress);
    if (!result.ok) {
      state.SkipWithError(result.error.c_str());
      break;
    }
    // The reported time is the time per item (message; connection cycle in
    // churn): the window divided by what it completed. Google Benchmark's
    // compare.py, which compares times, then compares the inverse of
    // throughput instead of the fixed window. Items and bytes are given per
    // item, so items_per_second and bytes_per_second stay the measured rates.
    if (result.items > 0) {
      const auto items = static_cast<double>(result.items);
      state.SetIterationTime(result.seconds / items);
      state.SetItemsProcessed(1);
      state.SetBytesProcessed(std::llround(static_cast<double>(result.bytes) / items));
    } else {
      state.SetIterationTime(result.seconds);
    }
    for (const auto& [name, value] : result.counters)
      state.counters[name] = benchmark::Counter(value);
  }
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

// The cases --benchmark_filter selects, for the progress line and the
// rotated order (Google Benchmark matches the same names with an extended
// regular expression; a leading '-' negates it).
std::vector<std::string> selected_cases(const std::vector<BenchCase>& cases,
                                        const std::vector<std::string>& extras) {
  const std::string prefix = "--benchmark_filter=";
  std::string filter;
  for (const auto& word : extras) {
    if (word.rfind(prefix, 0) == 0) filter = word.substr(prefix.size());
  }
  const bool negate = !filter.empty() && filter.front() == '-';
  if (negate) filter.erase(0, 1);
  std::optional<std::regex> pattern;
  if (!filter.empty() && filter != "all" && filter != ".") {
    try {
      pattern.emplace(filter, std::regex::extended);
    } catch (const std::regex_error&) {
      // Google Benchmark will report the bad expression
    }
  }
  std::vector<std::string> names;
  for (const BenchCase& c : cases) {
    if (!pattern || std::regex_search(c.name(), *pattern) != negate) names.push_back(c.name());
  }
  return names;
}

bool has_flag(const std::vector<std::string>& words, const std::string& flag) {
  return std::any_of(words.begin(), words.end(),
                     [&](const std::string& w) { return w.rfind(flag, 0) == 0; });
}

// Takes --benchmark_out=PATH (and its format) out of Google Benchmark's
// hands: returns the reporter that buffers the file's text, with `file`
// opened at PATH, and leaves Google Benchmark /dev/null to open. Returns
// null when there is no --benchmark_out. Throws OutputError for a path that
// cannot be written, invalid_argument for a format other than json and console.
std::unique_ptr<echo::bench::BufferedFileReporter> take_benchmark_out(
    std::vector<std::string>& words, std::unique_ptr<echo::OutputFile>& file) {
  const std::string out_flag = "--benchmark_out=";
  const std::string format_flag = "--benchmark_out_format=";
  std::string format = "json";
  for (const std::string& word : words) {
    if (word.rfind(format_flag, 0) == 0) format = word.substr(format_flag.size());
  }
  for (std::string& word : words) {
    if (word.rfind(out_flag, 0) != 0) continue;
    std::unique_ptr<benchmark::BenchmarkReporter> reporter;
    if (format == "json") {
      reporter = std::make_unique<echo::bench::FiniteJsonReporter>();  // never a bare NaN
    } else if (format == "console") {
      reporter = std::make_unique<benchmark::ConsoleReporter>(benchmark::ConsoleReporter::OO_None);
    } else {
      throw std::invalid_argument(
          format_flag + format +
          ": the format is json or console (tools/bench-report turns the JSON into CSV)");
    }
    file = std::make_unique<echo::OutputFile>(word.substr(out_flag.size()));
    word = out_flag + "/dev/null";
    return std::make_unique<echo::bench::BufferedFileReporter>(std::move(reporter));
  }
  return nullptr;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

// A setting as the context carries it: the shortest text that reads back
// as the same number ("0.9", not "0.900000").
std::string number_text(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

std::string entrant_order(const std::vector<echo::bench::CustomServer>& custom_servers) {
  std::string order;
  const auto add = [&order](const std::string& name) {
    order.append(order.empty() ? "" : ",") += name;
  };
  for (const echo::ModelDescription& model : echo::model_catalog()) {
    add(model.name);
    if (model.offload_knob) add(model.name + "+offload");
  }
  for (const auto& custom : custom_servers) add(custom.name);
  return order;
}

int run_bench(int argc, char** argv) {
  std::string matrix = "default";
  std::vector<std::string> case_specs;
  std::vector<std::string> custom_specs;
  std::vector<std::string> variant_specs;
  std::string server_cpus, client_cpus;
  bool unpinned = false;
  int repetitions = 0;
  unsigned slo_us = 1000;
  RunSettings settings;
  settings.echo_server = ECHO_SERVER_PATH;

  CLI::App app{"echo-bench: compares the echo-server models under the same load."};
  app.name("echo-bench");
  app.allow_extras();
  app.set_version_flag("--version", std::string("echo-bench ") + ECHO_VERSION);
  app.add_option("--matrix", matrix, "quick (CI, <60 s), default (<8 min) or full")
      ->check(CLI::IsMember({"quick", "default", "full"}))
      ->capture_default_str();
  app.add_option("--case", case_specs,
                 "Run this case instead of a matrix (repeatable), named as echo-bench names "
                 "cases, e.g. throughput/tcp/io-uring/conns:1000/size:64 or "
                 "latency/tcp/epoll-reactor/conns:16/size:64/rate:20000; --matrix then only "
                 "sets the default timing");
  app.add_option("--hlog-dir", settings.hlog_dir,
                 "Leave each message case's HdrHistogram interval log and echo-load JSON (with "
                 "intervals[]) here, per repetition: CASE.N.hlog and CASE.N.json");
  app.add_option("--interval", settings.interval_s,
                 "With --hlog-dir: the intervals' length in seconds (default 1)")
      ->check(echo::kDecimal)
      ->check(CLI::Range(0.001, 3600.0));
  app.add_option("--variant", variant_specs,
                 "NAME='MODEL ARGS': echo-server's MODEL with ARGS on top of the usual "
                 "arguments, as an entrant of its own (repeatable; with --case), e.g. "
                 "'epoll-reactor+batch1=epoll-reactor --udp-batch 1'");
  app.add_option("--server-prefix", settings.server_prefix,
                 "Shell words every server runs under, e.g. 'perf stat -x, -o /tmp/{case}.{run}' "
                 "or 'valgrind --tool=callgrind': {case} is the case's name with '/' as '_', "
                 "{run} counts that case's servers from 1. The wrapper must exec the server or "
                 "keep it in its process group");
  app.add_option("--server-cmd", custom_specs,
                 "NAME='COMMAND with {port}': add any echo server to the comparison (repeatable)");
  bool python_servers = false;
  app.add_flag("--python-servers", python_servers,
               "Add the tutorial's Python servers (servers/python: threading, forking, asyncio) as "
               "reference rows, not contenders");
  app.add_option("--server-cpus", server_cpus,
                 "Pin servers to these CPUs, e.g. 1 or 2-3 (default: the upper half)");
  app.add_option("--client-cpus", client_cpus,
                 "Pin the load generator to these CPUs (default: the lower half)");
  app.add_flag("--unpinned", unpinned, "Pin nothing: server and load share every CPU");
  app.add_option("--disturbed-at", settings.disturbed_at,
                 "Other processes' CPU on this run's CPUs during a window, as a fraction of one "
                 "CPU, that marks it disturbed: run again, then kept marked and never judged "
                 "(default 0.1)")
      ->check(echo::kDecimal)
      ->check(CLI::Range(0.0, 1000.0));
  app.add_option("--disturbed-retries", settings.disturbed_retries,
                 "Runs again of a disturbed repetition before it is kept, marked (default 2)")
      ->check(echo::kDecimal)
      ->check(CLI::Range(0, 100));
  bool wait_for_lock = true;
  app.add_flag("--wait-for-lock,!--no-wait-for-lock", wait_for_lock,
               "Another echo-bench holding one of this run's CPUs is waited for (the default); "
               "--no-wait-for-lock refuses at once instead (exit 2)");
  app.add_option("--repetitions", repetitions,
                 "Runs of every case, interleaved across models (default: quick 2, else 5)")
      ->check(echo::kDecimal)
      ->check(CLI::Range(1, 1000));
  std::string order = "random";
  app.add_option("--order", order,
                 "random: Google Benchmark interleaves every case's repetitions at random; "
                 "rotated: repetition r runs every case once, starting r cases further down "
                 "the list")
      ->check(CLI::IsMember({"random", "rotated"}))
      ->capture_default_str();
  app.add_option("--slo-p99-us", slo_us, "p99 target of the slo-capacity cases, microseconds")
      ->check(echo::kDecimal)
      ->check(CLI::Range(1u, 60000000u))
      ->capture_default_str();
  app.add_option("--duration", settings.duration_s, "Measured seconds per case")
      ->check(echo::kDecimal)
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--warmup", settings.warmup_s, "Warm-up seconds per case")
      ->check(echo::kDecimal)
      ->check(CLI::Range(0.0, 600.0));
  app.add_option("--client-threads", settings.client_threads,
                 "echo-load threads (default: one per client CPU)")
      ->check(echo::kDecimal)
      ->check(CLI::Range(1, 256));
  app.add_option("--echo-server", settings.echo_server, "echo-server binary")
      ->capture_default_str();
  std::string server_extra_args;
  app.add_option("--server-extra-args", server_extra_args,
                 "Extra echo-server arguments for every case, e.g. '--block-us 10' (tools/gate's "
                 "qualification injects a slowdown with '--work-us 0.5')");
  // Across hosts (remote_run.hpp).
  std::string remote_kind, load_hosts;
  echo::bench::RemoteSettings remote_settings;
  app.add_option("--remote", remote_kind,
                 "Run the server and the load on other hosts: ssh (SSH destinations) or netns "
                 "(network namespaces here, see tools/netns-lab)")
      ->check(CLI::IsMember({"ssh", "netns"}));
  app.add_option("--server-host", remote_settings.server_host,
                 "With --remote: the host that runs the server (and measures its cost)");
  app.add_option("--load-hosts", load_hosts,
                 "With --remote: H1,H2,...: one echo-load per host, connections split among "
                 "them, histograms merged");
  app.add_option("--server-addr", remote_settings.server_addr,
                 "With --remote: the server's address as the load hosts reach it (default: the "
                 "namespace's address, or the ssh destination's HostName)");
  app.add_option("--remote-dir", remote_settings.remote_dir,
                 "With --remote: directory of echo-server, echo-load and echo-bench-agent on the "
                 "hosts "
                 "(default: the same paths as here)");
  app.add_option("--ssh-config", remote_settings.ssh_config,
                 "With --remote ssh: an ssh_config file (ssh -F)");
  app.footer(
      "Google Benchmark's flags pass through, e.g. --benchmark_filter=REGEX,\n"
      "--benchmark_out=FILE --benchmark_out_format=json. Cases run in random\n"
      "interleaved order unless --order rotated or\n"
      "--benchmark_enable_random_interleaving=false.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::CallForVersion& error) {
    std::cout << error.what() << "\n";
    return 0;
  } catch (const CLI::ParseError& error) {
    std::cerr << "echo-bench: " << error.what() << "\n";
    return 2;
  }
  remote_settings.load_hosts = split_commas(load_hosts);
  const bool remote = !remote_kind.empty();
  if (remote != !remote_settings.server_host.empty() ||
      remote != !remote_settings.load_hosts.empty()) {
    std::cerr << "echo-bench: --remote, --server-host and --load-hosts go together\n";
    return 2;
  }
  if (remote && (!custom_specs.empty() || python_servers || !settings.server_prefix.empty())) {
    std::cerr << "echo-bench: --remote runs echo-server's models only (not --server-cmd, "
                 "--python-servers or --server-prefix)\n";
    return 2;
  }
  const echo::bench::MatrixTiming timing = echo::bench::matrix_timing(matrix);
  if (!app.count("--duration")) settings.duration_s = timing.duration_s;
  if (!app.count("--warmup")) settings.warmup_s = timing.warmup_s;
  if (!app.count("--repetitions")) repetitions = timing.repetitions;
  settings.probe_s = timing.probe_s;

  if (!variant_specs.empty() && case_specs.empty()) {
    std::cerr << "echo-bench: --variant runs in the cases --case names (no matrix has it)\n";
    return 2;
  }
  std::vector<echo::bench::CustomServer> custom_servers;
  echo::bench::Placement placement;
  try {
    for (const auto& spec : custom_specs)
      custom_servers.push_back(echo::bench::parse_server_cmd(spec));
    for (const auto& spec : variant_specs)
      custom_servers.push_back(echo::bench::parse_variant(spec));
    if (python_servers) {
      for (const char* model : {"threading", "forking", "asyncio"}) {
        custom_servers.push_back(
            {std::string("python-") + model, std::string("/usr/bin/python3 ") + ECHO_SOURCE_DIR +
                                                 "/servers/python/echo_server.py --model " + model +
                                                 " --port {port}"});
      }
    }
    echo::bench::check_entrant_names(custom_servers);
    placement = echo::bench::choose_placement(server_cpus, client_cpus, unpinned);
    if (remote_kind == "ssh") placement.mode = "unpinned";  // other machines: their CPUs
    if (placement.mode != "unpinned") {
      settings.server_cpus = placement.cpus.server;
      echo::bench::pin_this_process(placement.cpus.client);
    }
  } catch (const std::invalid_argument& error) {
    std::cerr << "echo-bench: " << error.what() << "\n";
    return 2;
  }
  // Equal resources: every model with a thread knob gets one thread per
  // server CPU, and the load generator one thread per client CPU.
  settings.server_threads = static_cast<unsigned>(placement.cpus.server.size());
  settings.client_cpu_count = static_cast<unsigned>(placement.cpus.client.size());
  if (!app.count("--client-threads")) settings.client_threads = settings.client_cpu_count;
  std::istringstream extra_words(server_extra_args);
  for (std::string word; extra_words >> word;) settings.server_extra_args.push_back(word);
  raise_descriptor_limit();
  // One run per CPU at a time (cpu_locks.hpp); until this process ends.
  // Across SSH the servers and loads use other machines' CPUs.
  std::optional<echo::bench::CpuLocks> cpu_locks;
  if (remote_kind != "ssh" && !has_flag(app.remaining(), "--benchmark_list_tests")) {
    std::vector<int> cpus = placement.cpus.server;
    cpus.insert(cpus.end(), placement.cpus.client.begin(), placement.cpus.client.end());
    std::sort(cpus.begin(), cpus.end());
    cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());  // unpinned: both sides all
    settings.watched_cpus = cpus;
    try {
      cpu_locks.emplace(cpus, wait_for_lock);
    } catch (const echo::bench::CpuBusy& busy) {
      std::cerr << "echo-bench: " << busy.what() << "\n";
      return 2;
    }
  }

  // Across hosts: every host checked before the first case; cases that run
  // on one host only are left out, and said so.
  static std::unique_ptr<echo::bench::RemoteRun> remote_run;
  std::map<std::string, std::string> remote_context;
  std::vector<BenchCase> cases;
  try {
    for (const std::string& spec : case_specs)
      cases.push_back(echo::bench::parse_case(spec, custom_servers));
    if (case_specs.empty()) cases = echo::bench::build_matrix(matrix, custom_servers, slo_us);
    if (!settings.hlog_dir.empty()) {
      std::filesystem::create_directories(settings.hlog_dir);
      if (::access(settings.hlog_dir.c_str(), W_OK) != 0)
        throw std::invalid_argument("--hlog-dir " + settings.hlog_dir + ": not writable");
    }
  } catch (const std::invalid_argument& error) {
    std::cerr << "echo-bench: " << error.what() << "\n";
    return 2;
  } catch (const std::filesystem::filesystem_error& error) {
    std::cerr << "echo-bench: --hlog-dir " << settings.hlog_dir << ": " << error.code().message()
              << "\n";
    return 2;
  }
  if (remote) {
    remote_settings.kind =
        remote_kind == "ssh" ? echo::bench::RemoteKind::ssh : echo::bench::RemoteKind::netns;
    remote_settings.echo_load = ECHO_LOAD_PATH;
    remote_settings.agent = ECHO_AGENT_PATH;
    if (placement.mode != "unpinned") remote_settings.load_cpus = placement.cpus.client;
    remote_run = std::make_unique<echo::bench::RemoteRun>(remote_settings);
    remote_context = remote_run->context(settings.duration_s);
    const auto local_only = std::remove_if(cases.begin(), cases.end(), [](const BenchCase& c) {
      return !echo::bench::runs_remotely(c);
    });
    if (local_only != cases.end()) {
      std::cerr << "echo-bench: --remote runs the message cases; left out: "
                << std::distance(local_only, cases.end())
                << " idle-scale, churn, slo-capacity, hostile and restart cases\n";
    }
    cases.erase(local_only, cases.end());
  }
  static Progress progress;
  const std::vector<std::string> selected = selected_cases(cases, app.remaining());
  progress.total = selected.size() * static_cast<std::size_t>(repetitions);
  if (order == "rotated" && has_flag(app.remaining(), "--benchmark_enable_random_interleaving")) {
    std::cerr << "echo-bench: --order rotated decides the order itself; leave out "
                 "--benchmark_enable_random_interleaving\n";
    return 2;
  }
  static std::unique_ptr<echo::bench::RotatedRuns> rotated;
  if (order == "rotated") {
    std::map<std::string, BenchCase> by_name;
    for (const BenchCase& c : cases) by_name.emplace(c.name(), c);
    rotated = std::make_unique<echo::bench::RotatedRuns>(
        selected, repetitions, [by_name, settings](const std::string& name) {
          return measure(by_name.at(name), settings, remote_run.get(), progress);
        });
  }
  std::map<std::string, std::string> context_extra = {
      {"matrix", case_specs.empty() ? matrix : "--case"},
      {"pinning", placement.mode},
      {"server_cpus", placement.mode == "unpinned"
                          ? "unpinned"
                          : echo::bench::cpu_list_text(placement.cpus.server)},
      {"client_cpus", placement.mode == "unpinned"
                          ? "unpinned"
                          : echo::bench::cpu_list_text(placement.cpus.client)},
      {"server_threads", std::to_string(settings.server_threads)},
      {"client_threads", std::to_string(settings.client_threads)},
      {"repetitions", std::to_string(repetitions)},
      {"order", order},
      {"slo_p99_us", std::to_string(slo_us)},
      {"slo_probe_s", std::to_string(settings.probe_s)},
      {"client_bound_at", number_text(settings.client_bound_at)},
      // Shown in the tables, never judged in a claim (tools/echobench/claims.py).
      {"reference_models", python_servers ? "python-threading,python-forking,python-asyncio" : ""},
      {"duration_s", std::to_string(settings.duration_s)},
      {"warmup_s", std::to_string(settings.warmup_s)},
      // A window whose CPUs others used past this fraction of one CPU is
      // run again, then kept marked "disturbed" and never judged.
      {"disturbed_at",
       settings.watched_cpus.empty() ? "unwatched" : std::to_string(settings.disturbed_at)},
      {"server_extra_args", server_extra_args},
      {"server_prefix", settings.server_prefix},
      // The order tables and charts list the entrants in (and each keeps its
      // colour by): the catalog's, each model's +offload after it, then the
      // outside entrants as given (tools/echobench reads it from here).
      {"models", entrant_order(custom_servers)}};
  {
    // Where server CPU time comes from (cpu_cgroup.hpp): nanoseconds from a
    // cgroup per server, or /proc where cgroups cannot be used. A remote
    // run's server host says its own (remote_context, below).
    std::string why_not;
    context_extra["cpu_accounting"] = echo::bench::cpu_accounting_method(&why_not);
    if (!why_not.empty()) context_extra["cpu_accounting_why"] = why_not;
  }
  for (const BenchCase& bench_case : cases) {
    benchmark::RegisterBenchmark(bench_case.name().c_str(),
                                 [bench_case, settings](benchmark::State& state) {
                                   run_one(state, bench_case, settings, remote_run.get(), progress,
                                           rotated.get());
                                 })
        ->UseManualTime()
        ->Iterations(1)
        ->Repetitions(repetitions)
        ->Unit(benchmark::kMicrosecond);
    // Each model's effective arguments (the simplest case's), for the footnote.
    const auto argv_text = [&settings](const echo::bench::BenchCase& c) {
      const std::vector<std::string> words = echo::bench::server_argv(c, settings);
      std::string text = "echo-server";
      for (std::size_t i = 1; i < words.size(); ++i) text.append(" ").append(words[i]);
      return text;
    };
    if ((bench_case.server_command.empty() && !bench_case.work_us && !bench_case.block_us &&
         !bench_case.udp) ||
        !bench_case.server_model.empty()) {
      context_extra.emplace("server_args:" + bench_case.model, argv_text(bench_case));
    } else if (!bench_case.server_command.empty()) {
      context_extra.emplace("server_args:" + bench_case.model, bench_case.server_command);
    } else if (bench_case.offload || bench_case.block_us) {
      // Pools sized to the requests (asio-coroutine+offload, thread-pool in
      // blocking-work) differ from the simplest case's arguments.
      context_extra.emplace("server_args:" + bench_case.name(), argv_text(bench_case));
    }
  }

  for (const auto& [key, value] : remote_context) context_extra[key] = value;
  for (const auto& [key, value] : echo::bench::run_context(context_extra))
    benchmark::AddCustomContext(key, value);

  std::vector<std::string> extras = app.remaining();
  // --benchmark_out is echo-bench's to write (see BufferedFileReporter):
  // opened now, so an unwritable path is found before any case runs.
  std::unique_ptr<echo::OutputFile> out_file;
  std::unique_ptr<echo::bench::BufferedFileReporter> file_reporter;
  try {
    file_reporter = take_benchmark_out(extras, out_file);
  } catch (const echo::OutputError& error) {
    std::cerr << "echo-bench: " << error.what() << "\n";
    return 2;
  } catch (const std::invalid_argument& error) {
    std::cerr << "echo-bench: " << error.what() << "\n";
    return 2;
  }
  if (!has_flag(extras, "--benchmark_enable_random_interleaving")) {
    extras.emplace_back(std::string("--benchmark_enable_random_interleaving=") +
                        (order == "random" ? "true" : "false"));
  }
  std::vector<char*> rest;
  rest.push_back(argv[0]);
  for (auto& extra : extras) rest.push_back(extra.data());
  int rest_count = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_count, rest.data());
  if (benchmark::ReportUnrecognizedArguments(rest_count, rest.data())) return 2;
  const std::size_t matched = file_reporter
                                  ? benchmark::RunSpecifiedBenchmarks(nullptr, file_reporter.get())
                                  : benchmark::RunSpecifiedBenchmarks();
  if (out_file) {
    try {
      out_file->write(file_reporter->text());
      out_file->commit();
    } catch (const echo::OutputError& error) {
      std::cerr << "echo-bench: " << error.what() << "\n";
      return 2;
    }
  }
  benchmark::Shutdown();
  // A broken run must not look like a result: no case, or any failed case,
  // is a non-zero exit (the JSON still says which and why).
  if (matched == 0) {
    std::cerr << "echo-bench: no case matches the filter\n";
    return 1;
  }
  if (progress.failed > 0) {
    std::cerr << "echo-bench: " << progress.failed << " of " << progress.done
              << " case runs failed (error_message in the JSON)\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread exists, so every thread inherits the blocked signals.
  const echo::bench::SignalCleanup cleanup;
  try {
    return run_bench(argc, argv);
  } catch (const std::exception& error) {  // e.g. the server binary is missing
    std::cerr << "echo-bench: " << error.what() << "\n";
    return 1;
  }
}
