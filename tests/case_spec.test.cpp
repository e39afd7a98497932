// echo-bench --case: every case any matrix makes parses back from its own
// name to the same case, and a bad spec is an error naming the bad part.

#include "case_spec.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "bench_case.hpp"
#include "case_runner.hpp"
#include "entrant_specs.hpp"

namespace echo::bench {
namespace {

const std::vector<CustomServer> kCustom = {{"socat", "socat tcp-l:{port},fork exec:cat"}};

TEST(CaseSpec, EveryMatrixCaseParsesBackFromItsName) {
  for (const char* matrix : {"quick", "default", "full"}) {
    for (const BenchCase& made : build_matrix(matrix, kCustom)) {
      const BenchCase parsed = parse_case(made.name(), kCustom);
      EXPECT_EQ(parsed.name(), made.name());
      EXPECT_EQ(parsed.server_command, made.server_command) << made.name();
      EXPECT_EQ(parsed.offload, made.offload) << made.name();
      EXPECT_EQ(parsed.udp, made.udp) << made.name();
      EXPECT_EQ(parsed.work_us, made.work_us) << made.name();
      EXPECT_EQ(parsed.block_us, made.block_us) << made.name();
      EXPECT_EQ(parsed.slo_us, made.slo_us) << made.name();
    }
  }
}

TEST(CaseSpec, ACaseNoMatrixHasIsRunAsWritten) {
  const BenchCase c = parse_case("throughput/tcp/io-uring/conns:1000/size:64", {});
  EXPECT_EQ(c.model, "io-uring");
  EXPECT_EQ(c.connections, 1000u);
  EXPECT_EQ(c.size, 64u);
}

TEST(CaseSpec, AHostileCaseAndADefendedEntrant) {
  const BenchCase c = parse_case(
      "hostile/tcp/thread-pool+defended/conns:16/size:64/kind:non-reader/"
      "bad:1000",
      {});
  EXPECT_EQ(c.scenario, Scenario::hostile);
  EXPECT_EQ(c.model, "thread-pool");
  EXPECT_TRUE(c.defended);
  EXPECT_EQ(c.hostile_kind, HostileKind::non_reader);
  EXPECT_EQ(c.bad, 1000u);
  EXPECT_EQ(c.name(), "hostile/tcp/thread-pool+defended/conns:16/size:64/kind:non-reader/bad:1000");
}

TEST(CaseSpec, ABadSpecIsAnErrorNamingThePart) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"throughput/tcp/io-uring", "expected SCENARIO"},
      {"sprint/tcp/io-uring/conns:1/size:64", "no scenario 'sprint'"},
      {"throughput/sctp/io-uring/conns:1/size:64", "protocol 'sctp'"},
      {"throughput/tcp/nginx/conns:1/size:64", "'nginx'"},
      {"throughput/tcp/thread-pool+offload/conns:1/size:64", "no --offload-threads"},
      {"throughput/udp/thread-pool/conns:1/size:64", "does not serve UDP"},
      {"churn/udp/epoll-reactor/conns:1/size:64", "UDP has throughput and latency"},
      {"throughput/tcp/io-uring/conns:0x10/size:64", "conns:0x10"},
      {"throughput/tcp/io-uring/conns:0/size:64", "out of range"},
      {"throughput/tcp/io-uring/conns:16/size:64/conns:16", "conns:16"},
      {"latency/tcp/io-uring/size:64/rate:100", "no conns:"},
      {"latency/tcp/io-uring/conns:16/size:64", "no rate:"},
      {"throughput/tcp/io-uring/conns:16/size:64/rate:100", "rate: does not belong"},
      {"cpu-work/tcp/socat/conns:16/size:64/work_us:10", "no --work-us"},
      {"hostile/tcp/io-uring/conns:16/size:64/bad:10", "needs kind:idle"},
      {"restart/tcp/io-uring/conns:16/size:64", "no rate:"},
      {"hostile/tcp/io-uring/conns:16/size:64/kind:rude/bad:10", "needs kind:idle"},
      {"hostile/tcp/io-uring/conns:16/size:64/kind:idle", "no bad:"},
      {"throughput/tcp/io-uring/conns:16/size:64/kind:idle", "kind: does not belong"},
      {"throughput/udp/io-uring+defended/conns:16/size:64", "UDP has no connections"},
  };
  for (const auto& [spec, said] : bad) {
    try {
      (void)parse_case(spec, kCustom);
      ADD_FAILURE() << spec << " was accepted";
    } catch (const std::invalid_argument& error) {
      EXPECT_NE(std::string(error.what()).find(said), std::string::npos)
          << spec << ": " << error.what();
    }
  }
}

TEST(Variant, IsTheModelWithItsArgumentsOnTopOfTheUsualOnes) {
  const CustomServer variant = parse_variant("reactor+batch1=epoll-reactor --udp-batch 1");
  EXPECT_EQ(variant.name, "reactor+batch1");
  EXPECT_EQ(variant.model, "epoll-reactor");
  EXPECT_EQ(variant.args, (std::vector<std::string>{"--udp-batch", "1"}));
  const BenchCase c = parse_case("throughput/udp/reactor+batch1/conns:4/size:64", {variant});
  EXPECT_EQ(c.name(), "throughput/udp/reactor+batch1/conns:4/size:64");
  RunSettings settings;
  settings.echo_server = "echo-server";
  EXPECT_EQ(server_argv(c, settings),
            (std::vector<std::string>{"echo-server", "--model", "epoll-reactor", "--port", "0",
                                      "--udp", "--udp-batch", "1"}));
}

TEST(Variant, AnOptionItGivesReplacesTheUsualOne) {
  // echo-server refuses an option given twice: the variant's --threads wins.
  const CustomServer variant = parse_variant("asio1=asio-coroutine --threads 1");
  RunSettings settings;
  settings.echo_server = "echo-server";
  settings.server_threads = 4;
  const BenchCase c = parse_case("throughput/tcp/asio1/conns:4/size:64", {variant});
  EXPECT_EQ(server_argv(c, settings),
            (std::vector<std::string>{"echo-server", "--model", "asio-coroutine", "--port", "0",
                                      "--threads", "1"}));
}

TEST(Variant, ABadSpecIsAnErrorNamingThePart) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"epoll-reactor --udp-batch 1", "NAME='MODEL ARGS'"},
      {"x=epoll-reactor", "NAME='MODEL ARGS'"},
      {"x=nginx --workers 2", "no model 'nginx'"},
      {"x=epoll-reactor --port 7", "echo-bench sets --port"},
  };
  for (const auto& [spec, said] : bad) {
    try {
      (void)parse_variant(spec);
      ADD_FAILURE() << spec << " was accepted";
    } catch (const std::invalid_argument& error) {
      EXPECT_NE(std::string(error.what()).find(said), std::string::npos)
          << spec << ": " << error.what();
    }
  }
  EXPECT_THROW(check_entrant_names({parse_variant("epoll-reactor=epoll-reactor --udp-batch 1")}),
               std::invalid_argument);
}

}  // namespace
}  // namespace echo::bench
