// echo-server's command-line contract: --help, and exit status 2 with a clear
// message for every kind of bad usage (docs/cli.md).

#include <gtest/gtest.h>

#include "common/model_catalog.hpp"
#include "support/server_process.hpp"

namespace echo::testing {
namespace {

const std::vector<std::string> kModels = model_names();

CommandResult run_server(std::vector<std::string> args) {
  args.insert(args.begin(), echo_server_path());
  return run_command(args);
}

TEST(EchoServerCli, HelpExitsZeroAndListsEveryModel) {
  const CommandResult result = run_server({"--help"});
  EXPECT_EQ(result.exit_code, 0);
  for (const std::string& model : kModels)
    EXPECT_NE(result.out.find(model), std::string::npos) << model;
}

TEST(EchoServerCli, UnknownModelExitsTwoNamingTheValidModels) {
  const CommandResult result = run_server({"--model", "no-such-model"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("no-such-model"), std::string::npos) << result.err;
  for (const std::string& model : kModels)
    EXPECT_NE(result.err.find(model), std::string::npos) << model;
}

TEST(EchoServerCli, MissingModelExitsTwoNamingTheValidModels) {
  const CommandResult result = run_server({});
  EXPECT_EQ(result.exit_code, 2);
  for (const std::string& model : kModels)
    EXPECT_NE(result.err.find(model), std::string::npos) << model;
}

TEST(EchoServerCli, UnknownFlagExitsTwo) {
  const CommandResult result = run_server({"--model", "thread-pool", "--bogus"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--bogus"), std::string::npos) << result.err;
}

TEST(EchoServerCli, OutOfRangeValuesExitTwo) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--model", "thread-pool", "--port", "65536"},
           {"--model", "thread-pool", "--port", "-1"},
           {"--model", "thread-pool", "--threads", "0"},
           {"--model", "thread-per-connection", "--stack-kib", "1"},
           {"--model", "fork-per-connection", "--max-connections", "0"},
           {"--model", "thread-pool", "--port", "eighty"}}) {
    const CommandResult result = run_server(args);
    EXPECT_EQ(result.exit_code, 2) << args.back();
    EXPECT_FALSE(result.err.empty()) << args.back();
  }
}

TEST(EchoServerCli, NonFiniteWorkExitsTwo) {
  for (const char* value : {"nan", "inf", "-inf"}) {
    const CommandResult result = run_server({"--model", "thread-pool", "--work-us", value});
    EXPECT_EQ(result.exit_code, 2) << value;
    EXPECT_NE(result.err.find("--work-us"), std::string::npos) << result.err;
  }
}

TEST(EchoServerCli, VersionExitsZero) {
  const CommandResult result = run_server({"--version"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.out.find("echo-server " ECHO_VERSION), std::string::npos) << result.out;
}

TEST(EchoServerCli, UdpOnATcpOnlyModelExitsTwo) {
  const CommandResult result = run_server({"--model", "thread-per-connection", "--udp"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("UDP"), std::string::npos) << result.err;
}

TEST(EchoServerCli, AddressNotOnThisMachineExitsOneNamingIt) {
  // 192.0.2.1 is TEST-NET-1: bind() fails locally, nothing is sent anywhere.
  const CommandResult result = run_server({"--model", "thread-pool", "--host", "192.0.2.1"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("192.0.2.1:9999"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace echo::testing
