#pragma once
// Misbehaving echo servers that live inside a test process, on ephemeral
// ports, to prove that echo-load measures and checks what it claims to.
// Each serves until destroyed; the destructor stops and joins every thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "echo/unique_fd.hpp"

namespace echo::testing {

struct FakeBehaviour {
  std::chrono::microseconds delay{0};         ///< sleep before echoing each chunk
  std::chrono::milliseconds freeze_every{0};  ///< every this long...
  std::chrono::milliseconds freeze_for{0};    ///< ...stop echoing for this long
  std::uint64_t corrupt_every_bytes = 0;      ///< flip one byte at each multiple
  std::chrono::milliseconds close_after{0};   ///< close each connection after this
  std::chrono::milliseconds stall_after{0};   ///< stop answering (not closing) after this
  /// Stop answering (not closing) a connection once it has echoed this much.
  std::uint64_t deaf_after_bytes = 0;
  /// stall_after and deaf_after_bytes only on every this-many-th connection (0: all).
  unsigned stall_every = 0;
  unsigned deaf_every = 0;  ///< never answer every this-many-th connection (2: half of them)
  std::chrono::milliseconds first_echo_delay{
      0};  ///< wait this long before a connection's first echo
  /// Service time per whole message of `message_size` bytes, so one
  /// connection serves at most 1 / per_message messages a second: below
  /// that rate latency stays near per_message, above it a queue builds.
  std::chrono::microseconds per_message{0};
  std::size_t message_size = 64;
  /// Take connections on slowly: wait this long before each accept (a server
  /// that forks or spawns per connection on a slow machine).
  std::chrono::milliseconds accept_every{0};
  /// Reset each connection (RST) once it has echoed this many bytes.
  std::uint64_t reset_after_bytes = 0;
};

/// TCP echo server, one thread per connection, with the given misbehaviour.
class FakeTcpServer {
 public:
  explicit FakeTcpServer(FakeBehaviour behaviour);
  ~FakeTcpServer();
  FakeTcpServer(const FakeTcpServer&) = delete;
  FakeTcpServer& operator=(const FakeTcpServer&) = delete;
  [[nodiscard]] std::uint16_t port() const { return port_; }
  /// For each connection in the order accepted: the bytes the server had
  /// received on all earlier ones at the moment it accepted this one.
  [[nodiscard]] std::vector<std::uint64_t> received_before_each_accept();

 private:
  void accept_loop();
  void serve(int fd, bool deaf, bool stalls);
  void reset_connection(int fd);  // closes it with SO_LINGER 0

  FakeBehaviour behaviour_;
  UniqueFd listener_;
  std::uint16_t port_ = 0;
  std::chrono::steady_clock::time_point started_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;  // guards connections_ and received_before_accept_
  std::vector<UniqueFd> connections_;
  std::vector<std::uint64_t> received_before_accept_;
  std::atomic<std::uint64_t> received_{0};  // bytes, over every connection
  std::vector<std::thread> threads_;        // accept loop thread only
  std::thread acceptor_;
};

/// UDP echo server that drops every `drop_every`-th datagram.
class FakeUdpServer {
 public:
  explicit FakeUdpServer(int drop_every);
  ~FakeUdpServer();
  FakeUdpServer(const FakeUdpServer&) = delete;
  FakeUdpServer& operator=(const FakeUdpServer&) = delete;
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::uint64_t dropped() const { return dropped_.load(); }

 private:
  UniqueFd socket_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace echo::testing
