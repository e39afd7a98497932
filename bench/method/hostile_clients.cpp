#include "hostile_clients.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "echo/socket_ops.hpp"

namespace echo::bench {
namespace {

using Clock = std::chrono::steady_clock;

// What a non-reader sends before it stops: more than its own small receive
// buffer and the server's send buffer hold, so the server's echo is stuck.
constexpr std::size_t kNonReaderBytes = std::size_t{256} * 1024;
// A non-reader's receive buffer: small, so its echo backs up at once.
constexpr int kNonReaderReceiveBuffer = 4096;

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

// A non-blocking socket with its connect under way (or failed: empty).
UniqueFd start_connect(std::uint16_t port, int receive_buffer = 0) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return {};
  if (receive_buffer > 0)
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  const sockaddr_in address = loopback(port);
  const int done = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address);
  if (done != 0 && errno != EINPROGRESS) return {};
  return fd;
}

// Waits until every socket's connect has completed or failed, or `limit`
// passes; keeps the established ones in `sockets` and returns how many
// failed or never completed.
unsigned finish_connects(std::vector<UniqueFd>& sockets, std::chrono::milliseconds limit) {
  std::vector<pollfd> waiting;
  waiting.reserve(sockets.size());
  for (const UniqueFd& fd : sockets) waiting.push_back({fd.get(), POLLOUT, 0});
  std::vector<bool> done(sockets.size(), false);
  std::size_t left = sockets.size();
  for (const auto until = Clock::now() + limit; left > 0 && Clock::now() < until;) {
    if (::poll(waiting.data(), waiting.size(), 100) <= 0) continue;
    for (std::size_t i = 0; i < waiting.size(); ++i) {
      if (done[i] || waiting[i].revents == 0) continue;
      done[i] = true;
      waiting[i].fd = -1;  // poll skips it from now on
      --left;
    }
  }
  std::vector<UniqueFd> established;
  established.reserve(sockets.size());
  for (std::size_t i = 0; i < sockets.size(); ++i) {
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(sockets[i].get(), SOL_SOCKET, SO_ERROR, &error, &length);
    if (done[i] && error == 0) established.push_back(std::move(sockets[i]));
  }
  const auto failed = static_cast<unsigned>(sockets.size() - established.size());
  sockets = std::move(established);
  return failed;
}

// Sends up to kNonReaderBytes, as much as the buffers take without waiting.
void send_and_stop_reading(int fd) {
  static const std::string block(std::size_t{64} * 1024, 'h');
  for (std::size_t sent = 0; sent < kNonReaderBytes;) {
    const ssize_t n = ::send(fd, block.data(), block.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

// Sleeps `total`, a slice at a time, returning early (false) once `stop` is set.
bool sleep_unless_stopped(const std::atomic<bool>& stop, std::chrono::milliseconds total) {
  for (const auto until = Clock::now() + total; Clock::now() < until;) {
    if (stop.load()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return !stop.load();
}

}  // namespace

const char* hostile_kind_name(HostileKind kind) {
  switch (kind) {
    case HostileKind::idle:
      return "idle";
    case HostileKind::trickle:
      return "trickle";
    case HostileKind::non_reader:
      return "non-reader";
    case HostileKind::flood:
      return "flood";
  }
  return "?";
}

std::optional<HostileKind> parse_hostile_kind(const std::string& name) {
  for (const HostileKind kind :
       {HostileKind::idle, HostileKind::trickle, HostileKind::non_reader, HostileKind::flood}) {
    if (name == hostile_kind_name(kind)) return kind;
  }
  return std::nullopt;
}

HostileClients::HostileClients(std::uint16_t port, HostileKind kind, unsigned count,
                               std::chrono::milliseconds connect_limit)
    : port_(port) {
  if (kind == HostileKind::flood) {
    thread_ = std::thread([this] { flood_until_stopped(); });
    return;
  }
  const int receive_buffer = kind == HostileKind::non_reader ? kNonReaderReceiveBuffer : 0;
  sockets_.reserve(count);
  for (unsigned i = 0; i < count; ++i) {
    UniqueFd fd = start_connect(port, receive_buffer);
    if (fd)
      sockets_.push_back(std::move(fd));
    else
      ++refused_;
  }
  refused_ += finish_connects(sockets_, connect_limit);
  if (kind == HostileKind::non_reader) {
    for (const UniqueFd& fd : sockets_) send_and_stop_reading(fd.get());
  }
  if (kind == HostileKind::trickle) thread_ = std::thread([this] { trickle_until_stopped(); });
}

HostileClients::~HostileClients() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

HostileCounts HostileClients::counts() const {
  HostileCounts counts;
  counts.attached = static_cast<unsigned>(sockets_.size());
  counts.refused = refused_ + flood_refused_.load();
  counts.flood_cycles = flood_cycles_.load();
  std::vector<pollfd> fds;
  fds.reserve(sockets_.size());
  for (const UniqueFd& fd : sockets_) fds.push_back({fd.get(), POLLRDHUP, 0});
  if (!fds.empty() && ::poll(fds.data(), fds.size(), 0) > 0) {
    for (const pollfd& fd : fds) {
      if ((fd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) ++counts.closed;
    }
  }
  return counts;
}

// One byte per second on every connection: never silent long enough for
// most idle timeouts, never a whole request.
void HostileClients::trickle_until_stopped() {
  while (sleep_unless_stopped(stop_, std::chrono::seconds(1))) {
    for (const UniqueFd& fd : sockets_) ::send(fd.get(), "t", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
  }
}

// Connect, then reset (SO_LINGER 0: no TIME_WAIT left to run the ports
// out), as fast as one thread can.
void HostileClients::flood_until_stopped() {
  const linger reset{1, 0};
  while (!stop_.load()) {
    std::vector<UniqueFd> one;
    if (UniqueFd fd = start_connect(port_)) one.push_back(std::move(fd));
    if (one.empty() || finish_connects(one, std::chrono::seconds(1)) > 0) {
      ++flood_refused_;
      continue;
    }
    ::setsockopt(one[0].get(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    ++flood_cycles_;
  }
}

}  // namespace echo::bench
