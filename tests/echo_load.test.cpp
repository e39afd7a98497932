// echo-load against misbehaving in-test servers: it must measure what really
// happened (delays, stalls), catch every corrupted byte, count loss, and end
// on time whatever the server does.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <sstream>
#include <string>

#include "load_engine.hpp"
#include "load_options.hpp"
#include "load_report.hpp"
#include "load_summary.hpp"
#include "support/fake_servers.hpp"

namespace echo::testing {
namespace {

using namespace std::chrono_literals;

LoadConfig config_for(std::uint16_t port) {
  LoadConfig config;
  config.port = port;
  config.duration_s = 1;
  config.interval_s = 0;
  return config;
}

TEST(EchoLoad, MeasuresTheDelayOfASlowServer) {
  FakeTcpServer server({.delay = 5ms});
  const LoadResult result = run_load(config_for(server.port()));
  ASSERT_TRUE(result.ok()) << result.totals.first_error;
  ASSERT_GT(result.totals.messages, 0u);
  // Never faster than the server's own delay; the upper bound only catches a
  // latency that is off by an order of magnitude (a slow machine oversleeps).
  const double p50_ms = static_cast<double>(result.totals.corrected.value_at_percentile(50)) / 1e6;
  EXPECT_GE(p50_ms, 4.9);
  EXPECT_LE(p50_ms, 50.0);
}

TEST(EchoLoad, OpenLoopChargesServerStallsAndClosedLoopHidesThem) {
  // The server stops echoing for 500 ms out of every 2 s.
  const FakeBehaviour freezing{.freeze_every = 2000ms, .freeze_for = 500ms};
  LoadResult open, closed;
  {
    FakeTcpServer server(freezing);
    LoadConfig config = config_for(server.port());
    config.duration_s = 4;
    config.rate = 1000;
    open = run_load(config);
  }
  {
    FakeTcpServer server(freezing);
    LoadConfig config = config_for(server.port());
    config.duration_s = 4;
    closed = run_load(config);
  }
  ASSERT_TRUE(open.ok()) << open.totals.first_error;
  ASSERT_TRUE(closed.ok()) << closed.totals.first_error;
  const auto p99_ms = [](const LatencyHistogram& h) {
    return static_cast<double>(h.value_at_percentile(99)) / 1e6;
  };
  // Open loop: messages due during a stall wait it out, and are charged for it.
  EXPECT_GE(p99_ms(open.totals.corrected), 300.0);
  // Measured from the actual send time it can only look better; the gap is
  // how far the client itself fell behind its schedule.
  EXPECT_LE(p99_ms(open.totals.uncorrected), p99_ms(open.totals.corrected));
  // Closed loop: one message per connection waits out each stall, the rest
  // are fast, so the stall all but vanishes from p99.
  EXPECT_LT(p99_ms(closed.totals.corrected), 300.0);
}

TEST(EchoLoad, CatchesAServerThatCorruptsOneByteInAThousandMessages) {
  LoadConfig config;
  {
    FakeTcpServer server({.corrupt_every_bytes = std::uint64_t{1000} * 64});
    config = config_for(server.port());
    const LoadResult result = run_load(config);
    // Corrupted messages among those answered: one in a thousand, whatever
    // the machine's speed (a run too short to reach one proves nothing).
    ASSERT_GE(result.totals.messages, 1000u);
    EXPECT_NEAR(static_cast<double>(result.totals.mismatches),
                static_cast<double>(result.totals.messages) / 1000, 1.0);
    EXPECT_FALSE(result.ok());
  }
}

TEST(EchoLoad, BytesAreMessagesTimesSize) {
  FakeTcpServer server({});
  LoadConfig config = config_for(server.port());
  config.size = 1000;
  config.connections = 4;
  config.pipeline = 3;
  config.threads = 2;
  config.warmup_s = 0.2;
  const LoadResult result = run_load(config);
  ASSERT_TRUE(result.ok()) << result.totals.first_error;
  EXPECT_GT(result.totals.messages, 0u);
  EXPECT_EQ(result.bytes(), result.totals.messages * 1000);
  EXPECT_EQ(result.totals.connected, 4u);
  EXPECT_EQ(result.totals.corrected.count(), result.totals.messages);
}

TEST(EchoLoad, ServerThatClosesMidRunIsCountedAndTheRunEndsOnTime) {
  FakeTcpServer server({.close_after = 200ms});
  LoadConfig config = config_for(server.port());
  config.connections = 3;
  const auto started = std::chrono::steady_clock::now();
  const LoadResult result = run_load(config);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s) << "the run must not hang";
  EXPECT_EQ(result.totals.errors.eof + result.totals.errors.short_read + result.totals.errors.reset,
            3u);
  EXPECT_FALSE(result.ok());
}

// --reconnect against a server that resets every connection after 100
// echoes: the run completes, every reconnect is counted, and the message in
// flight at each reset waits out the time without a connection, so the
// latency shows the gaps (its maximum is at least their mean, both measured
// in this run).
class Reconnect : public ::testing::TestWithParam<double> {};  // the rate; 0: closed loop

TEST_P(Reconnect, ReconnectsAfterEveryResetAndChargesTheGapsToLatency) {
  FakeTcpServer server({.reset_after_bytes = std::uint64_t{100} * 64});
  LoadConfig config = config_for(server.port());
  config.connections = 2;
  config.rate = GetParam();
  config.reconnect = true;
  const LoadResult result = run_load(config);
  ASSERT_TRUE(result.ok()) << failure_reasons(result).front();
  ASSERT_GT(result.totals.reconnects, 0u);
  // 100 echoes per connection between resets, whatever the machine's speed.
  constexpr std::uint64_t kEchoesPerConnection = 100;
  EXPECT_GE(result.totals.messages + 2 * kEchoesPerConnection,
            result.totals.reconnects * kEchoesPerConnection);
  EXPECT_EQ(result.totals.mismatches, 0u);
  EXPECT_EQ(result.totals.errors.total(), 0u) << "a reconnected loss is not an error";
  ASSERT_GT(result.totals.disconnected_ns, 0);
  const auto mean_gap_ns =
      result.totals.disconnected_ns / static_cast<std::int64_t>(result.totals.reconnects);
  EXPECT_GE(result.totals.corrected.max(), mean_gap_ns);
}

INSTANTIATE_TEST_SUITE_P(ClosedAndOpenLoop, Reconnect, ::testing::Values(0.0, 2000.0));

TEST(EchoLoad, WithoutReconnectAResetIsStillAnError) {
  FakeTcpServer server({.reset_after_bytes = std::uint64_t{100} * 64});
  const LoadResult result = run_load(config_for(server.port()));
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.totals.reconnects, 0u);
  EXPECT_GT(result.totals.errors.total(), 0u);
}

TEST(EchoLoad, CountsUdpLossWithoutHanging) {
  FakeUdpServer server(/*drop_every=*/10);
  LoadConfig config = config_for(server.port());
  config.udp = true;
  config.connections = 4;
  config.udp_timeout_s = 0.05;
  const LoadResult result = run_load(config);
  EXPECT_EQ(result.totals.mismatches, 0u);
  ASSERT_GT(result.totals.sent, 0u);
  EXPECT_GT(result.totals.lost, 0u);
  // Every 10th datagram the server receives is dropped: the loss counted is
  // what the server says it dropped, give or take those it dropped outside
  // the window (one per socket at each edge).
  EXPECT_NEAR(static_cast<double>(result.totals.lost), static_cast<double>(server.dropped()),
              2.0 * config.connections);
}

TEST(EchoLoad, OpenLoopSendsAtTheRequestedRate) {
  FakeTcpServer server({});
  LoadConfig config = config_for(server.port());
  config.connections = 4;
  config.rate = 2000;
  config.duration_s = 2;
  const LoadResult result = run_load(config);
  ASSERT_TRUE(result.ok()) << result.totals.first_error;
  EXPECT_NEAR(result.msgs_per_s(), 2000.0, 100.0);
}

TEST(EchoLoad, OpenLoopChargesMessagesAServerNeverAnsweredAtTheEnd) {
  // Each connection is answered 301 times (the ramp-up's message and 300
  // more), then never again.
  FakeTcpServer server({.deaf_after_bytes = std::uint64_t{64} * 301});
  LoadConfig config = config_for(server.port());
  config.connections = 2;
  config.rate = 1000;
  config.answer_timeout_s = 0.2;
  const auto started = std::chrono::steady_clock::now();
  const LoadResult result = run_load(config);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s) << "gives up after answer_timeout";
  EXPECT_FALSE(result.ok());
  // 500 due per connection in the 1 s window, 300 answered.
  EXPECT_EQ(result.totals.messages, 600u);
  EXPECT_EQ(result.totals.unanswered, 400u);
  EXPECT_EQ(result.totals.errors.total(), 0u);
  // Each is charged from its due time to the give-up time: at least 0.2 s.
  EXPECT_GE(static_cast<double>(result.totals.corrected.value_at_percentile(99)) / 1e6, 200.0);
  EXPECT_EQ(result.totals.corrected.count(), result.totals.messages + result.totals.unanswered);
}

// A server that answers each connection's first message (the ramp-up), then
// goes deaf: the open loop charges every message due in the window.
TEST(EchoLoad, OpenLoopAgainstAServerThatStopsAnsweringFails) {
  FakeTcpServer server({.deaf_after_bytes = 64});
  LoadConfig config = config_for(server.port());
  config.rate = 500;
  config.duration_s = 0.5;
  config.answer_timeout_s = 0.1;
  const LoadResult result = run_load(config);
  EXPECT_EQ(result.totals.messages, 0u);
  // Every message due in the window: rate x window, from the schedule itself.
  EXPECT_EQ(result.totals.unanswered, 250u);
  EXPECT_FALSE(result.ok());
}

// A server that never answers at all never gets past the ramp-up: the run
// fails naming it, instead of reporting zero.
TEST(EchoLoad, AServerThatNeverAnswersFailsTheRampUp) {
  FakeTcpServer server({.deaf_every = 1});
  for (const double rate : {0.0, 500.0}) {
    LoadConfig config = config_for(server.port());
    config.connections = 3;
    config.rate = rate;
    config.ramp_up_timeout_s = 0.3;
    const LoadResult result = run_load(config);
    EXPECT_EQ(result.totals.messages, 0u);
    EXPECT_EQ(result.totals.ramp_up_waiting, 3u);
    EXPECT_FALSE(result.ok());
    const auto reasons = failure_reasons(result);
    ASSERT_FALSE(reasons.empty());
    EXPECT_NE(reasons.front().find("ramp-up: 3 of 3 connection(s)"), std::string::npos)
        << reasons.front();
  }
}

TEST(EchoLoad, TheRampUpCountsTheHalfOfTheConnectionsAServerIgnores) {
  FakeTcpServer server({.deaf_every = 2});
  LoadConfig config = config_for(server.port());
  config.connections = 4;
  config.ramp_up_timeout_s = 0.3;
  const LoadResult result = run_load(config);
  EXPECT_EQ(result.totals.ramp_up_waiting, 2u);
  EXPECT_EQ(result.totals.messages, 0u);  // nothing is measured past a failed barrier
  EXPECT_FALSE(result.ok());
}

// The barrier must not hide a real stall: a server that serves every
// connection, then stops answering half of them after 100 echoes (inside the
// window), leaves those stalled.
TEST(EchoLoad, HalfTheConnectionsStoppedInsideTheWindowAreStalled) {
  FakeTcpServer server({.deaf_after_bytes = std::uint64_t{64} * 100, .stall_every = 2});
  LoadConfig config = config_for(server.port());
  config.connections = 4;
  config.duration_s = 1.0;
  config.stall_timeout_s = 0.2;
  const LoadResult result = run_load(config);
  EXPECT_EQ(result.totals.ramp_up_waiting, 0u);
  EXPECT_GT(result.totals.messages, 0u);  // the other half is served
  EXPECT_EQ(result.totals.stalled_connections, 2u);
  EXPECT_FALSE(result.ok());
}

// A server that takes one connection every 5 ms, as a forking server does on
// a slow machine: every one of 256 connections reaches the barrier, and the
// time that took is reported, no less than the server's own pacing.
TEST(EchoLoad, TheRampUpWaitsForASlowAcceptorAndReportsItsTime) {
  FakeTcpServer server({.accept_every = 5ms});
  LoadConfig config = config_for(server.port());
  config.connections = 256;
  config.threads = 2;
  config.duration_s = 0.3;
  const auto started = std::chrono::steady_clock::now();
  const LoadResult result = run_load(config);
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_TRUE(result.ok()) << result.totals.first_error;
  EXPECT_EQ(result.totals.stalled_connections, 0u);
  EXPECT_GE(result.ramp_up_s, 256 * 0.005);  // 256 accepts, each after a 5 ms wait
  EXPECT_LE(result.ramp_up_s, wall_s - result.elapsed_s);
}

TEST(EchoLoad, ARampUpPastItsLimitIsAClearError) {
  FakeTcpServer server({.accept_every = 5ms});
  LoadConfig config = config_for(server.port());
  config.connections = 256;
  config.ramp_up_timeout_s = 0.5;  // the server needs at least 1.28 s
  const LoadResult result = run_load(config);
  EXPECT_FALSE(result.ok());
  EXPECT_GT(result.totals.ramp_up_waiting, 0u);
  EXPECT_EQ(result.totals.messages, 0u);
  const auto reasons = failure_reasons(result);
  ASSERT_FALSE(reasons.empty());
  EXPECT_NE(reasons.front().find("ramp-up"), std::string::npos) << reasons.front();
  EXPECT_NE(reasons.front().find("--ramp-up-timeout"), std::string::npos) << reasons.front();
}

// No load before the barrier: when the server takes on its k-th connection,
// the earlier ones have sent it one message each and nothing more, in
// closed loop with several in flight and in open loop alike.
TEST(EchoLoad, NothingButOneMessagePerConnectionBeforeTheLastHasAnswered) {
  for (const double rate : {0.0, 20000.0}) {
    FakeTcpServer server({.accept_every = 5ms});
    LoadConfig config = config_for(server.port());
    config.connections = 32;
    config.pipeline = 4;
    config.rate = rate;
    config.duration_s = 0.2;
    const LoadResult result = run_load(config);
    ASSERT_TRUE(result.ok()) << result.totals.first_error;
    const std::vector<std::uint64_t> received = server.received_before_each_accept();
    ASSERT_EQ(received.size(), 32u);
    for (std::size_t k = 0; k < received.size(); ++k)
      EXPECT_LE(received[k], k * config.size) << "connection " << k << ", rate " << rate;
  }
}

// A server that takes each connection on late (here: the first echo of
// every connection waits 300 ms) is measured once all are served.
TEST(EchoLoad, ClosedLoopServesEveryConnectionOnceBeforeTheWindow) {
  FakeTcpServer server({.first_echo_delay = 300ms});
  LoadConfig config = config_for(server.port());
  config.connections = 4;
  config.duration_s = 0.2;
  const LoadResult result = run_load(config);
  ASSERT_TRUE(result.ok()) << result.totals.first_error;
  EXPECT_EQ(result.totals.stalled_connections, 0u);
  // The 300 ms first echoes came before the window: none is in the histogram.
  EXPECT_LT(static_cast<double>(result.totals.corrected.max()) / 1e6, 100.0);
}

TEST(EchoLoad, ClosedLoopCountsAStallAtTheEndOfTheWindow) {
  FakeTcpServer server({.deaf_after_bytes = std::uint64_t{64} * 20});  // 20 echoes each, then none
  LoadConfig config = config_for(server.port());
  config.connections = 2;
  config.duration_s = 0.8;
  config.stall_timeout_s = 0.2;
  const LoadResult result = run_load(config);
  EXPECT_GT(result.totals.messages, 10u);
  EXPECT_EQ(result.totals.stalled_connections, 2u);
  EXPECT_FALSE(result.ok());
}

// A listener that never accepts, with a backlog of 1: the kernel completes
// one or two handshakes and leaves the rest waiting. Connections open
// together, so five of them cost one --connect-timeout, not five.
TEST(EchoLoad, ConnectionsToAFullBacklogCostOneTimeoutNotOneEach) {
  UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener.get(), 1), 0);
  socklen_t length = sizeof address;
  ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length);
  LoadConfig config = config_for(ntohs(address.sin_port));
  config.connections = 5;
  config.connect_timeout_s = 0.5;
  config.ramp_up_timeout_s = 0.2;  // those that connect are never served either
  config.duration_s = 0.1;
  const auto started = std::chrono::steady_clock::now();
  const LoadResult result = run_load(config);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5 * 500ms) << "one timeout each";
  EXPECT_GT(result.totals.errors.timeout, 0u);
  EXPECT_FALSE(result.ok());
}

// UDP to a port nobody listens on (taken, then freed), for `duration_s`.
LoadConfig udp_into_the_void(double duration_s) {
  std::uint16_t port = 0;
  {
    FakeUdpServer gone(/*drop_every=*/1000000);
    port = gone.port();
  }
  LoadConfig config = config_for(port);
  config.udp = true;
  config.duration_s = duration_s;
  config.udp_timeout_s = 0.05;
  return config;
}

TEST(EchoLoad, UdpIntoTheVoidFailsOnLoss) {
  LoadConfig config = udp_into_the_void(0.3);
  const LoadResult result = run_load(config);
  EXPECT_EQ(result.totals.messages, 0u);
  EXPECT_FALSE(result.ok());
  config.max_loss_pct = 100;  // a caller may accept any loss, and says so
  EXPECT_EQ(run_load(config).totals.messages, 0u);
}

// UDP into a server that never answers, in open loop and in a closed loop
// shorter than --udp-timeout: every datagram sent in the window is lost, and
// (open loop) those out when it closed are unanswered; never a clean zero.
TEST(EchoLoad, UdpAgainstAServerThatNeverAnswersCountsEveryDatagramLost) {
  FakeUdpServer silent(/*drop_every=*/1);
  for (const double rate : {500.0, 0.0}) {
    LoadConfig config = config_for(silent.port());
    config.udp = true;
    config.connections = 2;
    config.rate = rate;
    config.duration_s = 0.5;
    config.udp_timeout_s = 1;
    const LoadResult result = run_load(config);
    EXPECT_EQ(result.totals.messages, 0u);
    EXPECT_GT(result.totals.sent, 0u);
    EXPECT_EQ(result.totals.lost, result.totals.sent) << "rate " << rate;
    if (rate > 0) {  // every datagram due in the window: rate x window, by the schedule
      EXPECT_EQ(result.totals.lost, 250u);
      EXPECT_EQ(result.totals.unanswered, 250u);
    }
    EXPECT_FALSE(result.ok());
  }
}

TEST(EchoLoad, OpenLoopCountsOneErrorPerDeadConnectionNotOnePerMessage) {
  FakeTcpServer server({.close_after = 200ms});
  LoadConfig config = config_for(server.port());
  config.connections = 2;
  config.rate = 2000;
  const LoadResult result = run_load(config);
  EXPECT_EQ(result.totals.errors.total(), 2u);
  EXPECT_GT(result.totals.not_sent, 0u);  // what the dead connections could not send
  // Every message the schedule made due in the window is accounted for.
  EXPECT_EQ(result.totals.messages + result.totals.unanswered + result.totals.not_sent, 2000u);
  EXPECT_FALSE(result.ok());
}

TEST(EchoLoad, OpenLoopAgainstAHealthyServerLeavesNothingUnanswered) {
  FakeTcpServer server({});
  LoadConfig config = config_for(server.port());
  config.connections = 8;
  config.rate = 20000;  // plenty in flight when the window closes
  config.duration_s = 0.5;
  const LoadResult result = run_load(config);
  ASSERT_TRUE(result.ok()) << result.totals.first_error;
  EXPECT_EQ(result.totals.unanswered, 0u);
  EXPECT_NEAR(result.msgs_per_s(), 20000.0, 1000.0);
}

// A case's counters come from one summary of echo-load's result, whether
// the run was in echo-bench (summarize) or on a load host, read back from
// the JSON it printed (read_load_json): both routes must agree exactly.
std::string json_of(const LoadResult& result) {
  RunInfo info;
  info.failures = failure_reasons(result);
  std::ostringstream out;
  write_json(out, &result, info);
  return out.str();
}

TEST(LoadSummary, TheJsonGivesTheSameSummaryAsTheRunItself) {
  FakeTcpServer server({});
  LoadConfig config = config_for(server.port());
  config.duration_s = 0.3;
  config.connections = 4;
  const LoadResult result = run_load(config);
  ASSERT_TRUE(result.ok()) << result.totals.first_error;
  const LoadSummary here = summarize(result);
  EXPECT_EQ(here.messages, result.totals.messages);
  EXPECT_EQ(read_load_json(json_of(result)), here);
}

TEST(LoadSummary, AFailedRunCarriesItsReasonsBothWays) {
  const LoadResult result = run_load(udp_into_the_void(0.2));
  const LoadSummary here = summarize(result);
  EXPECT_FALSE(here.failures.empty());
  EXPECT_EQ(read_load_json(json_of(result)), here);
}

TEST(LoadSummary, AMissingKeyIsAnErrorNamingIt) {
  FakeTcpServer server({});
  LoadConfig config = config_for(server.port());
  config.duration_s = 0.2;
  std::string json = json_of(run_load(config));
  const auto at = json.find("\"lost\"");
  ASSERT_NE(at, std::string::npos);
  json.replace(at, 6, "\"lots\"");
  try {
    (void)read_load_json(json);
    ADD_FAILURE() << "a JSON without 'lost' was read";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("'lost'"), std::string::npos) << error.what();
  }
  EXPECT_THROW((void)read_load_json("not json"), std::runtime_error);
}

// The command line echo-bench --remote gives a load host's echo-load is the
// LoadConfig a local run uses, setting for setting.
TEST(LoadArguments, ReadBackAsTheSameConfig) {
  LoadConfig config;
  config.host = "10.86.2.1";
  config.port = 40123;
  config.connections = 250;
  config.size = 16384;
  config.duration_s = 2.5;
  config.warmup_s = 0.3;
  config.rate = 12345.5;
  config.pipeline = 4;
  config.threads = 2;
  config.udp = true;
  config.udp_timeout_s = 0.25;
  config.connect_timeout_s = 7;
  config.answer_timeout_s = 1.5;
  config.stall_timeout_s = 3;
  config.ramp_up_timeout_s = 45;
  config.max_loss_pct = 0.1;
  config.interval_s = 0.2;
  config.format = OutputFormat::json;
  config.hlog_path = "/tmp/echo-bench.x/latency.hlog";
  config.start_on_input = true;
  std::vector<std::string> words = load_arguments(config);
  words.insert(words.begin(), "echo-load");
  std::vector<const char*> argv(words.size());
  std::transform(words.begin(), words.end(), argv.begin(),
                 [](const std::string& word) { return word.c_str(); });
  const ParsedLoadOptions parsed = parse_load_options(static_cast<int>(argv.size()), argv.data());
  ASSERT_TRUE(parsed.config) << parsed.message;
  const LoadConfig& back = *parsed.config;
  EXPECT_EQ(back.host, config.host);
  EXPECT_EQ(back.port, config.port);
  EXPECT_EQ(back.connections, config.connections);
  EXPECT_EQ(back.size, config.size);
  EXPECT_EQ(back.duration_s, config.duration_s);
  EXPECT_EQ(back.warmup_s, config.warmup_s);
  EXPECT_EQ(back.rate, config.rate);
  EXPECT_EQ(back.pipeline, config.pipeline);
  EXPECT_EQ(back.threads, config.threads);
  EXPECT_EQ(back.udp, config.udp);
  EXPECT_EQ(back.udp_timeout_s, config.udp_timeout_s);
  EXPECT_EQ(back.connect_timeout_s, config.connect_timeout_s);
  EXPECT_EQ(back.answer_timeout_s, config.answer_timeout_s);
  EXPECT_EQ(back.stall_timeout_s, config.stall_timeout_s);
  EXPECT_EQ(back.ramp_up_timeout_s, config.ramp_up_timeout_s);
  EXPECT_EQ(back.max_loss_pct, config.max_loss_pct);
  EXPECT_EQ(back.interval_s, config.interval_s);
  EXPECT_EQ(back.format, config.format);
  EXPECT_EQ(back.hlog_path, config.hlog_path);
  EXPECT_EQ(back.start_on_input, config.start_on_input);
}

}  // namespace
}  // namespace echo::testing
