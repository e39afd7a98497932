#pragma once
// Thin, error-checked wrappers over the BSD socket calls that every model
// shares. Functions that cannot fail for a well-formed program throw
// std::system_error; failures a server must survive are returned as values.

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "echo/unique_fd.hpp"

namespace echo {

/// The server could not start: the message names the address and the reason.
/// main() turns it into exit status 1.
class StartError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// "127.0.0.1:9999" or "[::1]:9999": how addresses are printed everywhere.
std::string format_endpoint(const std::string& host, std::uint16_t port);

/// The text for an errno value, safe on any thread (unlike strerror).
std::string error_text(int error);

/// The numeric address and port a socket is bound to.
struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
};
Endpoint local_endpoint(int fd);

/// A non-blocking, close-on-exec TCP listener (SO_REUSEADDR, backlog SOMAXCONN).
/// `host` is a numeric IPv4/IPv6 address or a name such as "localhost".
/// Throws StartError naming the address when it cannot bind or listen.
UniqueFd listen_tcp(const std::string& host, std::uint16_t port);

/// A close-on-exec UDP socket bound to host:port; throws StartError.
UniqueFd bind_udp(const std::string& host, std::uint16_t port);

/// Outcome of one accept() on a non-blocking listener.
enum class AcceptStatus {
  accepted,       ///< `fd` holds the new connection (TCP_NODELAY set)
  nothing_ready,  ///< no connection pending, or one that died in the backlog
  out_of_fds,     ///< EMFILE/ENFILE/ENOBUFS/ENOMEM: back off, then retry
};
struct AcceptResult {
  AcceptStatus status;
  UniqueFd fd;
};

/// Accepts one connection. `nonblocking` sets O_NONBLOCK on the new socket.
/// Errors that mean a bug (EBADF, ENOTSOCK, EINVAL...) throw std::system_error.
AcceptResult accept_connection(int listen_fd, bool nonblocking);

/// A resolved peer address, ready for connect().
struct PeerAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = 0;
};

/// Resolves host:port for `socktype` (SOCK_STREAM/SOCK_DGRAM), first address
/// first. Throws std::runtime_error naming host and port.
PeerAddress resolve_peer(const std::string& host, std::uint16_t port, int socktype);

/// Opens a blocking TCP connection (TCP_NODELAY). Throws std::runtime_error
/// naming host, port and the reason. Used by tests and the load generator.
UniqueFd connect_tcp(const std::string& host, std::uint16_t port);

/// Sends from `data` what a non-blocking socket takes now, retrying on EINTR
/// and stopping at EAGAIN. Returns the bytes sent (fewer than `size` when
/// the peer's window is full), or -1 when the peer is gone.
ssize_t send_available(int fd, const char* data, std::size_t size);

void set_nonblocking(int fd);
void set_blocking(int fd);
void set_nodelay(int fd);

/// Writes all `size` bytes to a blocking fd, retrying on EINTR and short
/// writes. Returns false when the peer is gone (EPIPE, ECONNRESET...).
bool write_all(int fd, const char* data, std::size_t size);

}  // namespace echo
