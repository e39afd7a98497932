// echo-load's command-line contract (docs/cli.md): output formats with the
// fixed field names, the .hgrm file, and exit statuses.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "child_process.hpp"
#include "echo/socket_ops.hpp"
#include "echo/unique_fd.hpp"
#include "support/fake_servers.hpp"
#include "support/server_process.hpp"

namespace echo::testing {
namespace {

const char* const kContractFields[] = {"connections", "size",       "messages",  "bytes",  "errors",
                                       "mismatches",  "msgs_per_s", "mib_per_s", "p50_us", "p90_us",
                                       "p99_us",      "p999_us",    "max_us"};

CommandResult run_load(std::vector<std::string> args,
                       const std::optional<std::string>& input = std::nullopt) {
  args.insert(args.begin(), echo_load_path());
  return run_command(args, 60s, input);
}

double wall_clock_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Runs echo-load with a socket for standard input and writes `answer()` to it
// once the "ready " line appears on standard error (--start-on-input's
// handshake, as a load host's agent would answer it). A socket, not a pipe:
// MSG_NOSIGNAL keeps a child that died early from SIGPIPE-ing the test.
CommandResult run_load_answering_ready(std::vector<std::string> args,
                                       const std::function<std::string()>& answer) {
  args.insert(args.begin(), echo_load_path());
  const bench::CapturedOutput out;
  const bench::CapturedOutput err;
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
    throw std::runtime_error("socketpair failed");
  }
  UniqueFd read_end(ends[0]);
  UniqueFd write_end(ends[1]);
  bench::SpawnOptions options;
  options.new_process_group = false;
  options.stdin_fd = read_end.get();
  const pid_t pid = bench::spawn_process(args, out.fd(), err.fd(), options);
  read_end.reset();
  // 20 s catches a hang; the loop ends when the line is there. `code` is set
  // if echo-load ends before it is ready.
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  std::optional<int> code;
  while (!code && err.text().find("ready ") == std::string::npos &&
         std::chrono::steady_clock::now() < give_up) {
    code = bench::wait_for_exit(pid, 5ms);
  }
  if (!code) {
    const std::string line = answer() + "\n";
    (void)!::send(write_end.get(), line.data(), line.size(), MSG_NOSIGNAL);
    write_end.reset();
    code = bench::wait_for_exit(pid, 60s);
  }
  if (!code) {
    ::kill(pid, SIGKILL);
    code = bench::wait_for_exit(pid, 5s);
  }
  return CommandResult{code.value_or(-1), out.text(), err.text()};
}

TEST(EchoLoadCli, JsonCarriesTheContractFields) {
  FakeTcpServer server({});
  const CommandResult result = run_load(
      {"--port", std::to_string(server.port()), "-c", "2", "-d", "0.3", "--format", "json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  for (const char* field : kContractFields) EXPECT_TRUE(json.contains(field)) << field;
  EXPECT_EQ(json["connected"], 2);
  EXPECT_GT(json["messages"].get<double>(), 0);
  EXPECT_LE(json["p50_us"].get<double>(), json["p99_us"].get<double>());
  EXPECT_LE(json["p99_us"].get<double>(), json["max_us"].get<double>());
  // What iperf3's JSON also says: which program, run how, when; no error.
  EXPECT_EQ(json["version"], ECHO_VERSION);
  EXPECT_NE(json["command"].get<std::string>().find("--format json"), std::string::npos);
  EXPECT_TRUE(std::regex_match(json["start_utc"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  EXPECT_FALSE(json.contains("error"));
}

TEST(EchoLoadCli, JsonOfARunThatCannotStartIsAnErrorObject) {
  std::uint16_t port;
  {
    const UniqueFd listener = listen_tcp("127.0.0.1", 0);
    port = local_endpoint(listener.get()).port;
  }
  const CommandResult result =
      run_load({"--port", std::to_string(port), "-d", "0.2", "--format", "json"});
  EXPECT_EQ(result.exit_code, 1);
  const auto json = nlohmann::json::parse(result.out);
  ASSERT_TRUE(json.contains("error")) << result.out;
  EXPECT_NE(json["error"]["messages"][0].get<std::string>().find("refused"), std::string::npos);
}

TEST(EchoLoadCli, CsvIsOneHeaderAndOneRow) {
  FakeTcpServer server({});
  const CommandResult result =
      run_load({"--port", std::to_string(server.port()), "-d", "0.3", "--format", "csv"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::istringstream lines(result.out);
  std::string header, row, extra;
  std::getline(lines, header);
  std::getline(lines, row);
  EXPECT_FALSE(std::getline(lines, extra));
  for (const char* field : kContractFields) {
    EXPECT_NE(("," + header + ",").find(std::string(",") + field + ","), std::string::npos)
        << field;
  }
  EXPECT_EQ(std::count(header.begin(), header.end(), ','), std::count(row.begin(), row.end(), ','));
}

TEST(EchoLoadCli, WritesAnHgrmFile) {
  FakeTcpServer server({});
  const std::string path =
      (std::filesystem::temp_directory_path() / "echo-load-test.hgrm").string();
  const CommandResult result =
      run_load({"--port", std::to_string(server.port()), "-d", "0.3", "--hgrm", path});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::ifstream hgrm(path);
  std::string first;
  std::getline(hgrm, first);
  EXPECT_NE(first.find("1/(1-Percentile)"), std::string::npos);
  std::filesystem::remove(path);
}

TEST(EchoLoadCli, IntervalLinesShowRateAndP99SoFar) {
  // Two connections to a server that delays every echo by 5 ms: at most
  // 2 / 5 ms = 400 msgs/s, and no latency below 5 ms.
  FakeTcpServer server({.delay = 5ms});
  const CommandResult result = run_load({"--port", std::to_string(server.port()), "-c", "2", "-d",
                                         "1", "--interval", "0.3", "--format", "csv"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::regex line_format(
      R"(echo-load: +([0-9.]+) s of 1\.0 s +([0-9]+) msgs/s  p99 so far ([0-9.]+) us)");
  std::istringstream lines(result.err);
  std::vector<double> elapsed;
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, line_format)) << line;
    elapsed.push_back(std::stod(m[1]));
    EXPECT_GT(std::stod(m[2]), 0) << line;
    EXPECT_LE(std::stod(m[2]), 440) << line;  // 10% over 400 for the interval edges
    EXPECT_GE(std::stod(m[3]), 4900) << line;
  }
  EXPECT_EQ(elapsed, (std::vector<double>{0.3, 0.6, 0.9}));
}

TEST(EchoLoadCli, NothingListeningExitsNonZeroNamingHostPortAndReason) {
  std::uint16_t port;
  {
    const UniqueFd listener = listen_tcp("127.0.0.1", 0);
    port = local_endpoint(listener.get()).port;
  }
  const CommandResult result = run_load({"--port", std::to_string(port), "-d", "1"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.exit_code, 2);
  EXPECT_NE(result.err.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("refused"), std::string::npos) << result.err;
}

TEST(EchoLoadCli, CorruptedEchoExitsNonZero) {
  FakeTcpServer server({.corrupt_every_bytes = std::uint64_t{64} * 1000});
  const CommandResult result = run_load({"--port", std::to_string(server.port()), "-d", "1"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("differed"), std::string::npos) << result.err;
}

TEST(EchoLoadCli, JsonIntervalsCutTheWindowAndAddUpToTheRun) {
  // A server that delays every echo by 5 ms: 2 connections make 400 msgs/s,
  // and every interval's p50 is at least 5 ms.
  FakeTcpServer server({.delay = 5ms});
  const CommandResult result = run_load({"--port", std::to_string(server.port()), "-c", "2", "-d",
                                         "1", "--interval", "0.25", "--format", "json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto intervals = nlohmann::json::parse(result.out)["intervals"];
  ASSERT_EQ(intervals.size(), 4u) << intervals.dump();
  std::uint64_t messages = 0;
  for (std::size_t i = 0; i < intervals.size(); ++i) {
    const auto& interval = intervals[i];
    EXPECT_NEAR(interval["start_s"].get<double>(), 0.25 * static_cast<double>(i), 1e-6);
    EXPECT_NEAR(interval["length_s"].get<double>(), 0.25, 1e-6);
    EXPECT_LE(interval["msgs_per_s"].get<double>(), 440) << interval.dump();
    EXPECT_GE(interval["p50_us"].get<double>(), 4900) << interval.dump();
    EXPECT_LE(interval["p50_us"].get<double>(), interval["p99_us"].get<double>());
    EXPECT_LE(interval["p99_us"].get<double>(), interval["max_us"].get<double>());
    messages += interval["messages"].get<std::uint64_t>();
  }
  EXPECT_EQ(messages, nlohmann::json::parse(result.out)["messages"].get<std::uint64_t>());
}

// A first echo that takes 3 s (finding: once measured as p50 3.0 s, exit 0).
// The first echo of every connection is the ramp-up's: past
// --ramp-up-timeout the run fails naming it; within it, the slow answer is
// not part of the measured window.
TEST(EchoLoadCli, ASlowFirstEchoFailsPastTheRampUpTimeoutAndIsNeverMeasured) {
  FakeTcpServer server({.first_echo_delay = 3s});
  const std::string port = std::to_string(server.port());
  const CommandResult late = run_load(
      {"--port", port, "-c", "1", "-d", "0.5", "--ramp-up-timeout", "1", "--format", "json"});
  EXPECT_EQ(late.exit_code, 1) << late.err;
  EXPECT_NE(late.err.find("ramp-up"), std::string::npos) << late.err;
  EXPECT_NE(late.err.find("--ramp-up-timeout"), std::string::npos) << late.err;

  const CommandResult waited =
      run_load({"--port", port, "-c", "1", "-d", "0.5", "--format", "json"});
  ASSERT_EQ(waited.exit_code, 0) << waited.err;
  const auto result = nlohmann::json::parse(waited.out);
  EXPECT_GE(result["ramp_up_s"].get<double>(), 3.0);
  EXPECT_LT(result["max_us"].get<double>(), 3e6) << "the slow first echo was measured";
}

// Unwritable outputs are found before the run, not after it (a run of
// 30 s here would otherwise end with the error).
TEST(EchoLoadCli, AnUnwritableOutputFailsBeforeTheRun) {
  FakeTcpServer server({});
  for (const char* option : {"--hgrm", "--hlog"}) {
    const auto started = std::chrono::steady_clock::now();
    const CommandResult result = run_load(
        {"--port", std::to_string(server.port()), "-d", "30", option, "/nonexistent-dir/out"});
    EXPECT_EQ(result.exit_code, 2) << option;
    EXPECT_NE(result.err.find("cannot write /nonexistent-dir/out"), std::string::npos)
        << result.err;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 30s)
        << option << " was found after the run";
  }
}

TEST(EchoLoadCli, HlogWithoutIntervalsExitsTwo) {
  const CommandResult result = run_load({"--hlog", "/tmp/never-written.hlog", "--interval", "0"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--hlog"), std::string::npos) << result.err;
  EXPECT_FALSE(std::filesystem::exists("/tmp/never-written.hlog"));
}

TEST(EchoLoadCli, BadValuesExitTwo) {
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"--connections", "0"},
                                             {"--size", "0"},
                                             {"--format", "xml"},
                                             {"--port", "0"},
                                             {"--udp", "--size", "4"},
                                             {"--threads", "4", "--connections", "2"},
                                             {"--no-such-flag"}}) {
    const CommandResult result = run_load(args);
    EXPECT_EQ(result.exit_code, 2) << args.front();
    EXPECT_FALSE(result.err.empty()) << args.front();
  }
}

TEST(EchoLoadCli, NonFiniteNumbersExitTwoNamingTheOption) {
  for (const char* option :
       {"--duration", "--warmup", "--rate", "--udp-timeout", "--connect-timeout",
        "--answer-timeout", "--timeout", "--max-loss", "--interval"}) {
    for (const char* value : {"nan", "inf"}) {
      const CommandResult result = run_load({"--port", "1", option, value});
      EXPECT_EQ(result.exit_code, 2) << option << " " << value;
      EXPECT_NE(result.err.find(option), std::string::npos) << result.err;
    }
  }
}

TEST(EchoLoadCli, JsonCountsUnansweredAndStalled) {
  FakeTcpServer server({.deaf_after_bytes = 64});  // the ramp-up's echo, then nothing
  const CommandResult result =
      run_load({"--port", std::to_string(server.port()), "-d", "0.3", "--rate", "200",
                "--answer-timeout", "0.1", "--format", "json"});
  EXPECT_EQ(result.exit_code, 1);
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json.at("unanswered").get<int>(), 60);  // 200/s x 0.3 s, by the schedule
  EXPECT_EQ(json.at("stalled_connections").get<int>(), 1);
  EXPECT_NE(result.err.find("never answered"), std::string::npos) << result.err;
  ASSERT_TRUE(json.contains("error"));
  EXPECT_NE(json["error"]["messages"].dump().find("never answered"), std::string::npos);
}

TEST(EchoLoadCli, JsonNamesARampUpPastItsLimit) {
  FakeTcpServer server({.deaf_every = 1});
  const CommandResult result = run_load({"--port", std::to_string(server.port()), "-d", "0.3",
                                         "--ramp-up-timeout", "0.2", "--format", "json"});
  EXPECT_EQ(result.exit_code, 1);
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json.at("ramp_up_waiting").get<int>(), 1);
  EXPECT_GE(json.at("ramp_up_s").get<double>(), 0.2);
  EXPECT_NE(json["error"]["messages"].dump().find("ramp-up"), std::string::npos) << result.out;
}

// --start-on-input: the start time comes on standard input once every
// connection has passed the barrier, announced by a ready line on stderr.
TEST(EchoLoadCli, StartOnInputWaitsForTheStartTimeAfterTheRampUp) {
  FakeTcpServer server({});
  const CommandResult bad = run_load({"--port", std::to_string(server.port()), "-d", "0.2",
                                      "--start-on-input", "--format", "json"},
                                     "soon\n");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("ready "), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("not a start time"), std::string::npos) << bad.err;
  const CommandResult good =
      run_load({"--port", std::to_string(server.port()), "-d", "0.2", "--start-on-input",
                "--format", "json"},
               "1\n");  // long past: starts at once, and says how late (here: decades)
  const auto json = nlohmann::json::parse(good.out);
  EXPECT_GT(json.at("start_late_s").get<double>(), 1e8);
  EXPECT_EQ(good.exit_code, 1);
  EXPECT_NE(good.err.find("after its start time"), std::string::npos) << good.err;
  // On time: the start time is written only once the ready line is out, half
  // a second ahead, so no guess of how long echo-load takes to get ready.
  constexpr double kAheadS = 0.5;
  double written_at = 0;
  const CommandResult on_time =
      run_load_answering_ready({"--port", std::to_string(server.port()), "-d", "0.2",
                                "--start-on-input", "--format", "json"},
                               [&] {
                                 written_at = wall_clock_s();
                                 return std::to_string(written_at + kAheadS);
                               });
  EXPECT_EQ(on_time.exit_code, 0) << on_time.err;
  EXPECT_GE(wall_clock_s() - written_at, kAheadS) << "echo-load did not wait for its start time";
}

TEST(EchoLoadCli, VersionExitsZero) {
  const CommandResult result = run_load({"--version"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.out.find("echo-load " ECHO_VERSION), std::string::npos) << result.out;
}

TEST(EchoLoadCli, HelpExitsZero) {
  const CommandResult result = run_load({"--help"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.out.find("--rate"), std::string::npos);
}

}  // namespace
}  // namespace echo::testing
