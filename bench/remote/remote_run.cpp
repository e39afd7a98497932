#include "remote_run.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "agent_protocol.hpp"
#include "clock_offset.hpp"
#include "cpu_split.hpp"
#include "echo/clock.hpp"
#include "hdr_log_reader.hpp"
#include "load_counters.hpp"
#include "load_options.hpp"
#include "load_summary.hpp"

namespace echo::bench {
namespace {

using namespace std::chrono_literals;

// How far ahead of "every host is ready" the common start lies, before the
// hosts' round trips are added: time for echo-load to read its line and set
// its window, which needs no network.
constexpr double kStartMargin_s = 0.05;

void sleep_until_unix(double when_s) {
  const double left = when_s - unix_time_s();
  if (left > 0) std::this_thread::sleep_for(std::chrono::duration<double>(left));
}

// An answer the agent gave that echo-bench cannot use, naming the host.
std::runtime_error from_agent_on(const std::string& host, const std::runtime_error& error) {
  return std::runtime_error("the agent on " + host + " " + error.what());
}

ClockOffset measure_clock_offset(AgentChannel& agent, const std::string& host) {
  std::vector<ClockProbe> probes;
  for (int i = 0; i < 7; ++i) {
    ClockProbe probe;
    probe.sent_s = unix_time_s();
    const std::string answer = agent.request(agent::kTime);
    probe.received_s = unix_time_s();
    try {
      probe.remote_s = agent::read_time(answer);
    } catch (const std::runtime_error& error) {
      throw from_agent_on(host, error);
    }
    probes.push_back(probe);
  }
  return estimate_clock_offset(probes);
}

// One sample of the server's cost on its host; a server that died says so.
struct ServerSample {
  ProcessGroupUsage usage;
  std::string died;  ///< "exited with status ...: stderr" if it is gone
};

ServerSample sample_server(AgentChannel& agent, const std::string& host) {
  agent::Sample answer;
  try {
    answer = agent::read_sample(agent.request(agent::kSample));
  } catch (const std::runtime_error& error) {
    throw from_agent_on(host, error);
  }
  ServerSample sample;
  if (answer.usage) {
    sample.usage = *answer.usage;
  } else {
    sample.died = "the server on " + host + " exited with status " +
                  std::to_string(answer.exit_status) +
                  " during the case; its stderr: " + answer.server_stderr;
  }
  return sample;
}

// What one load host measured.
struct HostLoad {
  LoadSummary summary;  ///< read from echo-load's JSON
  LatencyHistogram merged;
  std::string error;
};

// Why a load host's echo-load failed: its own reasons from its JSON where it
// wrote one, else what it printed.
std::string load_host_error(const CommandOutput& run) {
  std::string why;
  try {
    for (const std::string& reason : read_load_json(run.out).failures)
      why.append(why.empty() ? "" : "; ").append(reason);
  } catch (const std::runtime_error&) {  // no JSON (it never got that far): its stderr says why
  }
  if (why.empty()) why = run.err.empty() ? "no output" : run.err;
  if (!run.status) return "did not finish in time; " + why;
  return "exit status " + std::to_string(*run.status) + ": " + why;
}

// The address of a namespace on the lab network, or the host name an ssh
// destination resolves to.
std::string find_server_address(const RemoteHost& host, const RemoteSettings& s) {
  if (s.kind == RemoteKind::netns) {
    const CommandOutput out = run_on(host, {"ip", "-o", "-4", "addr", "show", "scope", "global"});
    std::smatch match;
    static const std::regex inet(R"(inet (\d+\.\d+\.\d+\.\d+)/)");
    if (out.ok() && std::regex_search(out.out, match, inet)) return match[1].str();
    throw std::runtime_error("namespace " + host.name() +
                             " has no global IPv4 address (give --server-addr): " + out.err);
  }
  std::vector<std::string> argv = {"ssh", "-G"};
  if (!s.ssh_config.empty()) argv.insert(argv.end(), {"-F", s.ssh_config});
  argv.push_back(host.name());
  const CommandOutput out = run_here(argv, 10s);
  std::smatch match;
  static const std::regex hostname(R"((^|\n)hostname (\S+))");
  if (out.ok() && std::regex_search(out.out, match, hostname)) return match[2].str();
  throw std::runtime_error("cannot resolve ssh destination " + host.name() + ": " + out.err);
}

}  // namespace

bool runs_remotely(const BenchCase& c) {
  return c.server_command.empty() &&
         (c.scenario == Scenario::throughput || c.scenario == Scenario::latency ||
          c.scenario == Scenario::cpu_work || c.scenario == Scenario::blocking_work);
}

RemoteRun::RemoteRun(RemoteSettings settings) : settings_(std::move(settings)) {
  access_.kind = settings_.kind;
  access_.ssh_config = settings_.ssh_config;
  if (access_.kind == RemoteKind::ssh) {
    std::string dir = (std::filesystem::temp_directory_path() / "echo-bench-ssh.XXXXXX").string();
    if (!::mkdtemp(dir.data())) throw std::runtime_error("mkdtemp failed");
    access_.control_dir = dir;
  }
  server_ = std::make_unique<RemoteHost>(settings_.server_host, &access_);
  for (const std::string& name : settings_.load_hosts)
    loads_.push_back(std::make_unique<RemoteHost>(name, &access_));
  // Every host must answer before the first case (this also opens ssh's
  // control connections).
  try {
    std::vector<const RemoteHost*> all = {server_.get()};
    for (const auto& load : loads_) all.push_back(load.get());
    for (const RemoteHost* host : all) {
      const CommandOutput out = run_on(*host, {on_host(settings_.echo_load), "--version"}, 30s);
      if (!out.ok()) {
        throw std::runtime_error("cannot run " + on_host(settings_.echo_load) + " on " +
                                 host->name() + ": " + (out.err.empty() ? "timed out" : out.err));
      }
    }
    if (settings_.server_addr.empty())
      settings_.server_addr = find_server_address(*server_, settings_);
  } catch (...) {
    close_connections();  // no destructor runs for a half-made object
    throw;
  }
}

RemoteRun::~RemoteRun() { close_connections(); }

void RemoteRun::close_connections() {
  if (access_.kind != RemoteKind::ssh) return;
  close_control_connection(*server_, access_);
  for (const auto& load : loads_) close_control_connection(*load, access_);
  std::error_code ignored;
  std::filesystem::remove_all(access_.control_dir, ignored);
}

std::string RemoteRun::on_host(const std::string& local_path) const {
  if (settings_.remote_dir.empty()) return local_path;
  return (std::filesystem::path(settings_.remote_dir) /
          std::filesystem::path(local_path).filename())
      .string();
}

std::map<std::string, std::string> RemoteRun::context(double window_s) const {
  std::map<std::string, std::string> context = {
      {"remote", settings_.kind == RemoteKind::ssh ? "ssh" : "netns"},
      {"server_host", settings_.server_host},
      {"server_addr", settings_.server_addr},
      {"load_hosts", std::to_string(loads_.size())}};
  for (std::size_t i = 0; i < loads_.size(); ++i) {
    const std::string key = "load_host_" + std::to_string(i + 1);
    context[key] = loads_[i]->name();
    AgentChannel agent(*loads_[i], {on_host(settings_.agent)});
    const ClockOffset clock = measure_clock_offset(agent, loads_[i]->name());
    char text[96];
    std::snprintf(text, sizeof text, "%+.3f ms +/- %.3f ms", clock.offset_s * 1e3,
                  clock.uncertainty_s * 1e3);
    context[key + "_clock_offset"] = text;
    if (std::string why = clock_offset_refusal(loads_[i]->name(), clock, window_s); !why.empty())
      throw std::runtime_error(why);
  }
  {
    // The server's CPU is measured on its own host, as that host allows.
    AgentChannel agent(*server_, {on_host(settings_.agent)});
    agent::CpuAccounting accounting;
    try {
      accounting = agent::read_cpu_accounting(agent.request(agent::kCpuAccounting));
    } catch (const std::runtime_error& error) {
      throw from_agent_on(server_->name(), error);
    }
    context["cpu_accounting"] = accounting.method;
    if (!accounting.why_not.empty()) context["cpu_accounting_why"] = accounting.why_not;
  }
  return context;
}

CaseResult RemoteRun::run_case(const BenchCase& c, const RunSettings& run) const {
  CaseResult out = measure(c, run);
  out.ok = out.error.empty();
  return out;
}

CaseResult RemoteRun::measure(const BenchCase& c, const RunSettings& run) const {
  CaseResult out;
  if (!runs_remotely(c)) {
    out.error = "this case runs on one host only, not with --remote";
    return out;
  }
  const auto hosts = static_cast<unsigned>(loads_.size());
  if (c.connections < hosts) {
    out.error = std::to_string(c.connections) + " connections cannot be split over " +
                std::to_string(hosts) + " load hosts";
    return out;
  }
  try {
    // The server, under its agent, on its host.
    std::vector<std::string> agent_argv = {on_host(settings_.agent)};
    if (settings_.kind == RemoteKind::netns && !run.server_cpus.empty())
      agent_argv.insert(agent_argv.end(), {"--cpus", cpu_list_text(run.server_cpus)});
    agent_argv.insert(
        agent_argv.end(),
        {"--max-fds", std::to_string(std::max(4096u, 2 * c.connections + 256)), "--"});
    std::vector<std::string> server = server_argv(c, run);
    server[0] = on_host(server[0]);
    server.insert(server.end(), {"--host", settings_.server_addr});
    agent_argv.insert(agent_argv.end(), server.begin(), server.end());
    AgentChannel server_agent(*server_, agent_argv);

    // Each load host's clock, then one start time for all, in each one's clock.
    std::vector<ClockOffset> clocks;
    double worst_offset_ms = 0;
    for (const auto& load : loads_) {
      AgentChannel agent(*load, {on_host(settings_.agent)});
      clocks.push_back(measure_clock_offset(agent, load->name()));
      worst_offset_ms = std::max(worst_offset_ms, std::abs(clocks.back().offset_s) * 1e3);
      if (std::string why = clock_offset_refusal(load->name(), clocks.back(), run.duration_s);
          !why.empty()) {
        out.error = why;
        return out;
      }
    }
    std::vector<std::unique_ptr<RemoteTempDir>> dirs;
    for (const auto& load : loads_) dirs.push_back(std::make_unique<RemoteTempDir>(*load));
    std::vector<std::unique_ptr<CollectedProcess>> loads;
    std::vector<unsigned> threads;
    for (unsigned i = 0; i < hosts; ++i) {
      const unsigned connections = c.connections / hosts + (i < c.connections % hosts ? 1 : 0);
      threads.push_back(std::min(run.client_threads, connections));
      // The local run's load, this host's share of it, as echo-load's options.
      LoadConfig config = load_config(c, run, server_agent.port());
      config.host = settings_.server_addr;
      config.connections = connections;
      config.threads = threads.back();
      if (c.scenario == Scenario::latency) config.rate = c.rate * connections / c.connections;
      config.format = OutputFormat::json;
      config.interval_s = -1;  // echo-load's own intervals for its .hlog
      config.hlog_path = dirs[i]->path() + "/latency.hlog";
      config.start_on_input = true;
      std::vector<std::string> argv;
      if (settings_.kind == RemoteKind::netns && !settings_.load_cpus.empty())
        argv = {"taskset", "-c", cpu_list_text(settings_.load_cpus)};
      argv.push_back(on_host(settings_.echo_load));
      const std::vector<std::string> options = load_arguments(config);
      argv.insert(argv.end(), options.begin(), options.end());
      loads.push_back(start_on(*loads_[i], argv, /*with_input=*/true));
    }
    // Every host opens its connections and passes its own ramp-up barrier;
    // only then is the common start chosen, a margin ahead that covers the
    // slowest host's measured round trip, and sent to each in its own clock.
    const LoadConfig defaults;
    const auto ramp_up_patience = std::chrono::milliseconds(
        std::llround((defaults.connect_timeout_s + defaults.ramp_up_timeout_s + 10) * 1000));
    for (unsigned i = 0; i < hosts; ++i) {
      if (!loads[i]->wait_for_error_line("ready ", ramp_up_patience)) {
        const CommandOutput done = loads[i]->finish(1s);
        out.error = "load host " + loads_[i]->name() +
                    " did not get through its ramp-up: " + load_host_error(done);
        return out;
      }
    }
    double slowest_round_trip_s = 0;
    for (const ClockOffset& clock : clocks)
      slowest_round_trip_s = std::max(slowest_round_trip_s, 2 * clock.uncertainty_s);
    const double start_s = unix_time_s() + kStartMargin_s + 4 * slowest_round_trip_s;
    for (unsigned i = 0; i < hosts; ++i) {
      char start_at[32];
      std::snprintf(start_at, sizeof start_at, "%.6f", start_s + clocks[i].offset_s);
      loads[i]->write_input(start_at);  // a host that is gone says so in its output below
    }

    // The server's cost over the window, sampled on its host.
    sleep_until_unix(start_s + run.warmup_s);
    const ServerSample begin = sample_server(server_agent, server_->name());
    sleep_until_unix(start_s + run.warmup_s + run.duration_s);
    const ServerSample end =
        begin.died.empty() ? sample_server(server_agent, server_->name()) : begin;

    std::vector<HostLoad> results(hosts);
    std::string load_errors;
    const auto patience = std::chrono::seconds(30);  // answer and stall timeouts, and slack
    for (unsigned i = 0; i < hosts; ++i) {
      const CommandOutput done = loads[i]->finish(patience);
      HostLoad& r = results[i];
      if (done.ok()) {
        try {
          r.summary = read_load_json(done.out);
        } catch (const std::runtime_error& error) {
          r.error = error.what();
        }
      } else {
        r.error = load_host_error(done);
      }
      if (r.error.empty()) {
        const CommandOutput hlog = run_on(*loads_[i], {"cat", dirs[i]->path() + "/latency.hlog"});
        std::istringstream text(hlog.out);
        try {
          if (!hlog.ok()) throw std::runtime_error(hlog.err);
          for (const LatencyHistogram& interval : read_hlog(text)) r.merged.merge(interval);
          // Every message answered in the window is in one interval, and so
          // is (UDP) each datagram sent in it and answered just after, at most
          // one per socket: a log outside that range (cut short, a lost
          // write) must not pass as a clean p99.
          const std::uint64_t messages = r.summary.messages;
          const std::uint64_t in_flight = r.summary.connections;
          if (r.merged.count() < messages || r.merged.count() > messages + in_flight) {
            throw std::runtime_error("holds " + std::to_string(r.merged.count()) +
                                     " latencies for the JSON's " + std::to_string(messages) +
                                     " messages");
          }
        } catch (const std::runtime_error& error) {
          r.error = std::string("its .hlog: ") + error.what();
        }
      }
      if (!r.error.empty()) {
        if (!load_errors.empty()) load_errors += "; ";
        load_errors.append("load host ").append(loads_[i]->name()).append(": ").append(r.error);
      }
    }
    dirs.clear();  // removed before the server stops, so a failure below leaves none

    const std::string stopped = server_agent.request(agent::kStop, 15s);
    std::string server_error = !end.died.empty() ? end.died : "";
    if (server_error.empty()) {
      try {
        if (const agent::Stopped how = agent::read_stopped(stopped); how.status != 0) {
          server_error = "the server on " + server_->name() + " ended badly: status " +
                         std::to_string(how.status) + ", stderr: " + how.server_stderr;
        }
      } catch (const std::runtime_error& error) {
        server_error = from_agent_on(server_->name(), error).what();
      }
    }
    out.error = server_error;
    if (!load_errors.empty()) out.error.append(out.error.empty() ? "" : "; ").append(load_errors);
    if (!out.error.empty()) return out;

    // Merged by the local route (load_counters.hpp): counts summed,
    // histograms added; each host's rate beside the total.
    LatencyHistogram merged;
    std::vector<LoadShare> shares;
    for (unsigned i = 0; i < hosts; ++i) {
      const LoadSummary& r = results[i].summary;
      merged.merge(results[i].merged);
      shares.push_back({r, static_cast<double>(threads[i])});
      const std::string prefix = "host" + std::to_string(i + 1) + "_";
      out.counters[prefix + "msgs_per_s"] = r.msgs_per_s;
      out.counters[prefix + "p99_us"] = r.p99_us;
      out.counters[prefix + "client_cpu_util"] = r.client_cpu_us_per_msg *
                                                 static_cast<double>(r.messages) / 1e6 /
                                                 std::max(r.duration_s, 1e-9) / threads[i];
    }
    add_load_counters(out, c, shares, merged, run.client_bound_at);
    // Load hosts that are namespaces pinned to the same CPUs share them, so
    // their sum counts against those CPUs too.
    if (settings_.kind == RemoteKind::netns && !settings_.load_cpus.empty() && out.seconds > 0) {
      const double shared = out.counters["client_cpu_us_per_msg"] * static_cast<double>(out.items) /
                            1e6 / out.seconds / static_cast<double>(settings_.load_cpus.size());
      if (shared > out.counters["client_cpu_util"]) {
        out.counters["client_cpu_util"] = shared;
        out.counters["client_bound"] = shared >= run.client_bound_at ? 1 : 0;
      }
    }
    out.counters["load_hosts"] = hosts;
    out.counters["clock_offset_ms"] = worst_offset_ms;
    add_server_counters(out, begin.usage, end.usage, static_cast<double>(out.items));
  } catch (const std::exception& error) {
    out = CaseResult{};
    out.error = error.what();
  }
  return out;
}

}  // namespace echo::bench
