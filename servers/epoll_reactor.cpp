// epoll-reactor: one event loop per thread, written on epoll with nothing in
// between: the model of nginx, Redis and memcached, and muduo's "one loop per
// thread". It is what asio-coroutine does underneath, without the library.
//
// Each of the --threads loops owns an epoll set and the connections it
// accepted; nothing is shared between loops except the listening socket.
//
// Why these choices:
// - How connections reach the loops: every loop watches the one listener
//   with EPOLLEXCLUSIVE, so the kernel wakes one loop per new connection and
//   that loop accepts it. No acceptor thread hands descriptors over (muduo's
//   way costs a queue and a wake-up per connection), and unlike SO_REUSEPORT
//   listeners per loop, a second server started on the same port fails with
//   "in use" instead of silently taking half the connections.
// - Level-triggered: a loop reads at most kReadsPerTurn times per connection
//   and event, then moves on; the connection is reported again on the next
//   wait if data is left. One flooding client cannot starve the others, and
//   no path has to drain a socket to EAGAIN to stay correct, as
//   edge-triggered requires.
// - Output: what a peer does not take is kept in the connection's buffer,
//   and the connection then waits for EPOLLOUT *instead of* EPOLLIN. A client
//   that never reads holds one read's worth of memory, never more, and the
//   loop stops reading from it (back-pressure through TCP).
// - Defences: each connection keeps the coarse time it last received and
//   since when its echo has waited (common/connection_defences); with
//   --idle-timeout or --write-timeout the loop wakes at least once per scan
//   period and closes what has expired: one pass over its connections, no
//   timer per connection. At --max-connections (counted over all loops) a
//   loop stops watching the listener, so new clients wait in the backlog,
//   and looks again every 100 ms.
// - UDP (--udp): the loops share one socket, watched with EPOLLEXCLUSIVE,
//   and echo in batches: one recvmmsg() and one sendmmsg() for up to
//   --udp-batch (32) datagrams (common/datagram_batch).

#include <sys/epoll.h>
#include <sys/socket.h>

#include <boost/thread/thread.hpp>
#include <cerrno>
#include <chrono>
#include <memory>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "common/accept_backoff.hpp"
#include "common/connection_defences.hpp"
#include "common/datagram_batch.hpp"
#include "common/log.hpp"
#include "echo/socket_ops.hpp"
#include "model_registry.hpp"

namespace echo {
namespace {

constexpr std::size_t kReadBufferBytes = std::size_t{64} * 1024;
constexpr int kReadsPerTurn = 4;
constexpr int kMaxEvents = 256;

struct Connection {
  UniqueFd socket;
  std::vector<char> pending;  // read, not yet taken by the peer
  std::size_t pending_offset = 0;
  std::uint64_t received = 0;  // bytes so far, for per-request simulated work
  Liveness liveness;           // read only with --idle-timeout or --write-timeout
};

// One loop: its epoll set, its connections, its thread.
class EventLoop {
 public:
  // `listener` is the shared TCP listener, or with `datagrams` the shared
  // UDP socket, which every loop also watches with EPOLLEXCLUSIVE.
  EventLoop(int listener, bool datagrams, unsigned udp_batch, int shutdown_fd,
            const SimulatedWork& work, const Defences& defences, ConnectionLimit& limit)
      : epoll_(::epoll_create1(EPOLL_CLOEXEC)),
        listener_(listener),
        work_(work),
        defences_(defences),
        limit_(limit),
        buffer_(datagrams ? 0 : kReadBufferBytes),
        datagrams_(datagrams ? std::make_unique<DatagramBatch>(udp_batch) : nullptr) {
    if (!epoll_) throw std::system_error(errno, std::generic_category(), "epoll_create1");
    add(shutdown_fd, EPOLLIN, &shutdown_tag_);
    watch_listener();
  }

  // Serves until the shutdown descriptor becomes readable, then closes every
  // connection it owns.
  void run() {
    std::vector<epoll_event> events(kMaxEvents);
    const bool timed = defences_.timeouts();
    const auto scan_period = static_cast<int>(defences_.scan_period().count());
    std::int64_t next_scan_ms = 0;
    for (;;) {
      const int timeout = !accepting_ ? kAcceptBackoffMs : timed ? scan_period : -1;
      const int n = ::epoll_wait(epoll_.get(), events.data(), kMaxEvents, timeout);
      if (!accepting_ && std::chrono::steady_clock::now() >= resume_accept_ && !limit_.reached())
        watch_listener();
      if (timed) now_ms_ = coarse_now_ms();
      for (int i = 0; i < n; ++i) {
        void* tag = events[i].data.ptr;
        if (tag == &shutdown_tag_) return;
        if (tag == &listener_tag_ && datagrams_) {
          // A few batches per wake-up, then the other events get their turn.
          for (int turn = 0; turn < kReadsPerTurn &&
                             datagrams_->echo_waiting(listener_, work_) == datagrams_->batch();
               ++turn) {
          }
        } else if (tag == &listener_tag_) {
          // The place is taken before the accept, so loops that race for
          // the last one cannot both pass --max-connections.
          if (!limit_.try_open()) {
            stop_watching_listener(std::chrono::milliseconds(0));
          } else if (const Accepted got = accept_one(); got != Accepted::kept) {
            limit_.closed();  // the place taken went unused
            // Out of descriptors: stop watching the listener for a while, or
            // level-triggered epoll would report it again at once.
            if (got == Accepted::out_of_fds) stop_watching_listener(kAcceptBackoff);
          }
        } else {
          serve(*static_cast<Connection*>(tag));
        }
      }
      // After this wait's events, never before: a connection closed here
      // may have an event in `events`, which would then point at freed memory.
      if (timed && now_ms_ >= next_scan_ms) {
        close_expired();
        next_scan_ms = now_ms_ + scan_period;
      }
    }
  }

 private:
  void add(int fd, std::uint32_t events, void* tag) {
    epoll_event event{};
    event.events = events;
    event.data.ptr = tag;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
      throw std::system_error(errno, std::generic_category(), "epoll_ctl");
    }
  }

  void watch_listener() {
    add(listener_, EPOLLIN | EPOLLEXCLUSIVE, &listener_tag_);
    accepting_ = true;
  }

  // Until `pause` has passed and the limit allows again.
  void stop_watching_listener(std::chrono::milliseconds pause) {
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listener_, nullptr);
    accepting_ = false;
    resume_accept_ = std::chrono::steady_clock::now() + pause;
  }

  // One pass over the loop's connections (defences_.scan_period() apart).
  void close_expired() {
    for (auto it = connections_.begin(); it != connections_.end();) {
      if (it->first->liveness.expired(now_ms_, defences_)) {
        reset_when_closed(it->first->socket.get());
        it = connections_.erase(it);
        limit_.closed();
      } else {
        ++it;
      }
    }
  }

  enum class Accepted { kept, none, out_of_fds };

  // One connection per wake-up, so that with several loops the kernel's
  // exclusive wake-ups spread a burst of connections over all of them.
  Accepted accept_one() {
    AcceptResult result = accept_connection(listener_, /*nonblocking=*/true);
    if (result.status == AcceptStatus::out_of_fds) {
      log_accept_backoff();
      return Accepted::out_of_fds;
    }
    if (result.status != AcceptStatus::accepted) return Accepted::none;  // another loop took it
    auto connection = std::make_unique<Connection>();
    connection->socket = std::move(result.fd);
    Connection* raw = connection.get();
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = raw;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, raw->socket.get(), &event) != 0) {
      log_warning("epoll_ctl failed, closing a new connection");
      return Accepted::none;
    }
    raw->liveness.received(now_ms_);
    connections_.emplace(raw, std::move(connection));
    return Accepted::kept;
  }

  // By state, not by event bits: a connection with output pending waits for
  // EPOLLOUT only, but an error (EPOLLERR, EPOLLHUP) is reported regardless,
  // and reading then would echo new data ahead of the old.
  void serve(Connection& c) {
    const bool keep = c.pending.empty() ? read_and_echo(c) : flush(c);
    if (keep) return;
    connections_.erase(&c);  // closing also removes it from epoll
    limit_.closed();
  }

  // Reads and echoes up to kReadsPerTurn times. Returns false to close.
  bool read_and_echo(Connection& c) {
    const int fd = c.socket.get();
    for (int reads = 0; reads < kReadsPerTurn; ++reads) {
      const ssize_t n = ::recv(fd, buffer_.data(), buffer_.size(), 0);
      if (n > 0) {
        c.liveness.received(now_ms_);
        work_.after_read(static_cast<std::size_t>(n), c.received);
        const ssize_t sent = send_available(fd, buffer_.data(), static_cast<std::size_t>(n));
        if (sent < 0) return false;
        if (sent < n) {  // the peer is slow: keep the rest, wait until it can take more
          c.pending.assign(buffer_.data() + sent, buffer_.data() + n);
          c.pending_offset = 0;
          c.liveness.output_waiting(now_ms_);
          return wait_for(c, EPOLLOUT);
        }
      } else if (n == 0) {
        ::shutdown(fd, SHUT_WR);  // everything received has been echoed
        return false;
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return true;
      } else if (errno != EINTR) {
        return false;
      }
    }
    return true;  // still readable: level-triggered epoll reports it again
  }

  // Sends pending output; back to reading once it is all gone.
  bool flush(Connection& c) {
    const char* data = c.pending.data() + c.pending_offset;
    const std::size_t size = c.pending.size() - c.pending_offset;
    const ssize_t sent = send_available(c.socket.get(), data, size);
    if (sent < 0) return false;
    c.pending_offset += static_cast<std::size_t>(sent);
    if (static_cast<std::size_t>(sent) < size) {  // EPOLLOUT stays armed
      if (sent > 0) c.liveness.output_waiting(now_ms_);
      return true;
    }
    std::vector<char>().swap(c.pending);  // give the memory back
    c.pending_offset = 0;
    c.liveness.output_flushed();
    return wait_for(c, EPOLLIN);
  }

  bool wait_for(Connection& c, std::uint32_t events) {
    epoll_event event{};
    event.events = events;
    event.data.ptr = &c;
    return ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c.socket.get(), &event) == 0;
  }

  UniqueFd epoll_;
  int listener_;  // owned by EpollReactorServer
  const SimulatedWork& work_;
  const Defences& defences_;
  ConnectionLimit& limit_;                    // shared by the loops; owned by the server
  std::vector<char> buffer_;                  // one read buffer per loop, not per connection
  std::unique_ptr<DatagramBatch> datagrams_;  // UDP only
  bool accepting_ = false;
  std::chrono::steady_clock::time_point resume_accept_{};
  std::int64_t now_ms_ = 0;  // coarse clock after each wait, with timeouts only
  char listener_tag_ = 0;    // addresses that mark the non-connection entries
  char shutdown_tag_ = 0;
  std::unordered_map<Connection*, std::unique_ptr<Connection>> connections_;
};

class EpollReactorServer final : public Server {
 public:
  explicit EpollReactorServer(const ServerConfig& config)
      : config_(config),
        defences_(Defences::from(config)),
        limit_(defences_.max_connections,
               "not accepting until a connection closes; new clients wait in the backlog") {}

  std::uint16_t start() override {
    if (config_.udp) {
      listener_ = bind_udp(config_.host, config_.port);
      set_nonblocking(listener_.get());
    } else {
      listener_ = listen_tcp(config_.host, config_.port);
    }
    return local_endpoint(listener_.get()).port;
  }

  void run(int shutdown_fd) override {
    const unsigned threads = std::max(1u, config_.threads);
    std::vector<std::unique_ptr<EventLoop>> loops;
    for (unsigned i = 0; i < threads; ++i) {
      loops.push_back(std::make_unique<EventLoop>(listener_.get(), config_.udp, config_.udp_batch,
                                                  shutdown_fd, config_.work, defences_, limit_));
    }
    // Loop 0 runs on the main thread; the others on their own threads.
    boost::thread_group others;
    for (unsigned i = 1; i < threads; ++i)
      others.create_thread([&loop = *loops[i]] { loop.run(); });
    loops[0]->run();
    others.join_all();
  }

 private:
  ServerConfig config_;
  Defences defences_;
  ConnectionLimit limit_;
  UniqueFd listener_;
};

}  // namespace

std::unique_ptr<Server> make_epoll_reactor_server(const ServerConfig& config) {
  return std::make_unique<EpollReactorServer>(config);
}

}  // namespace echo
