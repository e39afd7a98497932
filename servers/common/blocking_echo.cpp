#include "blocking_echo.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "echo/socket_ops.hpp"

namespace echo {

EchoEnd echo_until_closed(int fd, const SimulatedWork& work) {
  std::array<char, kEchoChunkBytes> buffer;
  std::uint64_t received = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n > 0) {
      work.after_read(static_cast<std::size_t>(n), received);
      if (!write_all(fd, buffer.data(), static_cast<std::size_t>(n))) return EchoEnd::error;
    } else if (n == 0) {
      ::shutdown(fd, SHUT_WR);
      return EchoEnd::peer_closed;
    } else if (errno != EINTR) {
      return EchoEnd::error;
    }
  }
}

}  // namespace echo
