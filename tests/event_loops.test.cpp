// What the event-loop models (epoll-reactor, io-uring) promise beyond the
// suite every model passes: many idle connections cost them little, and
// io-uring survives its provided buffers running dry and says clearly when
// the kernel refuses io_uring.

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <cerrno>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "support/echo_client.hpp"
#include "support/model_param.hpp"
#include "support/server_process.hpp"

namespace echo::testing {
namespace {

class EventLoop : public ::testing::TestWithParam<std::string> {};

// An event loop holds a connection for a few hundred bytes of its own, not a
// thread or a process: 10,000 idle clients are nothing special.
TEST_P(EventLoop, TenThousandIdleConnectionsAndEachIsServed) {
  constexpr int kConnections = 10'000;
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < kConnections + 200) {
    GTEST_SKIP() << "needs 10,200 descriptors; the hard limit is " << limit.rlim_cur;
  }
  ServerProcess::Options options;
  options.max_fds = kConnections + 200;
  ServerProcess server({"--model", GetParam(), "--port", "0"}, options);
  std::vector<UniqueFd> clients;
  clients.reserve(kConnections);
  for (int i = 0; i < kConnections; ++i) clients.push_back(connect_local(server.port()));
  int correct = 0;
  for (std::size_t i = 0; i < clients.size(); i += 97) {
    const std::string message = "idle " + std::to_string(i);
    if (exchange(clients[i].get(), message, 30s) == message) ++correct;
  }
  EXPECT_EQ(correct, (kConnections + 96) / 97);
  UniqueFd last = connect_local(server.port());  // and still accepting
  EXPECT_EQ(exchange(last.get(), "one more"), "one more");
  if (HasFailure()) std::cerr << "server stderr:\n" << server.error_output();
}

INSTANTIATE_TEST_SUITE_P(Models, EventLoop, ::testing::Values("epoll-reactor", "io-uring"),
                         model_test_name);

// With one provided buffer, a client that sends without reading soon holds
// it: the server's echo to it cannot complete, and the buffer comes back only
// when it does. Every other receive then finds the ring dry (-ENOBUFS) and
// must recover with a buffer of its own: 16 clients pushing 64 KiB each get
// every byte back, and so, once it reads, does the client that held it.
TEST(IoUring, RecoversWhenItsProvidedBuffersRunDry) {
  ServerProcess server({"--model", "io-uring", "--port", "0", "--ring-buffers", "1"});
  UniqueFd hog = connect_local(server.port());
  const std::string block = random_bytes(std::size_t{64} * 1024, 7);
  std::size_t pushed = 0;
  for (;;) {  // until the server stops taking data: its echo to us is stuck
    const std::size_t offset = pushed % block.size();  // the stream repeats `block`
    const ssize_t n = ::send(hog.get(), block.data() + offset, block.size() - offset,
                             MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      pushed += static_cast<std::size_t>(n);
      continue;
    }
    ASSERT_TRUE(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) << "send failed";
    pollfd writable{hog.get(), POLLOUT, 0};
    if (::poll(&writable, 1, 300) == 0) break;
    ASSERT_LT(pushed, std::size_t{1} << 30) << "the server never stopped reading";
  }

  constexpr int kClients = 16;
  std::vector<std::string> sent(kClients);
  std::vector<std::string> echoed(kClients);
  {
    std::vector<std::jthread> clients;
    for (int i = 0; i < kClients; ++i) {
      sent[i] = random_bytes(std::size_t{64} * 1024, static_cast<std::uint32_t>(i));
      clients.emplace_back([&, i] {
        UniqueFd fd = connect_local(server.port());
        echoed[i] = exchange(fd.get(), sent[i]);
      });
    }
  }
  int intact = 0;
  for (int i = 0; i < kClients; ++i) intact += echoed[i] == sent[i] ? 1 : 0;
  EXPECT_EQ(intact, kClients);
  EXPECT_NE(server.error_output().find("ran dry"), std::string::npos)
      << "the ring never ran dry; stderr: " << server.error_output();

  // The hog reads at last: all it pushed comes back, in order.
  std::string back;
  std::vector<char> chunk(std::size_t{256} * 1024);
  pollfd readable{hog.get(), POLLIN, 0};
  while (back.size() < pushed && ::poll(&readable, 1, 30'000) == 1) {
    const ssize_t n = ::recv(hog.get(), chunk.data(), chunk.size(), 0);
    if (n <= 0) break;
    back.append(chunk.data(), static_cast<std::size_t>(n));
  }
  ASSERT_EQ(back.size(), pushed);
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < back.size(); ++i) wrong += back[i] != block[i % block.size()] ? 1 : 0;
  EXPECT_EQ(wrong, 0u);
}

// A container's seccomp profile (EPERM) or a kernel without io_uring
// (ENOSYS): exit status 1 and a message that names io_uring, never a crash.
TEST(IoUring, WhereTheKernelRefusesIoUringItExitsOneAndSaysSo) {
  for (const char* error : {"EPERM", "ENOSYS"}) {
    const CommandResult result = run_command({ECHO_WITHOUT_IO_URING_PATH, error, echo_server_path(),
                                              "--model", "io-uring", "--port", "0"});
    EXPECT_EQ(result.exit_code, 1) << error << ": " << result.err;
    EXPECT_NE(result.err.find("io_uring is unavailable"), std::string::npos) << result.err;
    EXPECT_EQ(result.out, "") << "no ready line when it cannot serve";
  }
}

}  // namespace
}  // namespace echo::testing
