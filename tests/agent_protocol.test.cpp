// The agent's line protocol: every answer the agent writes reads back as
// what it said, and an answer echo-bench cannot use is an error quoting it.

#include "agent_protocol.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace echo::bench::agent {
namespace {

TEST(AgentProtocol, EveryAnswerReadsBackAsWritten) {
  EXPECT_EQ(read_ready(ready_answer(40123)), 40123);
  EXPECT_DOUBLE_EQ(read_time(time_answer(1764750000.123456789)), 1764750000.123456789);
  const CpuAccounting proc = read_cpu_accounting(cpu_accounting_answer("proc", "not root\nat all"));
  EXPECT_EQ(proc.method, "proc");
  EXPECT_EQ(proc.why_not, "not root at all");  // one line
  EXPECT_EQ(read_cpu_accounting(cpu_accounting_answer("cgroup-cpuacct", "")).why_not, "");

  const CpuSplit split = read_cpu_split(cpu_split_answer(CpuSplit{{2, 3}, {0, 1}}));
  EXPECT_EQ(split.server, (std::vector<int>{2, 3}));
  EXPECT_EQ(split.client, (std::vector<int>{0, 1}));

  ProcessGroupUsage usage;
  usage.cpu_s = 1.234567891;
  usage.voluntary_switches = 12;
  usage.involuntary_switches = 3;
  usage.pss_mib = 4.5;
  usage.pss_anon_mib = 1.25;
  usage.threads = 7;
  usage.processes = 2;
  const Sample sample = read_sample(usage_answer(usage));
  ASSERT_TRUE(sample.usage);
  EXPECT_DOUBLE_EQ(sample.usage->cpu_s, usage.cpu_s);
  EXPECT_EQ(sample.usage->voluntary_switches, 12u);
  EXPECT_EQ(sample.usage->involuntary_switches, 3u);
  EXPECT_DOUBLE_EQ(sample.usage->pss_mib, 4.5);
  EXPECT_DOUBLE_EQ(sample.usage->pss_anon_mib, 1.25);
  EXPECT_EQ(sample.usage->threads, 7u);
  EXPECT_EQ(sample.usage->processes, 2u);

  const Sample died = read_sample(exited_answer(137, "out of memory\n"));
  EXPECT_FALSE(died.usage);
  EXPECT_EQ(died.exit_status, 137);
  EXPECT_EQ(died.server_stderr, "out of memory ");

  EXPECT_EQ(read_stopped(stopped_answer(0, "")).status, 0);
  const Stopped killed = read_stopped(stopped_answer(std::nullopt, "stuck"));
  EXPECT_EQ(killed.status, -1);
  EXPECT_EQ(killed.server_stderr, "stuck");
}

TEST(AgentProtocol, AnErrorAnswerIsTheAgentsReason) {
  try {
    (void)read_ready(error_answer("cannot exec echo-server: No such file"));
    ADD_FAILURE() << "an error answer was read as ready";
  } catch (const std::runtime_error& error) {
    EXPECT_STREQ(error.what(), "cannot exec echo-server: No such file");
  }
}

TEST(AgentProtocol, AnAnswerItCannotUseIsAnErrorQuotingIt) {
  EXPECT_THROW((void)read_ready("ready"), std::runtime_error);
  EXPECT_THROW((void)read_ready("ready 70000"), std::runtime_error);
  EXPECT_THROW((void)read_time("tame 5"), std::runtime_error);
  EXPECT_THROW((void)read_sample("usage 1.0 2"), std::runtime_error);  // cut short
  EXPECT_THROW((void)read_sample(error_answer("cgroup unreadable")), std::runtime_error);
  EXPECT_THROW((void)read_stopped("stopped"), std::runtime_error);
  try {
    (void)read_cpu_accounting("cpu-accounting");
    ADD_FAILURE();
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("'cpu-accounting'"), std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace echo::bench::agent
