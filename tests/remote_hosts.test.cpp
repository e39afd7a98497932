// echo-bench --remote's pieces that need no second host: the clock-offset
// estimate and the refusal it leads to, and how a command is wrapped to run
// on a host (the end-to-end runs, which need root, are in
// tools/echobench/tests/test_remote_bench.py).

#include "remote_hosts.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "clock_offset.hpp"

namespace echo::bench {
namespace {

TEST(ClockOffset, TheShortestRoundTripDecides) {
  // The host's clock is 40 ms ahead. The slow probe's answer sat 30 ms in a
  // queue on the way back, which would read as 25 ms off.
  const std::vector<ClockProbe> probes = {
      {100.000, 100.045, 100.040},   // round trip 40 ms: ahead by 25 ms +/- 20 ms
      {101.000, 101.0405, 101.001},  // round trip 1 ms: ahead by 40 ms +/- 0.5 ms
  };
  const ClockOffset clock = estimate_clock_offset(probes);
  EXPECT_NEAR(clock.offset_s, 0.040, 1e-9);
  EXPECT_NEAR(clock.uncertainty_s, 0.0005, 1e-9);
}

TEST(ClockOffset, BadProbesAreErrors) {
  EXPECT_THROW(estimate_clock_offset({}), std::invalid_argument);
  EXPECT_THROW(estimate_clock_offset({{10.0, 10.0, 9.0}}), std::invalid_argument);
}

TEST(ClockOffset, MoreThanATenthOfTheWindowIsRefused) {
  EXPECT_EQ(clock_offset_refusal("h", {0.009, 0.001}, 0.1), "");
  EXPECT_EQ(clock_offset_refusal("h", {-0.099, 0.001}, 1.0), "");
  const std::string ahead = clock_offset_refusal("echo-load-2", {0.150, 0.001}, 1.0);
  EXPECT_NE(ahead.find("echo-load-2"), std::string::npos) << ahead;
  EXPECT_NE(ahead.find("+150.000 ms"), std::string::npos) << ahead;
  EXPECT_NE(ahead.find("synchronise"), std::string::npos) << ahead;
  EXPECT_NE(clock_offset_refusal("h", {-0.2, 0.001}, 1.0), "");
  // A clock that cannot be measured closely enough is refused too.
  EXPECT_NE(clock_offset_refusal("h", {0.0, 0.2}, 1.0), "");
}

TEST(RemoteHost, ANamespaceIsEnteredWithIpNetnsExec) {
  const RemoteAccess access{RemoteKind::netns, "", ""};
  const RemoteHost host("echo-load-1", &access);
  const std::vector<std::string> expected = {"ip",        "netns",  "exec", "echo-load-1",
                                             "echo-load", "--size", "64"};
  EXPECT_EQ(host.command({"echo-load", "--size", "64"}), expected);
}

TEST(RemoteHost, SshRunsOneQuotedLineInBatchModeOverOneControlConnection) {
  const RemoteAccess access{RemoteKind::ssh, "/tmp/cfg", "/tmp/control"};
  const RemoteHost host("bench@load1", &access);
  const std::vector<std::string> argv = host.command({"/opt/echo models/echo-load", "it's"});
  const auto has = [&](const std::string& word) {
    return std::find(argv.begin(), argv.end(), word) != argv.end();
  };
  EXPECT_EQ(argv.front(), "ssh");
  EXPECT_TRUE(has("BatchMode=yes"));
  EXPECT_TRUE(has("ControlMaster=auto"));
  EXPECT_TRUE(has("ControlPath=/tmp/control/%C"));
  EXPECT_TRUE(has("/tmp/cfg"));
  ASSERT_GE(argv.size(), 2u);
  EXPECT_EQ(argv[argv.size() - 2], "bench@load1");
  EXPECT_EQ(argv.back(), "'/opt/echo models/echo-load' 'it'\\''s'");
}

TEST(ShellQuote, SurvivesEverythingAShellWouldInterpret) {
  EXPECT_EQ(shell_quote("plain"), "'plain'");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("$(rm -rf /) `x` \"y\" 'z'"), "'$(rm -rf /) `x` \"y\" '\\''z'\\'''");
}

}  // namespace
}  // namespace echo::bench
