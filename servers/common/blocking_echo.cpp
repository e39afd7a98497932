#include "blocking_echo.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "connection_defences.hpp"
#include "echo/socket_ops.hpp"

namespace echo {
namespace {

// Why the last read or write failed: a socket timeout (EAGAIN on a
// blocking socket) or anything else.
EchoEnd failed(int fd) {
  if (errno != EAGAIN && errno != EWOULDBLOCK) return EchoEnd::error;
  reset_when_closed(fd);
  return EchoEnd::timed_out;
}

}  // namespace

EchoEnd echo_until_closed(int fd, const SimulatedWork& work) {
  std::array<char, kEchoChunkBytes> buffer;
  std::uint64_t received = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n > 0) {
      work.after_read(static_cast<std::size_t>(n), received);
      if (!write_all(fd, buffer.data(), static_cast<std::size_t>(n))) return failed(fd);
    } else if (n == 0) {
      ::shutdown(fd, SHUT_WR);
      return EchoEnd::peer_closed;
    } else if (errno != EINTR) {
      return failed(fd);
    }
  }
}

}  // namespace echo
