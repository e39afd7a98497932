// Behaviour every model must have, checked against the real echo-server
// binary started on an ephemeral port. One TEST_P, run once per model.
//
// Time bounds here only catch hangs and starvation; they are deliberately
// generous because the suite runs on loaded 2-core machines and under
// sanitizers. Speed is measured by the benchmarks, not asserted here.

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "echo/socket_ops.hpp"
#include "support/echo_client.hpp"
#include "support/model_param.hpp"
#include "support/process_exit_cost.hpp"
#include "support/server_process.hpp"

namespace echo::testing {
namespace {

using Clock = std::chrono::steady_clock;

class ServerModel : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    // Orphans of a server would be re-parented to this process, where the
    // SIGTERM test can see them, instead of vanishing into init.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  }

  /// Starts the model under test; the fixture owns it, so that a failing
  /// test can show what the server wrote to standard error.
  ServerProcess* start_server(ServerProcess::Options options = {},
                              const std::vector<std::string>& extra_args = {}) {
    std::vector<std::string> args{"--model", GetParam(), "--port", "0"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    server_ = std::make_unique<ServerProcess>(args, options);
    return server_.get();
  }

  void TearDown() override {
    if (HasFailure() && server_) std::cerr << "server stderr:\n" << server_->error_output();
  }

  /// The model's traits, from the one model list.
  static const ModelDescription& model() { return *find_model_description(GetParam()); }

 private:
  std::unique_ptr<ServerProcess> server_;
};

TEST_P(ServerModel, RoundTripsOneByte64KiBAnd4MiB) {
  auto server = start_server();
  for (const std::size_t size : {std::size_t{1}, std::size_t{64} << 10, std::size_t{4} << 20}) {
    const std::string data = random_bytes(size, static_cast<std::uint32_t>(size));
    UniqueFd client = connect_local(server->port());
    EXPECT_EQ(exchange(client.get(), data), data) << size << " bytes";
  }
}

TEST_P(ServerModel, TwoHundredConcurrentClientsWithRandomChunks) {
  auto server = start_server();
  constexpr int kClients = 200;
  std::atomic<int> correct{0};
  std::vector<std::thread> clients;
  clients.reserve(kClients);
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, seed = static_cast<std::uint32_t>(i)] {
      std::mt19937 random(seed);
      const std::string data =
          random_bytes(std::uniform_int_distribution<std::size_t>(1, 128 << 10)(random), seed);
      std::vector<std::size_t> chunks(7);
      for (auto& chunk : chunks)
        chunk = std::uniform_int_distribution<std::size_t>(1, 9000)(random);
      UniqueFd client = connect_local(server->port());
      if (exchange(client.get(), data, chunks) == data) ++correct;
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(correct.load(), kClients);
}

// With more than one thread (or loop), every thread must serve: a thread
// that finds nothing to do at start and ends would leave the connections
// dealt to it unanswered (asio-coroutine's per-thread contexts once did).
// Run for the models with a --threads knob only.
class ThreadedModel : public ServerModel {};

TEST_P(ThreadedModel, WithFourThreadsEveryConnectionIsServed) {
  auto server = start_server({}, {"--threads", "4"});
  constexpr int kClients = 16;
  std::vector<UniqueFd> clients;
  clients.reserve(kClients);
  for (int i = 0; i < kClients; ++i) clients.push_back(connect_local(server->port()));
  for (int i = 0; i < kClients; ++i) {
    const std::string data =
        random_bytes(100 + static_cast<std::size_t>(i), static_cast<std::uint32_t>(i));
    EXPECT_EQ(exchange(clients[static_cast<std::size_t>(i)].get(), data), data)
        << "connection " << i;
  }
}

TEST_P(ServerModel, HalfCloseGetsEverythingBackThenEof) {
  auto server = start_server();
  const std::string data = random_bytes(300 << 10, 7);
  UniqueFd client = connect_local(server->port());
  std::thread writer([&] {
    write_all(client.get(), data.data(), data.size());
    ::shutdown(client.get(), SHUT_WR);
  });
  const std::string received = read_to_eof(client.get());
  writer.join();
  EXPECT_EQ(received.size(), data.size());
  EXPECT_TRUE(received == data);
  char byte;
  EXPECT_EQ(::recv(client.get(), &byte, 1, 0), 0) << "the server must close after draining";
}

TEST_P(ServerModel, SurvivesClientsThatResetMidStream) {
  auto server = start_server();
  for (int i = 0; i < 20; ++i) {
    UniqueFd client = connect_local(server->port());
    // Fill both directions until the server is stuck writing to us, then RST.
    set_nonblocking(client.get());
    const std::string data = random_bytes(1 << 20, 1);
    for (std::size_t sent = 0; sent < (8u << 20);) {
      const ssize_t n = ::send(client.get(), data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    reset_connection(std::move(client));
  }
  UniqueFd survivor = connect_local(server->port());
  EXPECT_EQ(exchange(survivor.get(), "still here"), "still here");
}

TEST_P(ServerModel, ClientThatNeverReadsDoesNotStarveOthers) {
  auto server = start_server();
  std::atomic<bool> done{false};
  std::atomic<std::size_t> flooded{0};
  std::thread flooder([&] {
    UniqueFd client = connect_local(server->port());
    set_nonblocking(client.get());
    const std::string block(64 << 10, 'x');
    // Up to 64 MiB, never reading: the kernel buffers fill, the server's
    // writes to us block, and then our writes do.
    while (!done.load() && flooded.load() < (64u << 20)) {
      const ssize_t n = ::send(client.get(), block.data(), block.size(), MSG_NOSIGNAL);
      if (n > 0)
        flooded += static_cast<std::size_t>(n);
      else
        std::this_thread::sleep_for(1ms);
    }
  });
  while (flooded.load() < (1u << 20)) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(200ms);  // let the server wedge on the flooder

  constexpr int kOthers = 20;
  std::vector<std::thread> others;
  others.reserve(kOthers);
  std::atomic<int> served{0};
  for (int i = 0; i < kOthers; ++i) {
    others.emplace_back([&, i] {
      UniqueFd client = connect_local(server->port());
      const std::string message = "client " + std::to_string(i);
      // The goal is under a second; 10 s keeps a loaded CI machine from flaking.
      if (exchange(client.get(), message, 10s) == message) ++served;
    });
  }
  for (auto& other : others) other.join();
  done = true;
  flooder.join();
  EXPECT_EQ(served.load(), kOthers);
}

TEST_P(ServerModel, FiveHundredOpenConnectionsEachEchoOnce) {
  if (model().processes_knob) {
    GTEST_SKIP() << "serves --processes clients at once by design (Prefork.* tests that limit)";
  }
  auto server = start_server();
  constexpr int kConnections = 500;
  std::vector<UniqueFd> clients;
  clients.reserve(kConnections);
  for (int i = 0; i < kConnections; ++i) clients.push_back(connect_local(server->port()));
  int correct = 0;
  for (std::size_t i = 0; i < clients.size(); ++i) {
    const std::string message = "connection " + std::to_string(i);
    if (exchange(clients[i].get(), message, 30s) == message) ++correct;
  }
  EXPECT_EQ(correct, kConnections);
}

void expect_clean_exit_on(int signal_number, ServerProcess& server) {
  std::vector<UniqueFd> idle;
  for (int i = 0; i < 10; ++i) {
    idle.push_back(connect_local(server.port()));
    ASSERT_EQ(exchange(idle.back().get(), "x"), "x");  // the connection is being served
  }
  // One connection whose server side is blocked writing to us.
  UniqueFd stuck = connect_local(server.port());
  set_nonblocking(stuck.get());
  const std::string block(1 << 20, 's');
  for (int i = 0; i < 64 && ::send(stuck.get(), block.data(), block.size(), MSG_NOSIGNAL) > 0;
       ++i) {
  }
  std::this_thread::sleep_for(100ms);
  const std::vector<pid_t> children = child_pids(server.pid());

  const auto signalled = Clock::now();
  server.send_signal(signal_number);
  const std::optional<int> status = server.wait_exit(2s);
  ASSERT_TRUE(status.has_value()) << "still running 2 s after the signal";
  EXPECT_EQ(*status, 0) << server.error_output();
  EXPECT_LE(Clock::now() - signalled, 2s);
  for (const pid_t child : children) {
    // This process is a subreaper: a child that outlived the server would
    // now be ours and still exist (alive or zombie).
    EXPECT_NE(::kill(child, 0), 0) << "child " << child << " outlived the server";
  }
}

TEST_P(ServerModel, SigtermClosesEverythingAndExitsZeroWithinTwoSeconds) {
  auto server = start_server();
  expect_clean_exit_on(SIGTERM, *server);
}

TEST_P(ServerModel, SigintClosesEverythingAndExitsZeroWithinTwoSeconds) {
  auto server = start_server();
  expect_clean_exit_on(SIGINT, *server);
}

// 1,000 connections, each with a request whose simulated work blocks for
// 10 ms: a model that finished every queued request before stopping would
// take 10 s on one thread. Shutdown must cut the work short: within the
// contract's 2 s on a normal build, which is where the contract is checked.
// Under a sanitizer, 1,000 thread exits alone cost thread-per-connection
// 1.2 s (TSan) on one machine, 2.4 s beside other tests, and more than 5 s
// on a machine slower at creating and ending threads, which says nothing
// about the model; there the bound only catches a server that never stops.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr auto kStopUnderLoadBound = std::chrono::seconds(30);
#else
constexpr auto kStopUnderLoadBound = std::chrono::seconds(2);
#endif
TEST_P(ServerModel, SigtermWithinTwoSecondsUnderAThousandBlockingRequests) {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < 1100) GTEST_SKIP() << "needs 1,100 descriptors; the hard limit is lower";
  ServerProcess::Options options;
  options.max_fds = 4096;
  std::vector<std::string> args{"--block-us", "10000"};
  if (model().per_connection_process) args.insert(args.end(), {"--max-connections", "2000"});
  auto server = start_server(options, args);
  std::vector<UniqueFd> clients;
  clients.reserve(1000);
  for (int i = 0; i < 1000; ++i) {
    clients.push_back(connect_local(server->port()));
    ASSERT_EQ(::send(clients.back().get(), "x", 1, MSG_NOSIGNAL), 1);
  }
  std::this_thread::sleep_for(300ms);  // the server is now deep in queued work

  const auto signalled = Clock::now();
  server->send_signal(SIGTERM);
  const std::optional<int> status = server->wait_exit(kStopUnderLoadBound);
  ASSERT_TRUE(status.has_value()) << "still running " << kStopUnderLoadBound.count()
                                  << " s after SIGTERM";
  EXPECT_EQ(*status, 0);
  EXPECT_LE(Clock::now() - signalled, kStopUnderLoadBound);
}

TEST_P(ServerModel, NoZombiesAfterFiftyShortConnections) {
  auto server = start_server();
  for (int i = 0; i < 50; ++i) {
    UniqueFd client = connect_local(server->port());
    ASSERT_EQ(exchange(client.get(), "short"), "short");
  }
  const std::size_t lasting = model().processes_knob ? 16 : 0;  // prefork's default --processes
  const auto deadline = Clock::now() + 10s;
  // Until the children of closed connections are gone, and (prefork) all of
  // its children have been forked: under a sanitizer that takes a while.
  while (child_pids(server->pid()).size() != lasting && Clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(zombie_children(server->pid()), 0);
  EXPECT_EQ(child_pids(server->pid()).size(), lasting) << "children of closed connections remain";
}

TEST_P(ServerModel, RecoversFromRunningOutOfDescriptors) {
  ServerProcess::Options options;
  options.max_fds = 64;
  auto server = start_server(options);
  // 100 connections: the kernel completes them all (the listen backlog is
  // large), but the server can only accept as many as its 64 fds allow.
  std::vector<UniqueFd> clients;
  for (int i = 0; i < 100; ++i) {
    clients.push_back(connect_local(server->port()));
    ASSERT_TRUE(write_all(clients.back().get(), "!", 1));
  }
  // Wait (up to a generous limit) for the connections it could accept to echo.
  int echoed = 0;
  for (const auto give_up = Clock::now() + 20s; echoed == 0 && Clock::now() < give_up;) {
    for (auto& client : clients) {
      pollfd readable{client.get(), POLLIN, 0};
      char byte;
      if (::poll(&readable, 1, 0) == 1 && ::recv(client.get(), &byte, 1, 0) == 1) ++echoed;
    }
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_GT(echoed, 0) << "the connections it did accept must be served";

  // While stuck at the limit the server must back off, not spin a core: a
  // spinning server burns about as much CPU as time passes. Watched from its
  // first back-off on (the threads or children it started for the clients it
  // did accept cost CPU of their own before; under ThreadSanitizer, much),
  // and for 2 s, so what is left of that start is small beside the window.
  for (const auto give_up = Clock::now() + 20s;
       server->error_output().find("pausing accept") == std::string::npos &&
       Clock::now() < give_up;) {
    std::this_thread::sleep_for(10ms);
  }
  const double cpu_before = cpu_seconds(server->pid());
  const auto watched_from = Clock::now();
  std::this_thread::sleep_for(2s);
  const double watched_s = std::chrono::duration<double>(Clock::now() - watched_from).count();
  EXPECT_LT(cpu_seconds(server->pid()) - cpu_before, 0.5 * watched_s)
      << "busy loop while out of fds";

  clients.clear();
  bool recovered = false;
  for (const auto deadline = Clock::now() + 20s; !recovered && Clock::now() < deadline;) {
    UniqueFd client = connect_local(server->port());
    recovered = exchange(client.get(), "again", 2s) == "again";
  }
  EXPECT_TRUE(recovered) << server->error_output();
}

TEST_P(ServerModel, PortInUseExitsOneNamingThePort) {
  const UniqueFd occupier = listen_tcp("127.0.0.1", 0);
  const std::string port = std::to_string(local_endpoint(occupier.get()).port);
  const CommandResult result =
      run_command({echo_server_path(), "--model", GetParam(), "--port", port});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("127.0.0.1:" + port), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("in use"), std::string::npos) << result.err;
}

TEST_P(ServerModel, WorksWithNetcatAndSocat) {
  auto server = start_server();
  const std::string port = std::to_string(server->port());
  const CommandResult nc =
      run_command({"/bin/sh", "-c", "printf 'hello nc' | nc -N 127.0.0.1 " + port});
  EXPECT_EQ(nc.exit_code, 0) << nc.err;
  EXPECT_EQ(nc.out, "hello nc");
  const CommandResult socat =
      run_command({"/bin/sh", "-c", "printf 'hello socat' | socat - TCP:127.0.0.1:" + port});
  EXPECT_EQ(socat.exit_code, 0) << socat.err;
  EXPECT_EQ(socat.out, "hello socat");
}

// A child stopped with SIGSTOP ignores SIGTERM until continued: the parent
// must not wait for it forever, but SIGKILL it after a grace period.
TEST(ForkPerConnection, SigtermWithinTwoSecondsWithAStoppedChild) {
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  ServerProcess server({"--model", "fork-per-connection", "--port", "0"});
  UniqueFd client = connect_local(server.port());
  ASSERT_EQ(exchange(client.get(), "x"), "x");
  const std::vector<pid_t> children = child_pids(server.pid());
  ASSERT_EQ(children.size(), 1u);
  ASSERT_EQ(::kill(children[0], SIGSTOP), 0);
  const auto signalled = Clock::now();
  server.send_signal(SIGTERM);
  const std::optional<int> status = server.wait_exit(2s);
  ASSERT_TRUE(status.has_value()) << "waited for the stopped child";
  EXPECT_EQ(*status, 0);
  EXPECT_LE(Clock::now() - signalled, 2s);
  EXPECT_NE(::kill(children[0], 0), 0) << "the stopped child outlived the server";
}

// Thousands of processes: SIGTERM must not wait for the forking to finish
// (prefork forks --processes children at start, 0.8 ms each on a slow VM),
// and ending the children may cost only what the kernel itself needs to end
// that many processes (measured here, in the same run) plus the contract's
// 2 s. Under a sanitizer, forks are slower still and fewer are used: the
// release build is where the contract is checked.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kManyProcesses = 500;
#else
constexpr int kManyProcesses = 5000;
#endif

void expect_stop_within_contract_beyond_exit_cost(ServerProcess& server) {
  const std::size_t live = child_pids(server.pid()).size();
  const auto kernel_cost = time_to_end_idle_processes(static_cast<int>(live));
  const auto bound = std::chrono::duration_cast<std::chrono::milliseconds>(2s + 1.5 * kernel_cost);
  const auto signalled = Clock::now();
  server.send_signal(SIGTERM);
  const std::optional<int> status = server.wait_exit(bound + 30s);
  ASSERT_TRUE(status.has_value()) << "still running after SIGTERM";
  EXPECT_EQ(*status, 0) << server.error_output();
  const std::chrono::duration<double> took = Clock::now() - signalled;
  ::testing::Test::RecordProperty("children", std::to_string(live));
  ::testing::Test::RecordProperty("stop_s", std::to_string(took.count()));
  ::testing::Test::RecordProperty("idle_processes_end_s", std::to_string(kernel_cost.count()));
  EXPECT_LE(took, bound) << "with " << live << " children; this machine ends as many idle "
                         << "processes in " << kernel_cost.count() << " s";
}

TEST(Prefork, SigtermWhileForkingThousandsOfChildrenDoesNotWaitForTheRest) {
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  ServerProcess server(
      {"--model", "prefork", "--port", "0", "--processes", std::to_string(kManyProcesses)});
  // A fifth forked: the rest would take seconds more to fork.
  const std::size_t some = kManyProcesses / 5;
  for (const auto give_up = Clock::now() + 120s;
       child_pids(server.pid()).size() < some && Clock::now() < give_up;) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_GE(child_pids(server.pid()).size(), some);
  expect_stop_within_contract_beyond_exit_cost(server);
}

TEST(ForkPerConnection, SigtermWithThousandsOfChildren) {
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  const int connections = kManyProcesses * 4 / 5;
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < static_cast<rlim_t>(connections) + 200) {
    GTEST_SKIP() << "needs " << connections + 200 << " descriptors; the hard limit is lower";
  }
  ServerProcess::Options options;
  options.max_fds = static_cast<rlim_t>(connections) + 200;
  ServerProcess server({"--model", "fork-per-connection", "--port", "0", "--max-connections",
                        std::to_string(connections)},
                       options);
  std::vector<UniqueFd> clients;
  clients.reserve(static_cast<std::size_t>(connections));
  for (int i = 0; i < connections; ++i) clients.push_back(connect_local(server.port()));
  for (const auto give_up = Clock::now() + 120s;
       child_pids(server.pid()).size() < clients.size() && Clock::now() < give_up;) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(child_pids(server.pid()).size(), clients.size()) << "not every connection was forked";
  expect_stop_within_contract_beyond_exit_cost(server);
}

// prefork's documented limit: --processes clients at a time. Client N+1 is
// connected (the kernel completes it into the backlog) but unanswered until
// a child finishes with a client, and then it is served.
TEST(Prefork, ClientBeyondTheProcessesWaitsThenIsServed) {
  ServerProcess server({"--model", "prefork", "--port", "0", "--processes", "2"});
  std::vector<UniqueFd> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(connect_local(server.port()));
    ASSERT_EQ(exchange(held.back().get(), "held"), "held");  // connection stays open
  }
  UniqueFd waiting = connect_local(server.port());
  ASSERT_EQ(::send(waiting.get(), "next", 4, MSG_NOSIGNAL), 4);
  pollfd readable{waiting.get(), POLLIN, 0};
  EXPECT_EQ(::poll(&readable, 1, 300), 0) << "a third client was served by two processes";
  held.pop_back();  // its child goes back to accept() and takes the waiting client
  EXPECT_EQ(::poll(&readable, 1, 10'000), 1) << "the waiting client was never served";
  char echo[4];
  EXPECT_EQ(::recv(waiting.get(), echo, sizeof echo, MSG_WAITALL), 4);
  EXPECT_EQ(std::string(echo, 4), "next");
}

TEST(Prefork, KilledChildIsReplacedWithinOneSecond) {
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  ServerProcess server({"--model", "prefork", "--port", "0", "--processes", "3"});
  std::vector<pid_t> before = child_pids(server.pid());
  for (const auto deadline = Clock::now() + 5s; before.size() < 3 && Clock::now() < deadline;) {
    std::this_thread::sleep_for(10ms);
    before = child_pids(server.pid());
  }
  ASSERT_EQ(before.size(), 3u);
  ASSERT_EQ(::kill(before[0], SIGKILL), 0);
  const auto killed = Clock::now();
  std::vector<pid_t> after;
  do {
    std::this_thread::sleep_for(10ms);
    after = child_pids(server.pid());
  } while ((after.size() < 3 || std::count(after.begin(), after.end(), before[0]) != 0) &&
           Clock::now() - killed < 1s);
  EXPECT_EQ(after.size(), 3u);
  EXPECT_EQ(std::count(after.begin(), after.end(), before[0]), 0) << "the killed child remains";
  EXPECT_EQ(zombie_children(server.pid()), 0);
  UniqueFd client = connect_local(server.port());
  EXPECT_EQ(exchange(client.get(), "still serving"), "still serving");
}

INSTANTIATE_TEST_SUITE_P(AllModels, ServerModel, ::testing::ValuesIn(concurrent_models()),
                         model_test_name);
INSTANTIATE_TEST_SUITE_P(ModelsWithThreads, ThreadedModel, ::testing::ValuesIn(threaded_models()),
                         model_test_name);

}  // namespace
}  // namespace echo::testing
