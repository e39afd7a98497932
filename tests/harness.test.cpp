// The benchmark harness: process-group accounting against a child of known
// cost, failed starts reported as errors (never numbers), and one quick case
// per model producing every counter with sane values.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_case.hpp"
#include "case_runner.hpp"
#include "case_spec.hpp"
#include "cpu_cgroup.hpp"
#include "launched_server.hpp"
#include "load_counters.hpp"
#include "load_report.hpp"
#include "load_summary.hpp"
#include "proc_stat.hpp"
#include "process_group_usage.hpp"
#include "support/model_param.hpp"
#include "support/server_process.hpp"

namespace echo::bench {
namespace {

using namespace std::chrono_literals;

BenchCase throughput_case(const std::string& model, unsigned connections = 16) {
  BenchCase c;
  c.model = model;
  c.connections = connections;
  return c;
}

// What the stand-in's processes say they used themselves (cpu_burner.cpp):
// the ground truth the harness's sample is checked against.
double burner_own_cpu_s(const LaunchedServer& burner) {
  const std::string said = burner.error_output();
  const auto at = said.find("own_cpu_s ");
  if (at == std::string::npos) {
    ADD_FAILURE() << "the burner did not report its CPU time: " << said;
    return -1;
  }
  return std::stod(said.substr(at + 10));
}

// Both routes to a server's CPU time, each against the stand-in's own
// figures: its cgroup (cpuacct.usage, nanoseconds, every task that ever ran
// in it) and /proc (process CPU clocks in nanoseconds, plus reaped children
// in whole ticks).
class ServerCpu : public ::testing::TestWithParam<bool> {  // true: the cgroup
 protected:
  void SetUp() override {
    std::string why_not;
    if (GetParam() && !CpuCgroup::make(&why_not)) GTEST_SKIP() << "no cgroup here: " << why_not;
  }

  [[nodiscard]] LaunchedServer start_burner(const std::string& mode) const {
    LaunchOptions options;
    options.cpu_cgroup = GetParam();
    std::vector<std::string> argv = {ECHO_CPU_BURNER_PATH};
    if (!mode.empty()) argv.push_back(mode);
    LaunchedServer burner = LaunchedServer::start(argv, options);
    EXPECT_STREQ(burner.cpu_accounting(), GetParam() ? "cgroup-cpuacct" : "proc");
    return burner;
  }

  // The cgroup within 2%, plus 1 ms and 0.2 ms per process: each process
  // does a little after it read its clock (its last words, the wait), and on
  // a contended machine that little is what interrupts land on; the slowed
  // machine once put 50 small children 12 ms off their own 0.525 s. /proc
  // within two clock ticks (a reaped child's time comes in ticks) plus 5%.
  // Either is far closer than what the tests guard against: tick rounding
  // that loses every child's 4 ms, or threads' time lost with the threads.
  void expect_matches_own_figure(double sampled_s, double own_s, unsigned processes) const {
    const double tolerance =
        GetParam() ? 0.001 + 0.0002 * processes + 0.02 * own_s : 0.02 + 0.05 * own_s;
    EXPECT_NEAR(sampled_s, own_s, tolerance) << "own figure " << own_s << " s";
  }
};

TEST_P(ServerCpu, CountsLiveAndReapedChildrenAsTheyCountedThemselves) {
  LaunchedServer burner = start_burner("");
  const ProcessGroupUsage usage = burner.usage();
  EXPECT_EQ(usage.processes, 2u);  // the parent and live child B
  const double own_s = burner_own_cpu_s(burner);
  EXPECT_GE(own_s, 0.8);  // 300 + 300 + 200 ms burnt, at least
  expect_matches_own_figure(usage.cpu_s, own_s, usage.processes);
  EXPECT_EQ(burner.stop(), 0);
}

TEST_P(ServerCpu, CountsManySmallChildrenThatEachRanLessThanATick) {
  LaunchedServer burner = start_burner("many");
  const ProcessGroupUsage usage = burner.usage();
  EXPECT_EQ(usage.processes, 51u);
  // At least 50 x 4 ms; rounding each child down to whole 10 ms ticks would
  // report about zero.
  const double own_s = burner_own_cpu_s(burner);
  EXPECT_GE(own_s, 0.2);
  expect_matches_own_figure(usage.cpu_s, own_s, usage.processes);
  EXPECT_EQ(burner.stop(), 0);
}

TEST_P(ServerCpu, CountsThreadsThatHaveExited) {
  LaunchedServer burner = start_burner("threads");
  const ProcessGroupUsage usage = burner.usage();
  EXPECT_EQ(usage.threads, 2u);  // the main thread and the one that stays
  const double own_s = burner_own_cpu_s(burner);
  EXPECT_GE(own_s, 0.5);  // 5 x 100 ms, 4 of them in threads that are gone
  expect_matches_own_figure(usage.cpu_s, own_s, usage.processes);
  EXPECT_EQ(burner.stop(), 0);
}

TEST_P(ServerCpu, LeavesNoCgroupBehind) {
  std::string group;
  {
    LaunchedServer burner = start_burner("many");
    group = burner.cgroup_path();
    EXPECT_EQ(group.empty(), !GetParam());
    if (!group.empty()) {
      EXPECT_TRUE(std::filesystem::is_directory(group));
    }
    EXPECT_EQ(burner.stop(), 0);
  }
  if (!group.empty()) {
    EXPECT_FALSE(std::filesystem::exists(group)) << group;
  }
}

INSTANTIATE_TEST_SUITE_P(BothRoutes, ServerCpu, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& route) {
                           return std::string(route.param ? "Cgroup" : "Proc");
                         });

TEST(ProcessGroupUsage, PssCountsCopyOnWritePagesOnce) {
  LaunchedServer burner = LaunchedServer::start({ECHO_CPU_BURNER_PATH}, {});
  const ProcessGroupUsage usage = burner.usage();
  // 64 MiB shared by two processes: RSS would add up to ~128 MiB.
  EXPECT_GT(usage.pss_mib, 60.0);
  EXPECT_LT(usage.pss_mib, 80.0);
  burner.stop();
}

// A process that exits while the harness reads its /proc files is a value
// (nullopt), never an exception out of the case.
// The child execs sleep first: a forked copy of this binary may run a
// sanitizer's own thread beside its main one (TSan did, now and then).
TEST(ProcStat, ReadsALiveProcessAndReturnsNothingForAGoneOne) {
  const pid_t child = ::fork();
  if (child == 0) {
    ::execl("/bin/sleep", "sleep", "60", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_GT(child, 0);
  const std::string comm = "/proc/" + std::to_string(child) + "/comm";
  const auto give_up = std::chrono::steady_clock::now() + 30s;  // a hang guard, not a speed
  while (read_proc_file(comm).value_or("") != "sleep\n" &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(1ms);
  }
  const auto live = read_proc_stat(child);
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->threads, 1u);
  EXPECT_NE(live->state, 'Z');
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_FALSE(read_proc_stat(child).has_value());
  EXPECT_FALSE(read_proc_file("/proc/" + std::to_string(child) + "/status").has_value());
}

TEST(LaunchedServer, SilentServerTimesOutWithAReason) {
  LaunchOptions options;
  options.ready_timeout = 300ms;
  try {
    LaunchedServer::start({"/bin/sleep", "30"}, options);
    FAIL() << "expected a timeout";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("no ready line"), std::string::npos) << error.what();
  }
}

// A server whose children take longer to end than one grace period, but end
// steadily (as thousands of them do): stop() waits for it while they do, and
// reports its own exit status instead of SIGKILLing it as a hang.
TEST(LaunchedServer, StopWaitsWhileTheServersChildrenKeepEnding) {
  const std::string server = R"(python3 -c '
import os, signal, socket, sys, time
children = []
def stop(*_):
    for pid in children:
        os.kill(pid, signal.SIGKILL); os.waitpid(pid, 0); time.sleep(0.5)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
for _ in range(6):
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGTERM, signal.SIG_DFL); signal.pause(); os._exit(0)
    children.append(pid)
listener = socket.socket(); listener.bind(("127.0.0.1", {port})); listener.listen()
while True:
    signal.pause()
')";
  LaunchedServer launched = LaunchedServer::start_command(server, LaunchOptions{});
  while (child_pids(launched.pid()).size() < 6) std::this_thread::sleep_for(10ms);
  // Six children, one every 0.5 s: 3 s in all, more than the 2 s grace,
  // with four of them ending in each grace period (room for a slow machine).
  EXPECT_EQ(launched.stop(2000ms), std::optional<int>(0));
}

TEST(LaunchedServer, ParsesCpuLists) {
  EXPECT_EQ(parse_cpu_list("0,2-4"), (std::vector<int>{0, 2, 3, 4}));
  EXPECT_THROW(parse_cpu_list("x"), std::invalid_argument);
  EXPECT_THROW(parse_cpu_list("3-1"), std::invalid_argument);
}

TEST(RunCase, ServerThatCannotStartIsAnErrorNotANumber) {
  RunSettings settings;
  settings.echo_server = "/nonexistent/echo-server";
  const CaseResult result = run_case(throughput_case("thread-pool"), settings);
  EXPECT_FALSE(result.ok);
  EXPECT_NE(result.error.find("ready line"), std::string::npos) << result.error;
  EXPECT_TRUE(result.counters.empty());
}

TEST(RunCase, UnknownModelIsAnErrorQuotingTheServer) {
  RunSettings settings;
  settings.echo_server = testing::echo_server_path();
  const CaseResult result = run_case(throughput_case("no-such-model"), settings);
  EXPECT_FALSE(result.ok);
  EXPECT_NE(result.error.find("valid models"), std::string::npos) << result.error;
}

class QuickCase : public ::testing::TestWithParam<std::string> {};

TEST_P(QuickCase, ProducesEveryCounterWithSaneValues) {
  RunSettings settings;
  settings.echo_server = testing::echo_server_path();
  settings.duration_s = 0.4;
  settings.warmup_s = 0.1;
  const CaseResult result = run_case(throughput_case(GetParam(), 8), settings);
  ASSERT_TRUE(result.ok) << result.error;
  const auto& c = result.counters;
  for (const char* name :
       {"msgs_per_s", "bytes_per_s", "p50_us", "p99_us", "p999_us", "max_us",
        "server_cpu_us_per_msg", "client_cpu_us_per_msg", "server_pss_mib", "server_threads",
        "server_processes", "server_ctx_switches_per_msg", "server_voluntary_switches_per_msg",
        "server_involuntary_switches_per_msg", "errors", "mismatches", "connected"}) {
    EXPECT_TRUE(c.count(name)) << name;
  }
  EXPECT_DOUBLE_EQ(
      c.at("server_ctx_switches_per_msg"),
      c.at("server_voluntary_switches_per_msg") + c.at("server_involuntary_switches_per_msg"));
  EXPECT_GT(c.at("msgs_per_s"), 0);
  EXPECT_LE(c.at("p50_us"), c.at("p99_us"));
  EXPECT_LE(c.at("p99_us"), c.at("max_us"));
  EXPECT_GT(c.at("server_cpu_us_per_msg"), 0);
  EXPECT_GT(c.at("server_pss_mib"), 0);
  EXPECT_EQ(c.at("connected"), 8);
  EXPECT_EQ(c.at("errors"), 0);
  EXPECT_EQ(c.at("mismatches"), 0);
  const ModelDescription& traits = *find_model_description(GetParam());
  if (traits.per_connection_process || traits.processes_knob) {
    EXPECT_GT(c.at("server_processes"), 1);  // the children are counted
  }
  if (GetParam() == "thread-per-connection") {
    EXPECT_GT(c.at("server_threads"), 8);  // a thread per connection
  }
}

INSTANTIATE_TEST_SUITE_P(EveryModel, QuickCase, ::testing::ValuesIn(testing::concurrent_models()),
                         testing::model_test_name);

TEST(BenchMatrix, NamesAreUniqueAndEveryScenarioAppears) {
  for (const char* matrix : {"quick", "default", "full"}) {
    const auto cases = build_matrix(matrix, {{"socat", "socat TCP-LISTEN:{port},fork PIPE"}});
    std::set<std::string> names, scenarios;
    for (const auto& c : cases) {
      EXPECT_TRUE(names.insert(c.name()).second) << "duplicate " << c.name();
      scenarios.insert(scenario_name(c.scenario));
    }
    // default leaves the capacity search to full (and quick keeps it, so CI runs its code)
    const bool searches = std::string(matrix) != "default";
    // full also restarts every model
    const std::size_t expected = std::string(matrix) == "full" ? 9 : searches ? 8 : 7;
    EXPECT_EQ(scenarios.size(), expected) << matrix;
    EXPECT_EQ(scenarios.count("slo-capacity"), searches ? 1u : 0u) << matrix;
    EXPECT_TRUE(names.count("throughput/tcp/socat/conns:16/size:64")) << matrix;
  }
  const auto by_default = build_matrix("default", {});
  for (const char* kind : {"idle", "non-reader"}) {
    const std::string name =
        std::string("hostile/tcp/prefork/conns:16/size:64/kind:") + kind + "/bad:1000";
    EXPECT_EQ(std::count_if(by_default.begin(), by_default.end(),
                            [&](const BenchCase& c) { return c.name() == name; }),
              1)
        << name;
  }
  EXPECT_THROW(build_matrix("huge", {}), std::invalid_argument);
}

// The hostile scenario against models whose outcome is known: a model
// whose every process an idle client holds stops serving the good clients,
// which is a result (good_served 0), not a failed case; one with a thread
// per client serves them; and with the defences on, every idle client is
// closed before the good load runs.
class HostileCase : public ::testing::Test {
 protected:
  static CaseResult run(const std::string& spec) {
    RunSettings settings;
    settings.echo_server = testing::echo_server_path();
    settings.duration_s = 0.3;
    settings.warmup_s = 0.1;
    return run_case(parse_case(spec, {}), settings);
  }
};

TEST_F(HostileCase, AModelThatStopsServingIsAResultNotAFailure) {
  // prefork is sized to the 16 good connections: 20 idle clients hold every child.
  const CaseResult result = run("hostile/tcp/prefork/conns:16/size:64/kind:idle/bad:20");
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.counters.at("good_served"), 0);
  EXPECT_EQ(result.counters.at("throughput_ratio"), 0);
  EXPECT_EQ(result.counters.count("p99_us"), 0u) << "no latency from a load that never ran";
  EXPECT_EQ(result.counters.at("hostile_attached"), 20);
  EXPECT_GT(result.counters.at("baseline_msgs_per_s"), 0);
}

TEST_F(HostileCase, AThreadPerClientKeepsServingAndCountsItsThreads) {
  const CaseResult result =
      run("hostile/tcp/thread-per-connection/conns:4/size:64/kind:idle/bad:50");
  ASSERT_TRUE(result.ok) << result.error;
  const auto& c = result.counters;
  EXPECT_EQ(c.at("good_served"), 1);
  EXPECT_GT(c.at("throughput_ratio"), 0);
  EXPECT_DOUBLE_EQ(c.at("throughput_ratio"), c.at("msgs_per_s") / c.at("baseline_msgs_per_s"));
  EXPECT_EQ(c.at("hostile_attached"), 50);
  EXPECT_EQ(c.at("hostile_closed"), 0);
  // Ground truth from the server itself: a thread for each idle client on
  // top of what it had alone (a sanitizer adds a thread of its own, and the
  // load alone may leave a thread or two not yet joined).
  EXPECT_GE(c.at("server_threads") - c.at("baseline_server_threads"), 50);
}

// The restart scenario end to end: SIGTERM halfway through the window, a
// new server on the same port, every connection back, and the wait charged
// to latency (the longest at least the mean time a connection was away,
// less the gap between two of its messages: ground truth of this run).
TEST(RestartCase, EveryConnectionComesBackAndTheGapShowsInLatency) {
  RunSettings settings;
  settings.echo_server = testing::echo_server_path();
  settings.duration_s = 1.0;
  settings.warmup_s = 0.1;
  const BenchCase c = parse_case("restart/tcp/epoll-reactor/conns:4/size:64/rate:2000", {});
  const CaseResult result = run_case(c, settings);
  ASSERT_TRUE(result.ok) << result.error;
  const auto& k = result.counters;
  EXPECT_GE(k.at("reconnects"), 4);
  EXPECT_GT(k.at("server_down_s"), 0);
  EXPECT_GT(k.at("recovery_s"), 0);
  EXPECT_GT(k.at("messages_delayed"), 0);
  const double mean_gap_s = k.at("disconnected_s") / k.at("reconnects");
  const double message_gap_s = 4.0 / 2000;  // per connection
  EXPECT_GE(k.at("max_us") / 1e6, mean_gap_s - message_gap_s);
}

TEST_F(HostileCase, DefendedModelClosesTheNonReadersBeforeTheLoad) {
  const CaseResult result =
      run("hostile/tcp/epoll-reactor+defended/conns:4/size:64/kind:non-reader/bad:20");
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.counters.at("hostile_attached"), 20);
  EXPECT_EQ(result.counters.at("hostile_closed"), 20);
  EXPECT_EQ(result.counters.at("good_served"), 1);
}

// A local case and a remote one take their counters by one function
// (load_counters.hpp); what differs is only where the summary comes from:
// the run itself, or echo-load's JSON on another host.
TEST(LoadCounters, LocalAndRemoteRoutesGiveTheSameCounters) {
  LoadResult result;
  result.config.udp = true;
  result.config.connections = 8;
  result.config.size = 64;
  result.elapsed_s = 1.25;
  result.client_cpu_s = 0.4321;
  result.ramp_up_s = 0.012;
  result.totals.connected = 8;
  result.totals.messages = 123457;
  result.totals.sent = 123500;
  result.totals.lost = 43;
  for (std::int64_t ns = 20000; ns < 90000; ns += 7) result.totals.corrected.record(ns);
  BenchCase c;
  c.udp = true;
  c.connections = 8;
  c.size = 64;

  RunInfo info;
  info.failures = failure_reasons(result);
  std::ostringstream json;
  write_json(json, &result, info);
  CaseResult local, remote;
  add_load_counters(local, c, {{summarize(result), 1}}, result.totals.corrected, 0.9);
  add_load_counters(remote, c, {{read_load_json(json.str()), 1}}, result.totals.corrected, 0.9);
  EXPECT_EQ(local.counters, remote.counters);
  EXPECT_EQ(local.items, remote.items);
  EXPECT_DOUBLE_EQ(local.counters["loss_pct"], 100.0 * 43 / 123500);
  EXPECT_DOUBLE_EQ(local.counters["msgs_per_s"], 123457 / 1.25);
}

}  // namespace
}  // namespace echo::bench
