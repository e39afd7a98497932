// asio-coroutine --offload-threads: the per-message work runs on a pool, the
// connection's coroutine waits for it, and the I/O thread goes on serving
// the other connections meanwhile.

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>

#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "echo/socket_ops.hpp"
#include "support/echo_client.hpp"
#include "support/server_process.hpp"

namespace echo::testing {
namespace {

// One I/O thread. A request is 1,000 bytes and blocks for 1 s; shorter
// writes complete no request and need no work.
std::vector<std::string> offload_server_args(const char* block_us) {
  return {"--model",    "asio-coroutine", "--port",          "0",    "--threads",         "1",
          "--block-us", block_us,         "--message-bytes", "1000", "--offload-threads", "2"};
}

TEST(AsioOffload, OffloadedWorkCompletesInOrderWhileTheIoThreadServesOthers) {
  ServerProcess server(offload_server_args("1000000"));
  UniqueFd slow = connect_local(server.port());
  const std::string requests = random_bytes(3000, 42);  // three requests: 3 s of blocking work
  ASSERT_TRUE(write_all(slow.get(), requests.data(), requests.size()));

  // While that work is on the pool, the one I/O thread answers another client.
  UniqueFd quick = connect_local(server.port());
  EXPECT_EQ(exchange(quick.get(), "no work for me"), "no work for me");
  pollfd slow_reply{slow.get(), POLLIN, 0};
  EXPECT_EQ(::poll(&slow_reply, 1, 0), 0) << "the slow client's echo came before its work was done";

  // And the slow client gets its three requests back, byte for byte, in order.
  ::shutdown(slow.get(), SHUT_WR);
  EXPECT_EQ(read_to_eof(slow.get(), 60s), requests);
  if (HasFailure()) std::cerr << "server stderr:\n" << server.error_output();
}

// Work in flight on the pool does not hold shutdown past the contract's 2 s.
TEST(AsioOffload, SigtermWithWorkOnThePoolExitsZero) {
  ServerProcess server(offload_server_args("1000000"));  // 1 s per request, 10 requests
  UniqueFd client = connect_local(server.port());
  const std::string requests(10'000, 'x');
  ASSERT_TRUE(write_all(client.get(), requests.data(), requests.size()));
  std::this_thread::sleep_for(200ms);  // the work has started
  server.send_signal(SIGTERM);
  EXPECT_EQ(server.wait_exit(20s), std::optional<int>(0)) << server.error_output();
}

}  // namespace
}  // namespace echo::testing
