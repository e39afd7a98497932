// Unit tests for servers/common: descriptor ownership, socket helpers, the
// blocking echo loop, the waker, option parsing and the output file writer.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/blocking_echo.hpp"
#include "common/server_options.hpp"
#include "common/waker.hpp"
#include "echo/output_file.hpp"
#include "echo/socket_ops.hpp"
#include "echo/unique_fd.hpp"
#include "support/echo_client.hpp"

namespace echo {
namespace {

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

TEST(UniqueFd, ClosesOnDestructionAndMovesOwnership) {
  int raw = -1;
  {
    UniqueFd first(::dup(STDERR_FILENO));
    raw = first.get();
    ASSERT_TRUE(is_open(raw));
    UniqueFd second(std::move(first));
    // The moved-from state is what this test checks.
    // NOLINTNEXTLINE(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
    EXPECT_FALSE(first.valid());
    EXPECT_EQ(second.get(), raw);
  }
  EXPECT_FALSE(is_open(raw));
}

TEST(UniqueFd, ReleaseGivesUpOwnership) {
  UniqueFd fd(::dup(STDERR_FILENO));
  const int raw = fd.release();
  fd.reset();
  EXPECT_TRUE(is_open(raw));
  ::close(raw);
}

// A fresh, empty directory for one test, removed with what it holds.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "echo-output-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  ~ScratchDirectory() { std::filesystem::remove_all(path_); }
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }
  [[nodiscard]] std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(path_),
                                                  std::filesystem::directory_iterator()));
  }

 private:
  std::filesystem::path path_;
};

std::string contents(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(OutputFile, AppearsOnlyOnCommitAndReplacesTheOldFileWhole) {
  const ScratchDirectory directory;
  const std::string path = directory.file("result.json");
  std::ofstream(path) << "old";
  {
    OutputFile file(path);
    file.write("new ");
    file.write("result");
    EXPECT_EQ(contents(path), "old") << "visible before commit";
    file.commit();
  }
  EXPECT_EQ(contents(path), "new result");
  EXPECT_EQ(directory.entries(), 1U) << "a temporary file was left beside the result";
}

TEST(OutputFile, WithoutCommitLeavesTheOldFileAndNothingElse) {
  const ScratchDirectory directory;
  const std::string path = directory.file("result.json");
  std::ofstream(path) << "old";
  {
    OutputFile file(path);
    file.write("half of a resu");
  }  // e.g. the run failed, or an exception unwound
  EXPECT_EQ(contents(path), "old");
  EXPECT_EQ(directory.entries(), 1U);
}

TEST(OutputFile, AnUnusablePathIsAnErrorNamingItBeforeAnyWrite) {
  const ScratchDirectory directory;
  for (const std::string& path : {directory.file("missing-dir/out.json"), directory.file("")}) {
    try {
      OutputFile file(path);
      ADD_FAILURE() << path << " was accepted";
    } catch (const OutputError& error) {
      EXPECT_NE(std::string(error.what()).find("cannot write " + path), std::string::npos)
          << error.what();
    }
  }
}

TEST(SocketOps, FormatsIpv4AndBracketsIpv6) {
  EXPECT_EQ(format_endpoint("127.0.0.1", 9999), "127.0.0.1:9999");
  EXPECT_EQ(format_endpoint("::1", 80), "[::1]:80");
}

TEST(SocketOps, ListenOnPortZeroTakesAnEphemeralPort) {
  const UniqueFd listener = listen_tcp("127.0.0.1", 0);
  const Endpoint bound = local_endpoint(listener.get());
  EXPECT_EQ(bound.host, "127.0.0.1");
  EXPECT_GT(bound.port, 0);
}

TEST(SocketOps, ListenOnABusyPortThrowsStartErrorNamingIt) {
  const UniqueFd listener = listen_tcp("127.0.0.1", 0);
  const std::uint16_t port = local_endpoint(listener.get()).port;
  try {
    listen_tcp("127.0.0.1", port);
    FAIL() << "expected StartError";
  } catch (const StartError& error) {
    EXPECT_NE(std::string(error.what()).find(std::to_string(port)), std::string::npos);
  }
}

// A second UDP server on a taken port must fail to start, as a TCP one does,
// not share the port and take the first one's datagrams.
TEST(SocketOps, BindingATakenUdpPortThrowsStartErrorNamingIt) {
  const UniqueFd first = bind_udp("127.0.0.1", 0);
  const std::uint16_t port = local_endpoint(first.get()).port;
  try {
    bind_udp("127.0.0.1", port);
    FAIL() << "expected StartError";
  } catch (const StartError& error) {
    EXPECT_NE(std::string(error.what()).find(std::to_string(port)), std::string::npos);
  }
}

TEST(SocketOps, AcceptReportsNothingReadyThenTheConnection) {
  const UniqueFd listener = listen_tcp("127.0.0.1", 0);
  EXPECT_EQ(accept_connection(listener.get(), false).status, AcceptStatus::nothing_ready);
  const UniqueFd client = connect_tcp("127.0.0.1", local_endpoint(listener.get()).port);
  pollfd ready{listener.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&ready, 1, 10000), 1);
  AcceptResult accepted = accept_connection(listener.get(), false);
  EXPECT_EQ(accepted.status, AcceptStatus::accepted);
  EXPECT_TRUE(accepted.fd.valid());
}

TEST(SocketOps, ConnectToAClosedPortNamesHostPortAndReason) {
  std::uint16_t port;
  {
    const UniqueFd listener = listen_tcp("127.0.0.1", 0);
    port = local_endpoint(listener.get()).port;
  }
  try {
    connect_tcp("127.0.0.1", port);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& error) {
    const std::string what = error.what();
    EXPECT_NE(what.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << what;
    EXPECT_NE(what.find("refused"), std::string::npos) << what;
  }
}

TEST(BlockingEcho, EchoesEverythingAndHalfClosesOnEof) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  UniqueFd client(pair[0]);
  UniqueFd server(pair[1]);
  EchoEnd end = EchoEnd::error;
  std::thread echoer([&] { end = echo_until_closed(server.get()); });
  const std::string data = testing::random_bytes(1 << 20, 3);
  std::thread writer([&] {
    write_all(client.get(), data.data(), data.size());
    ::shutdown(client.get(), SHUT_WR);
  });
  const std::string back = testing::read_to_eof(client.get());
  writer.join();
  echoer.join();
  EXPECT_TRUE(back == data);
  EXPECT_EQ(end, EchoEnd::peer_closed);
}

TEST(BlockingEcho, ReportsAnErrorWhenThePeerVanishes) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  UniqueFd server(pair[1]);
  {
    UniqueFd client(pair[0]);
    ASSERT_TRUE(write_all(client.get(), "abc", 3));
  }  // closed with unread data in flight: the echo write fails
  EXPECT_EQ(echo_until_closed(server.get()), EchoEnd::error);
}

TEST(Waker, NotifyMakesItReadableAndDrainResets) {
  Waker waker;
  pollfd pfd{waker.fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&pfd, 1, 0), 0);
  waker.notify();
  waker.notify();
  EXPECT_EQ(::poll(&pfd, 1, 0), 1);
  waker.drain();
  EXPECT_EQ(::poll(&pfd, 1, 0), 0);
}

class ServerOptions : public ::testing::Test {
 protected:
  ParsedOptions parse(std::vector<const char*> args) {
    args.insert(args.begin(), "echo-server");
    return parse_server_options(static_cast<int>(args.size()), args.data(), models_);
  }
  const std::vector<ModelDescription> models_ = {{"alpha", "first", false},
                                                 {"beta", "second", true}};
};

TEST_F(ServerOptions, DefaultsFollowTheContract) {
  const ParsedOptions parsed = parse({"--model", "alpha"});
  ASSERT_TRUE(parsed.config);
  EXPECT_EQ(parsed.config->host, "127.0.0.1");
  EXPECT_EQ(parsed.config->port, 9999);
  EXPECT_EQ(parsed.config->threads, 0u);
  EXPECT_FALSE(parsed.config->udp);
}

TEST_F(ServerOptions, ReadsEveryOption) {
  const ParsedOptions parsed = parse({"-m", "beta", "--host", "::1", "--port", "0", "--threads",
                                      "3", "--stack-kib", "128", "--udp"});
  ASSERT_TRUE(parsed.config) << parsed.message;
  EXPECT_EQ(parsed.config->model, "beta");
  EXPECT_EQ(parsed.config->host, "::1");
  EXPECT_EQ(parsed.config->port, 0);
  EXPECT_EQ(parsed.config->threads, 3u);
  EXPECT_EQ(parsed.config->stack_kib, 128u);
  EXPECT_TRUE(parsed.config->udp);
}

TEST_F(ServerOptions, ReadsTheDefences) {
  const ParsedOptions parsed = parse(
      {"-m", "beta", "--max-connections", "7", "--idle-timeout", "2.5", "--write-timeout", "0.5"});
  ASSERT_TRUE(parsed.config) << parsed.message;
  EXPECT_EQ(parsed.config->max_connections, 7u);
  EXPECT_DOUBLE_EQ(parsed.config->idle_timeout_s, 2.5);
  EXPECT_DOUBLE_EQ(parsed.config->write_timeout_s, 0.5);
  const ParsedOptions off = parse({"-m", "beta"});
  ASSERT_TRUE(off.config);
  EXPECT_EQ(off.config->max_connections, 0u) << "defences are off unless asked for";
  EXPECT_EQ(off.config->idle_timeout_s, 0.0);
  EXPECT_EQ(off.config->write_timeout_s, 0.0);
}

TEST_F(ServerOptions, BadTimeoutsAreUsageErrors) {
  for (const char* bad : {"0", "-1", "abc", "1e3", "nan"}) {
    const ParsedOptions parsed = parse({"-m", "beta", "--idle-timeout", bad});
    EXPECT_FALSE(parsed.config) << bad;
    EXPECT_EQ(parsed.exit_code, 2) << bad;
  }
}

TEST_F(ServerOptions, HelpListsModelsWithTheirSummaries) {
  const ParsedOptions parsed = parse({"--help"});
  EXPECT_FALSE(parsed.config);
  EXPECT_EQ(parsed.exit_code, 0);
  EXPECT_NE(parsed.message.find("alpha"), std::string::npos);
  EXPECT_NE(parsed.message.find("second"), std::string::npos);
}

TEST_F(ServerOptions, UnknownModelIsUsageErrorListingModels) {
  const ParsedOptions parsed = parse({"--model", "gamma"});
  EXPECT_EQ(parsed.exit_code, 2);
  EXPECT_NE(parsed.message.find("gamma"), std::string::npos);
  EXPECT_NE(parsed.message.find("alpha, beta"), std::string::npos) << parsed.message;
}

TEST_F(ServerOptions, AsioContextsIsPerThreadOrShared) {
  EXPECT_FALSE(parse({"--model", "alpha"}).config->asio_shared_context);
  EXPECT_TRUE(parse({"--model", "alpha", "--asio-contexts", "shared"}).config->asio_shared_context);
  EXPECT_EQ(parse({"--model", "alpha", "--asio-contexts", "many"}).exit_code, 2);
}

TEST_F(ServerOptions, WorkMayBeAFractionOfAMicrosecond) {
  const ParsedOptions parsed = parse({"--model", "alpha", "--work-us", "0.25", "--block-us", "10"});
  ASSERT_TRUE(parsed.config) << parsed.message;
  EXPECT_DOUBLE_EQ(parsed.config->work.cpu_us, 0.25);
  EXPECT_EQ(parsed.config->work.block_us, 10u);
  EXPECT_EQ(parse({"--model", "alpha", "--work-us", "-1"}).exit_code, 2);
}

TEST_F(ServerOptions, UdpNeedsAModelThatServesIt) {
  EXPECT_EQ(parse({"--model", "alpha", "--udp"}).exit_code, 2);
  EXPECT_TRUE(parse({"--model", "beta", "--udp"}).config);
}

}  // namespace
}  // namespace echo
