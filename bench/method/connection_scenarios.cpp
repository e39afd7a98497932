#include "connection_scenarios.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <mutex>
#include <string>
#include <thread>

#include "echo/socket_ops.hpp"

namespace echo::bench {
namespace {

using Clock = std::chrono::steady_clock;

enum class EchoOutcome { ok, failed, mismatch };

// One echo of `message` on a blocking socket with a receive timeout.
EchoOutcome echo_once(int fd, const std::string& message) {
  if (!write_all(fd, message.data(), message.size())) return EchoOutcome::failed;
  std::string back(message.size(), '\0');
  std::size_t got = 0;
  while (got < back.size()) {
    const ssize_t n = ::recv(fd, back.data() + got, back.size() - got, 0);
    if (n <= 0) return EchoOutcome::failed;
    got += static_cast<std::size_t>(n);
  }
  return back == message ? EchoOutcome::ok : EchoOutcome::mismatch;
}

void set_receive_timeout(int fd, int seconds) {
  const timeval timeout{seconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
}

}  // namespace

IdleConnections open_idle_connections(std::uint16_t port, unsigned count) {
  IdleConnections idle;
  const auto started = Clock::now();
  const std::string hello = "!";
  for (unsigned i = 0; i < count; ++i) {
    try {
      UniqueFd fd = connect_tcp("127.0.0.1", port);
      set_receive_timeout(fd.get(), 10);
      if (echo_once(fd.get(), hello) != EchoOutcome::ok) {
        idle.first_error = "connection " + std::to_string(i) + " was not served";
        break;
      }
      idle.sockets.push_back(std::move(fd));
    } catch (const std::exception& error) {
      idle.first_error = error.what();
      break;
    }
  }
  idle.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return idle;
}

ChurnResult run_churn(std::uint16_t port, unsigned threads, std::size_t size,
                      std::chrono::milliseconds duration) {
  ChurnResult total;
  std::mutex mutex;  // guards total, merged once per thread
  const auto started = Clock::now();
  const auto deadline = started + duration;
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      ChurnResult mine;
      const std::string message(size, static_cast<char>('a' + t % 26));
      while (Clock::now() < deadline) {
        const auto begin = Clock::now();
        try {
          UniqueFd fd = connect_tcp("127.0.0.1", port);
          set_receive_timeout(fd.get(), 10);
          const EchoOutcome outcome = echo_once(fd.get(), message);
          if (outcome != EchoOutcome::ok) {
            ++(outcome == EchoOutcome::mismatch ? mine.mismatches : mine.errors);
            continue;
          }
        } catch (const std::exception&) {
          ++mine.errors;
          continue;
        }
        mine.latency.record(
            std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - begin).count());
        ++mine.cycles;
      }
      std::lock_guard lock(mutex);
      total.cycles += mine.cycles;
      total.errors += mine.errors;
      total.mismatches += mine.mismatches;
      total.latency.merge(mine.latency);
    });
  }
  for (auto& thread : pool) thread.join();
  total.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return total;
}

}  // namespace echo::bench
