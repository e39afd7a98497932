#include "fake_servers.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>

#include "echo/socket_ops.hpp"

namespace echo::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Waits up to 50 ms for `fd` to become readable, so loops can see stopping_.
bool readable(int fd) {
  pollfd pfd{fd, POLLIN, 0};
  return ::poll(&pfd, 1, 50) > 0;
}

}  // namespace

FakeTcpServer::FakeTcpServer(FakeBehaviour behaviour)
    : behaviour_(behaviour),
      listener_(listen_tcp("127.0.0.1", 0)),
      port_(local_endpoint(listener_.get()).port),
      started_(Clock::now()),
      acceptor_([this] { accept_loop(); }) {}

FakeTcpServer::~FakeTcpServer() {
  stopping_ = true;
  acceptor_.join();
  for (auto& thread : threads_) thread.join();
}

void FakeTcpServer::accept_loop() {
  while (!stopping_) {
    if (!readable(listener_.get())) continue;
    if (behaviour_.accept_every.count() > 0) std::this_thread::sleep_for(behaviour_.accept_every);
    AcceptResult result = accept_connection(listener_.get(), /*nonblocking=*/false);
    if (result.status != AcceptStatus::accepted) continue;
    const int fd = result.fd.get();
    std::size_t accepted = 0;
    {
      std::lock_guard lock(mutex_);
      received_before_accept_.push_back(received_.load());
      connections_.push_back(std::move(result.fd));
      accepted = connections_.size();
    }
    const bool deaf = behaviour_.deaf_every > 0 && accepted % behaviour_.deaf_every == 0;
    const bool stalls = behaviour_.stall_every == 0 || accepted % behaviour_.stall_every == 0;
    threads_.emplace_back([this, fd, deaf, stalls] { serve(fd, deaf, stalls); });
  }
}

std::vector<std::uint64_t> FakeTcpServer::received_before_each_accept() {
  std::lock_guard lock(mutex_);
  return received_before_accept_;
}

void FakeTcpServer::serve(int fd, bool deaf, bool stalls) {
  std::array<char, 16384> buffer;
  std::uint64_t echoed = 0;
  const auto connected = Clock::now();
  while (!stopping_) {
    if (behaviour_.close_after.count() > 0 && Clock::now() - connected >= behaviour_.close_after) {
      ::shutdown(fd, SHUT_RDWR);
      return;
    }
    if (!readable(fd)) continue;
    if (deaf ||
        (stalls && behaviour_.deaf_after_bytes > 0 && echoed >= behaviour_.deaf_after_bytes) ||
        (stalls && behaviour_.stall_after.count() > 0 &&
         Clock::now() - started_ >= behaviour_.stall_after)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // alive, but deaf
      continue;
    }
    // A server that goes deaf after N bytes reads no further than byte N, so
    // a late read that finds several messages queued never echoes past it.
    std::size_t want = buffer.size();
    if (stalls && behaviour_.deaf_after_bytes > 0)
      want = std::min<std::uint64_t>(want, behaviour_.deaf_after_bytes - echoed);
    const ssize_t n = ::recv(fd, buffer.data(), want, 0);
    if (n <= 0) return;
    received_ += static_cast<std::uint64_t>(n);
    if (echoed == 0 && behaviour_.first_echo_delay.count() > 0)
      std::this_thread::sleep_for(behaviour_.first_echo_delay);
    if (behaviour_.delay.count() > 0) std::this_thread::sleep_for(behaviour_.delay);
    if (behaviour_.per_message.count() > 0) {
      // Whole messages completed by this chunk, each costing per_message.
      const auto before = echoed / behaviour_.message_size;
      const auto after = (echoed + static_cast<std::uint64_t>(n)) / behaviour_.message_size;
      std::this_thread::sleep_for(behaviour_.per_message * static_cast<long>(after - before));
    }
    if (behaviour_.freeze_every.count() > 0) {
      // Frozen during the first freeze_for of every freeze_every period.
      const auto period = behaviour_.freeze_every;
      const auto into = (Clock::now() - started_) % period;
      if (into < behaviour_.freeze_for) std::this_thread::sleep_for(behaviour_.freeze_for - into);
    }
    if (behaviour_.corrupt_every_bytes > 0) {
      for (ssize_t i = 0; i < n; ++i) {
        if ((echoed + static_cast<std::uint64_t>(i) + 1) % behaviour_.corrupt_every_bytes == 0)
          buffer[i] ^= 0x5a;
      }
    }
    echoed += static_cast<std::uint64_t>(n);
    if (!write_all(fd, buffer.data(), static_cast<std::size_t>(n))) return;
    if (behaviour_.reset_after_bytes > 0 && echoed >= behaviour_.reset_after_bytes) {
      reset_connection(fd);
      return;
    }
  }
}

void FakeTcpServer::reset_connection(int fd) {
  const linger reset{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  std::lock_guard lock(mutex_);
  for (UniqueFd& connection : connections_) {
    if (connection.get() == fd) connection.reset();  // the close sends RST
  }
}

FakeUdpServer::FakeUdpServer(int drop_every)
    : socket_(bind_udp("127.0.0.1", 0)), port_(local_endpoint(socket_.get()).port) {
  thread_ = std::thread([this, drop_every] {
    std::array<char, 65536> buffer;
    std::uint64_t received = 0;
    while (!stopping_) {
      if (!readable(socket_.get())) continue;
      sockaddr_storage peer{};
      socklen_t length = sizeof peer;
      const ssize_t n = ::recvfrom(socket_.get(), buffer.data(), buffer.size(), 0,
                                   reinterpret_cast<sockaddr*>(&peer), &length);
      if (n < 0) continue;
      if (++received % static_cast<std::uint64_t>(drop_every) == 0) {
        ++dropped_;
        continue;
      }
      ::sendto(socket_.get(), buffer.data(), static_cast<std::size_t>(n), 0,
               reinterpret_cast<sockaddr*>(&peer), length);
    }
  });
}

FakeUdpServer::~FakeUdpServer() {
  stopping_ = true;
  thread_.join();
}

}  // namespace echo::testing
