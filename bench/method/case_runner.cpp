#include "case_runner.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <stdexcept>
#include <thread>

#include "case_recording.hpp"
#include "common/model_catalog.hpp"
#include "connection_scenarios.hpp"
#include "cpu_disturbance.hpp"
#include "hostile_run.hpp"
#include "launched_server.hpp"
#include "load_counters.hpp"
#include "load_engine.hpp"
#include "load_report.hpp"
#include "load_summary.hpp"
#include "process_group_usage.hpp"
#include "restart_run.hpp"
#include "slo_search.hpp"

namespace echo::bench {
namespace {

using namespace std::chrono_literals;

// What other processes used of the watched CPUs over a window: the CPUs'
// busy time minus the server's and echo-bench's own (cpu_disturbance.hpp).
struct WindowWatch {
  double busy_s = 0;
  double self_s = 0;
  static WindowWatch now(const RunSettings& settings) {
    return {busy_seconds(settings.watched_cpus), process_cpu_seconds()};
  }
};

void add_disturbance(CaseResult& out, const WindowWatch& start, const WindowWatch& end,
                     double server_cpu_s, double window_s, const RunSettings& settings) {
  if (settings.watched_cpus.empty()) return;
  const double others =
      others_cpu(end.busy_s - start.busy_s, server_cpu_s + (end.self_s - start.self_s), window_s);
  const double resolution = others_cpu_resolution(settings.watched_cpus.size(), window_s);
  out.counters["others_cpu"] = others;
  out.counters["disturbed"] = others > settings.disturbed_at + resolution ? 1 : 0;
}

// The load generator's CPU over a window as a fraction of what its CPUs
// could give; at or above settings.client_bound_at the case measured the
// client as much as the server.
void add_client_utilisation(CaseResult& out, double cpu_s, double window_s,
                            const RunSettings& settings) {
  const double util =
      cpu_s / std::max(window_s, 1e-9) / std::max(1.0, double(settings.client_cpu_count));
  out.counters["client_cpu_util"] = util;
  out.counters["client_bound"] = util >= settings.client_bound_at ? 1 : 0;
}

// `argv` with `extra` on top: an option `extra` gives replaces the same
// option in `argv` (with its value), since echo-server refuses one given
// twice; the rest is appended.
std::vector<std::string> with_args(std::vector<std::string> argv,
                                   const std::vector<std::string>& extra) {
  const auto is_option = [](const std::string& word) { return word.rfind("--", 0) == 0; };
  for (const std::string& word : extra) {
    if (!is_option(word)) continue;
    const auto at = std::find(argv.begin(), argv.end(), word);
    if (at == argv.end()) continue;
    const bool has_value = at + 1 != argv.end() && !is_option(at[1]);
    argv.erase(at, has_value ? at + 2 : at + 1);
  }
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

}  // namespace

std::vector<std::string> server_argv(const BenchCase& c, const RunSettings& settings) {
  const std::string& model = c.server_model.empty() ? c.model : c.server_model;
  std::vector<std::string> argv = {settings.echo_server, "--model", model, "--port", "0"};
  // Traits from the one model list (nullptr for a --server-cmd entrant).
  const ModelDescription* traits = find_model_description(model);
  // Equal resources: every model with a thread knob gets one thread per
  // server CPU (the CPU set is the same for every entrant). A pool that runs
  // requests gets its idiomatic size instead: one thread per concurrent
  // request when requests block, one per CPU when they compute.
  const unsigned per_cpu = std::max(1u, settings.server_threads);
  const unsigned request_pool = c.block_us > 0 ? c.connections : per_cpu;
  if (traits && traits->worker_threads && c.block_us > 0) {
    argv.insert(argv.end(), {"--threads", std::to_string(request_pool)});
  } else if (settings.server_threads > 0 && traits && traits->threads_knob) {
    argv.insert(argv.end(), {"--threads", std::to_string(settings.server_threads)});
  }
  if (c.offload) argv.insert(argv.end(), {"--offload-threads", std::to_string(request_pool)});
  if (c.defended) {
    const std::string timeout = std::to_string(kDefendedTimeoutS);
    argv.insert(argv.end(), {"--idle-timeout", timeout, "--write-timeout", timeout});
  }
  if (c.udp) argv.push_back("--udp");
  if (c.work_us) argv.insert(argv.end(), {"--work-us", std::to_string(c.work_us)});
  if (c.block_us) argv.insert(argv.end(), {"--block-us", std::to_string(c.block_us)});
  if ((c.work_us || c.block_us) && !c.udp) {  // once per message, however reads batch them
    argv.insert(argv.end(), {"--message-bytes", std::to_string(c.size)});
  }
  // Process models are sized to the load, as a deployment would size them
  // (Apache's MaxRequestWorkers): a child per connection of the case.
  if (traits && traits->per_connection_process) {
    argv.insert(argv.end(), {"--max-connections", std::to_string(std::max(c.connections, 1024u))});
  }
  if (traits && traits->processes_knob) {
    argv.insert(argv.end(), {"--processes", std::to_string(std::max(c.connections, 16u))});
  }
  argv.insert(argv.end(), settings.server_extra_args.begin(), settings.server_extra_args.end());
  return with_args(std::move(argv), c.server_args);
}

LoadConfig load_config(const BenchCase& c, const RunSettings& settings, std::uint16_t port) {
  LoadConfig config;
  config.port = port;
  config.udp = c.udp;
  config.connections = c.connections;
  config.size = c.size;
  config.duration_s = settings.duration_s;
  config.warmup_s = settings.warmup_s;
  config.threads = std::min(settings.client_threads, c.connections);
  config.interval_s = 0;
  return config;
}

std::string load_failure(const LoadResult& r) {
  // echo-load's own reasons: one list for the command line, local and
  // remote cases.
  std::string why;
  for (const std::string& reason : failure_reasons(r))
    why.append(why.empty() ? "" : "; ").append(reason);
  return why;
}

void add_server_counters(CaseResult& out, const ProcessGroupUsage& start,
                         const ProcessGroupUsage& end, double items) {
  const double per_item = std::max(items, 1.0);
  out.counters["server_cpu_us_per_msg"] = (end.cpu_s - start.cpu_s) * 1e6 / per_item;
  // Threads and children that exit within the window take their switches
  // with them (see process_group_usage.hpp): never below zero.
  const auto grown = [](std::uint64_t from, std::uint64_t to) {
    return to > from ? static_cast<double>(to - from) : 0.0;
  };
  const double voluntary = grown(start.voluntary_switches, end.voluntary_switches);
  const double involuntary = grown(start.involuntary_switches, end.involuntary_switches);
  out.counters["server_ctx_switches_per_msg"] = (voluntary + involuntary) / per_item;
  out.counters["server_voluntary_switches_per_msg"] = voluntary / per_item;
  out.counters["server_involuntary_switches_per_msg"] = involuntary / per_item;
  out.counters["server_pss_mib"] = end.pss_mib;
  out.counters["server_threads"] = end.threads;
  out.counters["server_processes"] = end.processes;
}

void add_latency_counters(CaseResult& out, const LatencyHistogram& h) {
  out.counters["p50_us"] = static_cast<double>(h.value_at_percentile(50)) / 1e3;
  out.counters["p99_us"] = static_cast<double>(h.value_at_percentile(99)) / 1e3;
  out.counters["p999_us"] = static_cast<double>(h.value_at_percentile(99.9)) / 1e3;
  out.counters["max_us"] = static_cast<double>(h.max()) / 1e3;
}

LaunchedServer launch_server(const BenchCase& c, const RunSettings& settings, std::uint16_t port) {
  LaunchOptions options;
  options.cpus = settings.server_cpus;
  options.max_fds = std::max(4096u, 2 * (c.connections + c.bad) + 256);
  options.port = c.server_port;
  if (!settings.server_prefix.empty()) {
    static std::map<std::string, int> runs;  // cases run one at a time, on one thread
    std::string file = c.name();
    std::replace(file.begin(), file.end(), '/', '_');
    options.prefix = fill_in(fill_in(settings.server_prefix, "{case}", file), "{run}",
                             std::to_string(++runs[c.name()]));
  }
  std::vector<std::string> argv = server_argv(c, settings);
  if (port != 0) {
    options.port = port;
    argv = with_args(std::move(argv), {"--port", std::to_string(port)});
  }
  return c.server_command.empty() ? LaunchedServer::start(argv, options)
                                  : LaunchedServer::start_command(c.server_command, options);
}

namespace {

CaseResult run_messages(const BenchCase& c, const RunSettings& settings,
                        const LaunchedServer& server) {
  LoadConfig config = load_config(c, settings, server.port());
  if (c.scenario == Scenario::latency) config.rate = c.rate;
  ProcessGroupUsage start, end;
  WindowWatch watch_start, watch_end;
  // The hooks run on the load engine's thread, where nothing may throw: a
  // sample that fails (its cgroup unreadable) fails the case after the run.
  std::string sample_error;
  const auto sample = [&server, &sample_error](ProcessGroupUsage& into) {
    try {
      into = server.usage();
    } catch (const std::exception& error) {
      if (sample_error.empty()) sample_error = error.what();
    }
  };
  LoadHooks hooks;
  hooks.on_measure_start = [&] {
    watch_start = WindowWatch::now(settings);
    sample(start);
  };
  hooks.on_measure_end = [&] {
    sample(end);
    watch_end = WindowWatch::now(settings);
  };
  CaseRecording recording(c, settings);  // --hlog-dir
  recording.add_to(config, hooks);
  const LoadResult r = run_load(config, nullptr, hooks);

  CaseResult out;
  out.error = load_failure(r);
  if (!sample_error.empty())
    out.error.append(out.error.empty() ? "" : "; ")
        .append("the server's cost: ")
        .append(sample_error);
  try {
    recording.finish(r);
  } catch (const OutputError& error) {
    out.error.append(out.error.empty() ? "" : "; ").append("--hlog-dir: ").append(error.what());
  }
  // The same route as a remote case's (load_counters.hpp), from this run's summary.
  add_load_counters(out, c, {{summarize(r), std::max(1.0, double(settings.client_cpu_count))}},
                    r.totals.corrected, settings.client_bound_at);
  if (config.open_loop()) {  // only here: a remote case has no uncorrected histogram
    out.counters["p99_uncorrected_us"] =
        static_cast<double>(r.totals.uncorrected.value_at_percentile(99)) / 1e3;
  }
  add_server_counters(out, start, end, static_cast<double>(r.totals.messages));
  add_disturbance(out, watch_start, watch_end, end.cpu_s - start.cpu_s, r.elapsed_s, settings);
  return out;
}

CaseResult run_idle(const BenchCase& c, const LaunchedServer& server) {
  const ProcessGroupUsage baseline = server.usage();
  IdleConnections idle = open_idle_connections(server.port(), c.connections);
  std::this_thread::sleep_for(200ms);  // let the server settle (children scheduled, stacks touched)
  const ProcessGroupUsage held = server.usage();
  std::this_thread::sleep_for(500ms);
  const ProcessGroupUsage later = server.usage();

  CaseResult out;
  const auto connected = static_cast<double>(idle.sockets.size());
  if (idle.sockets.size() < c.connections) {
    out.error = "held " + std::to_string(idle.sockets.size()) + " of " +
                std::to_string(c.connections) + " connections: " + idle.first_error;
  }
  out.seconds = idle.seconds;
  out.items = idle.sockets.size();
  out.counters["connected"] = connected;
  out.counters["connect_per_s"] = connected / std::max(idle.seconds, 1e-9);
  out.counters["server_pss_mib"] = held.pss_mib;
  out.counters["pss_per_conn_kib"] =
      (held.pss_anon_mib - baseline.pss_anon_mib) * 1024.0 / std::max(connected, 1.0);
  out.counters["server_threads"] = held.threads;
  out.counters["server_processes"] = held.processes;
  // Idle connections must cost no CPU: what the server burnt in 0.5 s of idleness.
  out.counters["idle_server_cpu_ms_per_s"] = (later.cpu_s - held.cpu_s) * 1000.0 / 0.5;
  return out;
}

CaseResult run_churn_case(const BenchCase& c, const RunSettings& settings,
                          const LaunchedServer& server) {
  const WindowWatch watch_start = WindowWatch::now(settings);
  const ProcessGroupUsage start = server.usage();
  const double client_cpu_start = process_cpu_seconds();
  const ChurnResult churn =
      run_churn(server.port(), c.connections, c.size,
                std::chrono::milliseconds(static_cast<long>(settings.duration_s * 1000)));
  const double client_cpu_s = process_cpu_seconds() - client_cpu_start;
  const ProcessGroupUsage end = server.usage();
  const WindowWatch watch_end = WindowWatch::now(settings);
  CaseResult out;
  if (churn.mismatches > 0)
    out.error = std::to_string(churn.mismatches) + " echoes differed";
  else if (churn.errors > 0)
    out.error = std::to_string(churn.errors) + " connect/echo cycles failed";
  out.seconds = churn.seconds;
  out.items = churn.cycles;
  out.bytes = churn.cycles * c.size;
  if (out.error.empty() && churn.cycles == 0) out.error = "no connect/echo cycle completed";
  out.counters["msgs_per_s"] = static_cast<double>(churn.cycles) / churn.seconds;
  add_latency_counters(out, churn.latency);
  add_client_utilisation(out, client_cpu_s, churn.seconds, settings);
  out.counters["errors"] = static_cast<double>(churn.errors);
  out.counters["mismatches"] = static_cast<double>(churn.mismatches);
  add_server_counters(out, start, end, static_cast<double>(churn.cycles));
  add_disturbance(out, watch_start, watch_end, end.cpu_s - start.cpu_s, churn.seconds, settings);
  return out;
}

// Capacity at the SLO: a closed-loop run gives the scale, then the search
// probes open-loop rates against the same server.
CaseResult run_slo_capacity(const BenchCase& c, const RunSettings& settings,
                            const LaunchedServer& server) {
  LoadConfig config = load_config(c, settings, server.port());
  config.duration_s = settings.probe_s;
  config.warmup_s = std::min(settings.warmup_s, 0.1);
  config.answer_timeout_s = 0.5;  // a probe past capacity must not wait long
  const LoadResult peak = run_load(config);
  CaseResult out;
  if (std::string why = load_failure(peak); !why.empty()) {
    out.error = "closed-loop calibration: " + why;
    return out;
  }
  std::uint64_t messages = peak.totals.messages;
  std::map<double, double> client_util;  // rate -> client CPU utilisation
  const RateProbe probe = [&](double rate) {
    LoadConfig open = config;
    open.rate = rate;
    const LoadResult r = run_load(open);
    messages += r.totals.messages;
    client_util[rate] =
        r.client_cpu_s / r.elapsed_s / std::max(1.0, double(settings.client_cpu_count));
    ProbeOutcome outcome;
    outcome.p99_us = static_cast<double>(r.totals.corrected.value_at_percentile(99)) / 1e3;
    outcome.met = r.totals.unanswered == 0 && r.totals.messages > 0 &&
                  outcome.p99_us <= static_cast<double>(c.slo_us);
    if (r.totals.connected < r.config.connections || r.totals.errors.total() > 0 ||
        r.totals.mismatches > 0) {
      outcome.error = load_failure(r);
    }
    return outcome;
  };
  SloSearchOptions options;
  options.start_rate = 0.5 * peak.msgs_per_s();
  options.step = 1.5;
  options.max_probes = 12;
  const auto started = std::chrono::steady_clock::now();
  const SloSearchResult found = find_capacity_at_slo(probe, options);
  out.error = found.error;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  out.items = messages;
  out.bytes = messages * c.size;
  // A capacity only where some rate met the SLO; where none did, the lowest
  // rate tried and its p99 say how far off it was (never a zero capacity).
  out.counters["slo_met"] = found.never_met ? 0 : 1;
  if (found.never_met) {
    out.counters["lowest_probed_msgs_per_s"] = found.first_failing;
    out.counters["p99_at_lowest_probe_us"] = found.p99_at_first_failing_us;
  } else {
    out.counters["capacity_msgs_per_s"] = found.capacity;
    out.counters["p99_at_capacity_us"] = found.p99_at_capacity_us;
  }
  out.counters["probes"] = found.probes;
  out.counters["closed_loop_msgs_per_s"] = peak.msgs_per_s();
  if (found.first_failing > 0 && !found.never_met)
    out.counters["first_failing_msgs_per_s"] = found.first_failing;
  // The client limited the search if it was saturated where the SLO broke.
  const double util = client_util[found.first_failing > 0 ? found.first_failing : found.capacity];
  out.counters["client_cpu_util"] = util;
  out.counters["client_bound"] = util >= settings.client_bound_at ? 1 : 0;
  const ProcessGroupUsage usage = server.usage();
  out.counters["server_pss_mib"] = usage.pss_mib;
  out.counters["server_threads"] = usage.threads;
  out.counters["server_processes"] = usage.processes;
  return out;
}

// One attempt: a server of its own, started, measured and stopped.
CaseResult run_case_once(const BenchCase& c, const RunSettings& settings) {
  CaseResult out;
  try {
    LaunchedServer server = launch_server(c, settings);
    switch (c.scenario) {
      case Scenario::idle_scale:
        out = run_idle(c, server);
        break;
      case Scenario::churn:
        out = run_churn_case(c, settings, server);
        break;
      case Scenario::slo_capacity:
        out = run_slo_capacity(c, settings, server);
        break;
      case Scenario::hostile:
        out = run_hostile(c, settings, server);
        break;
      case Scenario::restart:
        out = run_restart(c, settings, server);
        break;
      default:
        out = run_messages(c, settings, server);
        break;
    }
    // A wrapper (valgrind, perf stat) may take a while to write its report.
    const std::optional<int> status =
        server.stop(settings.server_prefix.empty() ? std::chrono::milliseconds(2000)
                                                   : std::chrono::milliseconds(30000));
    if (out.error.empty() && c.server_command.empty() && status != 0) {
      out.error = status ? "server exited with status " + std::to_string(*status) + ": " +
                               server.error_output()
                         : "server did not exit after SIGTERM (none of its children ended within "
                           "2 s either)";
    }
  } catch (const ServerStartError& error) {
    out = CaseResult{};
    out.error = error.what();
    out.server_never_started = true;
  } catch (const std::exception& error) {
    out = CaseResult{};
    out.error = error.what();
  }
  out.ok = out.error.empty();
  return out;
}

}  // namespace

CaseResult run_case(const BenchCase& c, const RunSettings& settings) {
  // A window another process shared is measured again, a fresh server and
  // all; if every attempt was disturbed, the last is kept, marked.
  const auto disturbed = [](const CaseResult& result) {
    const auto mark = result.counters.find("disturbed");
    return result.ok && mark != result.counters.end() && mark->second > 0;
  };
  CaseResult out = run_case_once(c, settings);
  unsigned retries = 0;
  for (; disturbed(out) && retries < settings.disturbed_retries; ++retries)
    out = run_case_once(c, settings);
  if (out.counters.count("disturbed") != 0) out.counters["disturbed_retries"] = retries;
  return out;
}

}  // namespace echo::bench
