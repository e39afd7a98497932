// The defences every TCP model has against clients that misbehave:
// --idle-timeout, --write-timeout and --max-connections, each checked
// against the real echo-server for every model of the catalog, and each
// model's documented choice at its limit (AtConnectionLimit).
//
// The timeouts are seconds long so that a loaded machine or a sanitizer
// cannot make a correct server look late; the upper bounds only catch a
// defence that does not work.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "echo/socket_ops.hpp"
#include "support/echo_client.hpp"
#include "support/model_param.hpp"
#include "support/server_process.hpp"

namespace echo::testing {
namespace {

using Clock = std::chrono::steady_clock;

/// Seconds until the server ends the connection (FIN or RST, seen without
/// reading what the socket may still hold), or nullopt after `limit`.
std::optional<double> seconds_until_closed_by_server(int fd, std::chrono::milliseconds limit) {
  const auto start = Clock::now();
  while (Clock::now() - start < limit) {
    pollfd pfd{fd, POLLRDHUP, 0};
    if (::poll(&pfd, 1, 50) > 0 && (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0)
      return std::chrono::duration<double>(Clock::now() - start).count();
  }
  return std::nullopt;
}

/// A client that will send and never read, with a small receive buffer so
/// the server's echo backs up at once. Connected, not yet sending.
UniqueFd non_reader(std::uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const int small = 4096;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
    return {};
  set_nonblocking(fd.get());
  return fd;
}

/// Sends on `fd` whenever it can take more, never reading, until `done` or
/// the connection fails: however slowly the server gets to run, it ends up
/// blocked writing an echo nobody reads (no guess of when that happens).
void keep_sending(int fd, const std::atomic<bool>& done) {
  const std::string block(64 << 10, 'x');
  while (!done.load()) {
    if (::send(fd, block.data(), block.size(), MSG_NOSIGNAL) > 0) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return;
    std::this_thread::sleep_for(5ms);
  }
}

class Defence : public ::testing::TestWithParam<std::string> {
 protected:
  ServerProcess& start(const std::vector<std::string>& options) {
    std::vector<std::string> args{"--model", GetParam(), "--port", "0"};
    args.insert(args.end(), options.begin(), options.end());
    server_ = std::make_unique<ServerProcess>(args);
    return *server_;
  }
  static const ModelDescription& model() { return *find_model_description(GetParam()); }

  void TearDown() override {
    if (HasFailure() && server_) std::cerr << "server stderr:\n" << server_->error_output();
  }

 private:
  std::unique_ptr<ServerProcess> server_;
};

TEST_P(Defence, IdleConnectionIsClosedAfterTheIdleTimeout) {
  ServerProcess& server = start({"--idle-timeout", "2"});
  UniqueFd client = connect_local(server.port());
  ASSERT_EQ(exchange(client.get(), "hello"), "hello");
  const auto closed = seconds_until_closed_by_server(client.get(), 30s);
  ASSERT_TRUE(closed.has_value()) << "an idle connection outlived --idle-timeout 2 by 28 s";
  EXPECT_GE(*closed, 1.8) << "closed before its timeout";
  EXPECT_LE(*closed, 4.0) << "closed later than twice its timeout";
}

TEST_P(Defence, NonReaderIsClosedAfterTheWriteTimeoutWhileOthersAreServed) {
  ServerProcess& server = start({"--write-timeout", "1"});
  const auto flood_start = Clock::now();
  UniqueFd stalled = non_reader(server.port());
  ASSERT_TRUE(stalled) << "could not connect";
  std::atomic<bool> done{false};
  std::thread flooder(keep_sending, stalled.get(), std::cref(done));

  // A good client exchanges messages the whole time, on concurrent models;
  // iterative serves one client at a time, and is asked to serve it after.
  std::atomic<int> echoes{0}, wrong{0};
  std::thread good;
  if (model().concurrent) {
    good = std::thread([&] {
      UniqueFd client = connect_local(server.port());
      while (!done.load()) {
        (exchange(client.get(), "good", 10s) == "good" ? echoes : wrong)++;
        std::this_thread::sleep_for(20ms);
      }
    });
  }
  const auto closed = seconds_until_closed_by_server(stalled.get(), 30s);
  const double since_flood = std::chrono::duration<double>(Clock::now() - flood_start).count();
  done = true;
  flooder.join();
  if (good.joinable()) good.join();
  ASSERT_TRUE(closed.has_value()) << "a client that never reads outlived --write-timeout 1";
  EXPECT_GE(since_flood, 0.9) << "closed before its echo could have waited 1 s";
  EXPECT_EQ(wrong.load(), 0) << "the good client missed echoes";
  if (model().concurrent) {
    EXPECT_GT(echoes.load(), 0);
  } else {
    UniqueFd next = connect_local(server.port());
    EXPECT_EQ(exchange(next.get(), "next", 10s), "next");
  }
}

TEST_P(Defence, MaxConnectionsBehavesAsDocumented) {
  constexpr int kLimit = 5;
  if (model().at_connection_limit == AtConnectionLimit::refuses) {
    const CommandResult refused = run_command(
        {echo_server_path(), "--model", GetParam(), "--port", "0", "--max-connections", "5"});
    EXPECT_EQ(refused.exit_code, 2);
    EXPECT_NE(refused.err.find("--max-connections"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find(model().no_connection_limit), std::string::npos) << refused.err;
    return;
  }
  ServerProcess& server = start({"--max-connections", std::to_string(kLimit)});
  std::vector<UniqueFd> held;
  for (int i = 0; i < kLimit; ++i) {
    held.push_back(connect_local(server.port()));
    ASSERT_EQ(exchange(held.back().get(), "held"), "held") << "connection " << i;
  }
  std::vector<UniqueFd> beyond;
  for (int i = 0; i < 5; ++i) {
    beyond.push_back(connect_local(server.port()));
    ASSERT_EQ(::send(beyond.back().get(), "more", 4, MSG_NOSIGNAL), 4);
  }
  if (model().at_connection_limit == AtConnectionLimit::close) {
    for (const UniqueFd& fd : beyond) {
      EXPECT_TRUE(seconds_until_closed_by_server(fd.get(), 10s).has_value())
          << "a client beyond the limit was not closed";
      char byte;
      EXPECT_LE(::recv(fd.get(), &byte, 1, MSG_DONTWAIT), 0) << "and it was echoed";
    }
  } else {  // backlog: connected, unanswered, then served once the held ones end
    for (const UniqueFd& fd : beyond) {
      pollfd readable{fd.get(), POLLIN, 0};
      EXPECT_EQ(::poll(&readable, 1, 300), 0) << "a client beyond the limit was served";
    }
    held.clear();
    for (const UniqueFd& fd : beyond) {
      std::string echo(4, '\0');
      pollfd readable{fd.get(), POLLIN, 0};
      ASSERT_EQ(::poll(&readable, 1, 10'000), 1) << "a waiting client was never served";
      EXPECT_EQ(::recv(fd.get(), echo.data(), echo.size(), MSG_WAITALL), 4);
      EXPECT_EQ(echo, "more");
    }
  }
  for (const UniqueFd& fd : held) EXPECT_EQ(exchange(fd.get(), "still"), "still");
  const std::string log = server.error_output();
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1)
      << "the limit is logged once, not per client";
}

using UdpDefence = ::testing::TestWithParam<std::string>;

TEST_P(UdpDefence, EveryDefenceIsRefusedWithUdp) {
  for (const char* option : {"--idle-timeout", "--write-timeout", "--max-connections"}) {
    const CommandResult refused =
        run_command({echo_server_path(), "--model", GetParam(), "--udp", option, "5"});
    EXPECT_EQ(refused.exit_code, 2) << option;
    EXPECT_NE(refused.err.find(option), std::string::npos) << refused.err;
  }
}

INSTANTIATE_TEST_SUITE_P(UdpModels, UdpDefence, ::testing::ValuesIn(udp_models()), model_test_name);
INSTANTIATE_TEST_SUITE_P(EveryModel, Defence,
                         ::testing::ValuesIn(model_names([](const ModelDescription&) {
                           return true;
                         })),
                         model_test_name);

}  // namespace
}  // namespace echo::testing
