#include "echo_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>

#include "echo/socket_ops.hpp"

namespace echo::testing {
namespace {

using Clock = std::chrono::steady_clock;

int millis_left(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<std::int64_t>(0, left.count()));
}

}  // namespace

UniqueFd connect_local(std::uint16_t port) {
  UniqueFd fd = connect_tcp("127.0.0.1", port);
  const timeval timeout{30, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  return fd;
}

std::string random_bytes(std::size_t size, std::uint32_t seed) {
  std::mt19937 generator(seed);
  std::string bytes(size, '\0');
  for (auto& byte : bytes) byte = static_cast<char>(generator() & 0xff);
  return bytes;
}

std::string exchange(int fd, std::string_view data, std::span<const std::size_t> chunks,
                     std::chrono::milliseconds timeout) {
  set_nonblocking(fd);
  const auto deadline = Clock::now() + timeout;
  std::string received;
  received.reserve(data.size());
  std::size_t sent = 0;
  std::size_t chunk_index = 0;
  std::string buffer(std::size_t{64} * 1024, '\0');
  while (received.size() < data.size()) {
    pollfd pfd{fd, static_cast<short>(POLLIN | (sent < data.size() ? POLLOUT : 0)), 0};
    if (::poll(&pfd, 1, millis_left(deadline)) <= 0) break;  // deadline
    if (pfd.revents & POLLOUT) {
      const std::size_t chunk = std::min(chunks[chunk_index++ % chunks.size()], data.size() - sent);
      const ssize_t n = ::send(fd, data.data() + sent, chunk, MSG_NOSIGNAL);
      if (n > 0)
        sent += static_cast<std::size_t>(n);
      else if (errno != EAGAIN && errno != EINTR)
        break;
    }
    if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
      if (n > 0)
        received.append(buffer.data(), static_cast<std::size_t>(n));
      else if (n == 0 || (errno != EAGAIN && errno != EINTR))
        break;
    }
  }
  return received;
}

std::string exchange(int fd, std::string_view data, std::chrono::milliseconds timeout) {
  const std::size_t whole[] = {std::max<std::size_t>(data.size(), 1)};
  return exchange(fd, data, whole, timeout);
}

std::string read_to_eof(int fd, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string received;
  char buffer[16 * 1024];
  for (;;) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, millis_left(deadline)) <= 0) break;
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n > 0)
      received.append(buffer, static_cast<std::size_t>(n));
    else if (n == 0 || (errno != EAGAIN && errno != EINTR))
      break;
  }
  return received;
}

void reset_connection(UniqueFd fd) {
  const linger abort_on_close{1, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
  fd.reset();
}

}  // namespace echo::testing
