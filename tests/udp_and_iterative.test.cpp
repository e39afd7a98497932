// UDP echo (asio-coroutine, iterative) and the iterative model's TCP side,
// which serves one client at a time and so is kept out of the concurrency
// suite in server_models.test.cpp.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>

#include "echo/socket_ops.hpp"
#include "load_engine.hpp"
#include "support/echo_client.hpp"
#include "support/model_param.hpp"
#include "support/server_process.hpp"

namespace echo::testing {
namespace {

class UdpModel : public ::testing::TestWithParam<std::string> {};

TEST_P(UdpModel, EchoesDatagramsOfEverySizeToTheirSender) {
  ServerProcess server({"--model", GetParam(), "--udp", "--port", "0"});
  const PeerAddress peer = resolve_peer("127.0.0.1", server.port(), SOCK_DGRAM);
  for (const std::size_t size : {std::size_t{1}, std::size_t{1400}, std::size_t{65507}}) {
    UniqueFd client(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    const timeval timeout{5, 0};
    ::setsockopt(client.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ASSERT_EQ(
        ::connect(client.get(), reinterpret_cast<const sockaddr*>(&peer.storage), peer.length), 0);
    const std::string data = random_bytes(size, 9);
    ASSERT_EQ(::send(client.get(), data.data(), data.size(), 0), static_cast<ssize_t>(size));
    std::string back(65536, '\0');
    const ssize_t n = ::recv(client.get(), back.data(), back.size(), 0);
    ASSERT_EQ(n, static_cast<ssize_t>(size));
    back.resize(static_cast<std::size_t>(n));
    EXPECT_TRUE(back == data) << size;
  }
  server.send_signal(SIGTERM);
  EXPECT_EQ(server.wait_exit(2s), 0);
}

TEST_P(UdpModel, EchoLoadSeesNoLossOrMismatch) {
  ServerProcess server({"--model", GetParam(), "--udp", "--port", "0"});
  LoadConfig config;
  config.port = server.port();
  config.udp = true;
  config.connections = 8;
  config.duration_s = 0.5;
  config.interval_s = 0;
  const LoadResult result = run_load(config);
  EXPECT_TRUE(result.ok()) << result.totals.first_error;  // no loss, no error
  EXPECT_GT(result.totals.messages, 0u);
  EXPECT_EQ(result.totals.mismatches, 0u);
  EXPECT_EQ(result.totals.errors.total(), 0u);
}

INSTANTIATE_TEST_SUITE_P(UdpModels, UdpModel, ::testing::ValuesIn(udp_models()), model_test_name);

TEST(IterativeModel, ServesClientsOneAfterAnother) {
  ServerProcess server({"--model", "iterative", "--port", "0"});
  for (const std::size_t size : {std::size_t{1}, std::size_t{64} << 10, std::size_t{4} << 20}) {
    UniqueFd client = connect_local(server.port());
    const std::string data = random_bytes(size, 4);
    EXPECT_TRUE(exchange(client.get(), data) == data) << size;
  }
}

TEST(IterativeModel, HalfCloseGetsEverythingBack) {
  ServerProcess server({"--model", "iterative", "--port", "0"});
  UniqueFd client = connect_local(server.port());
  const std::string data = random_bytes(200 << 10, 5);
  std::thread writer([&] {
    write_all(client.get(), data.data(), data.size());
    ::shutdown(client.get(), SHUT_WR);
  });
  const std::string back = read_to_eof(client.get());
  writer.join();
  EXPECT_TRUE(back == data);
}

TEST(IterativeModel, SigtermStopsItMidConnection) {
  ServerProcess server({"--model", "iterative", "--port", "0"});
  UniqueFd busy = connect_local(server.port());
  ASSERT_EQ(exchange(busy.get(), "busy"), "busy");
  server.send_signal(SIGTERM);
  EXPECT_EQ(server.wait_exit(2s), 0);
}

}  // namespace
}  // namespace echo::testing
