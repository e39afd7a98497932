#include "echo/socket_ops.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <system_error>

namespace echo {
namespace {

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

struct AddrInfoDeleter {
  void operator()(addrinfo* info) const noexcept { ::freeaddrinfo(info); }
};
using AddrInfoPtr = std::unique_ptr<addrinfo, AddrInfoDeleter>;

// Resolves host:port for a passive (listening) or active socket. Throws
// `Error` with a message naming the address.
template <typename Error>
AddrInfoPtr resolve(const std::string& host, std::uint16_t port, int socktype, bool passive) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = socktype;
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  addrinfo* result = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &result); rc != 0) {
    throw Error("cannot resolve " + format_endpoint(host, port) + ": " + ::gai_strerror(rc));
  }
  return AddrInfoPtr(result);
}

UniqueFd bound_socket(const std::string& host, std::uint16_t port, int socktype) {
  AddrInfoPtr info = resolve<StartError>(host, port, socktype, /*passive=*/true);
  UniqueFd fd(::socket(info->ai_family, info->ai_socktype | SOCK_CLOEXEC, info->ai_protocol));
  if (!fd) {
    const int error = errno;
    throw StartError("cannot create socket for " + format_endpoint(host, port) + ": " +
                     error_text(error));
  }
  // TCP: a restarted server may bind while its old connections sit in
  // TIME_WAIT. Never for UDP, where SO_REUSEADDR lets a second server bind
  // the same port and take its datagrams instead of failing to start.
  if (socktype == SOCK_STREAM) {
    const int on = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  }
  if (::bind(fd.get(), info->ai_addr, info->ai_addrlen) != 0) {
    const int error = errno;
    throw StartError("cannot listen on " + format_endpoint(host, port) + ": " + error_text(error));
  }
  return fd;
}

}  // namespace

std::string error_text(int error) { return std::system_category().message(error); }

std::string format_endpoint(const std::string& host, std::uint16_t port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Endpoint local_endpoint(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) throw_errno("getsockname");
  char text[INET6_ADDRSTRLEN] = {};
  Endpoint endpoint;
  if (addr.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    endpoint.port = ntohs(v6->sin6_port);
  } else {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    endpoint.port = ntohs(v4->sin_port);
  }
  endpoint.host = text;
  return endpoint;
}

UniqueFd listen_tcp(const std::string& host, std::uint16_t port) {
  UniqueFd fd = bound_socket(host, port, SOCK_STREAM);
  if (::listen(fd.get(), SOMAXCONN) != 0) {
    const int error = errno;
    throw StartError("cannot listen on " + format_endpoint(host, port) + ": " + error_text(error));
  }
  set_nonblocking(fd.get());
  return fd;
}

UniqueFd bind_udp(const std::string& host, std::uint16_t port) {
  return bound_socket(host, port, SOCK_DGRAM);
}

AcceptResult accept_connection(int listen_fd, bool nonblocking) {
  const int flags = SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0);
  UniqueFd fd(::accept4(listen_fd, nullptr, nullptr, flags));
  if (fd) {
    set_nodelay(fd.get());
    return {AcceptStatus::accepted, std::move(fd)};
  }
  switch (errno) {
    // Resource exhaustion: the connection stays in the backlog; retry later.
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM:
      return {AcceptStatus::out_of_fds, {}};
    // Nothing pending, interrupted, or a connection that failed before we got
    // to it (Linux reports pending network errors through accept).
    case EAGAIN:
    case EINTR:
    case ECONNABORTED:
    case EPROTO:
    case EPERM:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
      return {AcceptStatus::nothing_ready, {}};
    default:  // EBADF, ENOTSOCK, EINVAL, EFAULT: a bug in the caller.
      throw_errno("accept4");
  }
}

PeerAddress resolve_peer(const std::string& host, std::uint16_t port, int socktype) {
  AddrInfoPtr info = resolve<std::runtime_error>(host, port, socktype, /*passive=*/false);
  PeerAddress peer;
  std::memcpy(&peer.storage, info->ai_addr, info->ai_addrlen);
  peer.length = info->ai_addrlen;
  peer.family = info->ai_family;
  return peer;
}

UniqueFd connect_tcp(const std::string& host, std::uint16_t port) {
  AddrInfoPtr info = resolve<std::runtime_error>(host, port, SOCK_STREAM, /*passive=*/false);
  int last_error = 0;
  // "localhost" may resolve to ::1 and 127.0.0.1: try each address in turn.
  for (const addrinfo* ai = info.get(); ai != nullptr; ai = ai->ai_next) {
    UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
    if (!fd) throw_errno("socket");
    int rc;
    do {
      rc = ::connect(fd.get(), ai->ai_addr, ai->ai_addrlen);
    } while (rc != 0 && errno == EINTR);
    if (rc == 0) {
      set_nodelay(fd.get());
      return fd;
    }
    last_error = errno;
  }
  throw std::runtime_error("cannot connect to " + format_endpoint(host, port) + ": " +
                           error_text(last_error));
}

void set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) throw_errno("fcntl(O_NONBLOCK)");
}

void set_blocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0)
    throw_errno("fcntl(~O_NONBLOCK)");
}

void set_nodelay(int fd) {
  const int on = 1;
  // Fails only for non-TCP sockets, where there is nothing to disable.
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

ssize_t send_available(int fd, const char* data, std::size_t size) {
  std::size_t sent = 0;
  while (sent < size) {
    const ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      break;
    } else if (errno != EINTR) {
      return -1;
    }
  }
  return static_cast<ssize_t>(sent);
}

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace echo
