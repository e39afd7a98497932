// thread-pool: muduo's "reactor + thread pool".
//
// One reactor thread (the main thread) waits in epoll for connections that are
// *ready*; each ready connection becomes a task in a bounded queue, and a fixed
// pool of Boost.Thread workers runs the tasks with non-blocking reads and
// writes. A worker never waits on one connection's network, so N workers serve
// any number of connections, and a client that never reads only ever holds
// one chunk of buffered data, never a worker.
//
// Why these parts:
// - EPOLLONESHOT: a connection is reported once, then disarmed until its task
//   re-arms it, so exactly one worker touches a connection at a time and the
//   Connection needs no lock of its own.
// - boost::concurrent::sync_bounded_queue: a closable, bounded queue from a
//   well-kept library. Bounded, so a burst of ready connections back-pressures
//   the reactor instead of growing memory; closable, so shutdown is one call.
// - A turn is at most kReadsPerTurn reads; a busy connection then goes to the
//   back of the queue, so one flooding client cannot monopolise a worker.
// - Defences: workers stamp each connection's Liveness from the coarse
//   clock (common/connection_defences); with --idle-timeout or
//   --write-timeout the reactor wakes once per scan period and shuts down
//   the sockets that have expired. It only shuts them down (a worker may
//   hold the connection): the socket then reports itself, and the worker
//   that takes it finds it ended and closes it. At --max-connections the
//   reactor stops watching the listener; new clients wait in the backlog,
//   and it looks again every 100 ms.
//
// Ownership: `connections_` (under `mutex_`) owns every Connection. Whoever
// holds a connection's task owns its state until it re-arms or closes it.

#include <sys/epoll.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/thread/concurrent_queues/sync_bounded_queue.hpp>
#include <boost/thread/thread.hpp>
#include <cerrno>
#include <chrono>
#include <mutex>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "common/accept_backoff.hpp"
#include "common/connection_defences.hpp"
#include "common/log.hpp"
#include "echo/socket_ops.hpp"
#include "model_registry.hpp"

namespace echo {
namespace {

constexpr std::size_t kWorkerBufferBytes = std::size_t{64} * 1024;
constexpr int kReadsPerTurn = 4;
constexpr std::size_t kQueueCapacity = 1024;

struct Connection {
  UniqueFd socket;
  std::vector<char> pending;  // read but not yet written back (peer not reading)
  std::size_t pending_offset = 0;
  std::uint64_t received = 0;  // bytes read so far, for per-request work
  // Bumped (release) by the worker that ends a turn, read (acquire) by the
  // worker that starts the next. The kernel already orders the two (through
  // epoll_ctl and epoll_wait), but this makes the hand-over of `pending`
  // explicit in the C++ memory model and visible to ThreadSanitizer.
  std::atomic<std::uint32_t> turns{0};
  Liveness liveness;  // stamped by workers, read by the reactor's scan
};

enum class Next { wait_readable, wait_writable, close };

// One task: flush what is pending, then read and echo until the socket would
// block or the turn is used up. Returns what to wait for next.
// `now_ms` is the coarse clock (0 without timeouts) for the connection's Liveness.
Next serve_turn(Connection& connection, std::vector<char>& buffer, const SimulatedWork& work,
                std::int64_t now_ms) {
  const int fd = connection.socket.get();
  if (!connection.pending.empty()) {
    const char* data = connection.pending.data() + connection.pending_offset;
    const std::size_t size = connection.pending.size() - connection.pending_offset;
    const ssize_t sent = send_available(fd, data, size);
    if (sent < 0) return Next::close;
    connection.pending_offset += static_cast<std::size_t>(sent);
    if (static_cast<std::size_t>(sent) < size) {
      if (sent > 0) connection.liveness.output_waiting(now_ms);
      return Next::wait_writable;
    }
    std::vector<char>().swap(connection.pending);  // give the memory back
    connection.pending_offset = 0;
    connection.liveness.output_flushed();
  }
  for (int reads = 0; reads < kReadsPerTurn; ++reads) {
    const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (n > 0) {
      connection.liveness.received(now_ms);
      work.after_read(static_cast<std::size_t>(n), connection.received);
      const ssize_t sent = send_available(fd, buffer.data(), static_cast<std::size_t>(n));
      if (sent < 0) return Next::close;
      if (sent < n) {
        connection.pending.assign(buffer.data() + sent, buffer.data() + n);
        connection.liveness.output_waiting(now_ms);
        return Next::wait_writable;
      }
    } else if (n == 0) {
      ::shutdown(fd, SHUT_WR);  // half-close: everything received was echoed
      return Next::close;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return Next::wait_readable;
    } else if (errno != EINTR) {
      return Next::close;
    }
  }
  return Next::wait_readable;  // still readable: epoll reports it again at once
}

class ThreadPoolServer final : public Server {
 public:
  explicit ThreadPoolServer(const ServerConfig& config)
      : config_(config),
        defences_(Defences::from(config)),
        limit_(defences_.max_connections,
               "not accepting until a connection closes; new clients wait in the backlog"),
        epoll_(::epoll_create1(EPOLL_CLOEXEC)),
        queue_(kQueueCapacity) {
    if (!epoll_) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  }

  std::uint16_t start() override {
    listener_ = listen_tcp(config_.host, config_.port);
    watch(listener_.get(), EPOLL_CTL_ADD, EPOLLIN, &listener_tag_);
    return local_endpoint(listener_.get()).port;
  }

  void run(int shutdown_fd) override {
    watch(shutdown_fd, EPOLL_CTL_ADD, EPOLLIN, &shutdown_tag_);
    const unsigned threads =
        config_.threads ? config_.threads : boost::thread::hardware_concurrency();
    for (unsigned i = 0; i < std::max(1u, threads); ++i) {
      workers_.create_thread([this] { work(); });
    }
    react();
    queue_.close();  // workers finish the queued tasks, then return
    workers_.join_all();
    std::lock_guard lock(mutex_);
    connections_.clear();  // closes every socket
  }

 private:
  void watch(int fd, int op, std::uint32_t events, void* tag) {
    epoll_event event{};
    event.events = events;
    event.data.ptr = tag;
    if (::epoll_ctl(epoll_.get(), op, fd, &event) != 0) {
      throw std::system_error(errno, std::generic_category(), "epoll_ctl");
    }
  }

  // The reactor: runs on the main thread until the shutdown signal.
  void react() {
    std::vector<epoll_event> events(256);
    std::chrono::steady_clock::time_point resume_accept{};
    bool backing_off = false;  // out of descriptors, or at the limit
    const bool timed = defences_.timeouts();
    const auto scan_period = static_cast<int>(defences_.scan_period().count());
    std::int64_t next_scan_ms = 0;
    for (;;) {
      const int timeout = backing_off ? kAcceptBackoffMs : timed ? scan_period : -1;
      const int n =
          ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), timeout);
      if (backing_off && std::chrono::steady_clock::now() >= resume_accept && !limit_.reached()) {
        watch(listener_.get(), EPOLL_CTL_MOD, EPOLLIN, &listener_tag_);
        backing_off = false;
      }
      if (timed && coarse_now_ms() >= next_scan_ms) {
        shut_down_expired();
        next_scan_ms = coarse_now_ms() + scan_period;
      }
      for (int i = 0; i < n; ++i) {
        void* tag = events[i].data.ptr;
        if (tag == &shutdown_tag_) {
          return;  // events not handled yet belong to connections about to close
        } else if (tag == &listener_tag_) {
          const bool out_of_fds = !accept_pending();
          if (out_of_fds || limit_.reached()) {
            // Stop watching the level-triggered listener for a while, or
            // epoll would report it again at once and spin a core.
            watch(listener_.get(), EPOLL_CTL_MOD, 0, &listener_tag_);
            resume_accept = std::chrono::steady_clock::now() +
                            (out_of_fds ? kAcceptBackoff : std::chrono::milliseconds(0));
            backing_off = true;
          }
        } else {
          queue_.wait_push_back(static_cast<Connection*>(tag));
        }
      }
    }
  }

  // The reactor, once per scan period: ends the connections that have
  // expired. shutdown() and not close(): the descriptor stays the
  // connection's until whoever holds it next sees it ended and closes it.
  void shut_down_expired() {
    const std::int64_t now = coarse_now_ms();
    std::lock_guard lock(mutex_);
    for (const auto& [raw, connection] : connections_) {
      if (!raw->liveness.expired(now, defences_)) continue;
      reset_when_closed(raw->socket.get());
      ::shutdown(raw->socket.get(), SHUT_RDWR);
    }
  }

  // Accepts until the backlog is empty or the limit is reached. Returns
  // false when out of file descriptors.
  bool accept_pending() {
    while (!limit_.reached()) {
      AcceptResult result = accept_connection(listener_.get(), /*nonblocking=*/true);
      if (result.status == AcceptStatus::nothing_ready) return true;
      if (result.status == AcceptStatus::out_of_fds) {
        log_accept_backoff();
        return false;
      }
      auto connection = std::make_unique<Connection>();
      connection->socket = std::move(result.fd);
      Connection* raw = connection.get();
      {
        std::lock_guard lock(mutex_);
        connections_.emplace(raw, std::move(connection));
      }
      limit_.opened();
      watch(raw->socket.get(), EPOLL_CTL_ADD, EPOLLIN | EPOLLONESHOT, raw);
    }
    return true;
  }

  // A worker: `connection` is closed (its fd with it, which leaves epoll).
  void close_connection(Connection* connection) {
    std::lock_guard lock(mutex_);
    connections_.erase(connection);
    limit_.closed();
  }

  // A worker thread: one task at a time until the queue is closed and empty.
  void work() {
    std::vector<char> buffer(kWorkerBufferBytes);
    Connection* connection = nullptr;
    const bool timed = defences_.timeouts();
    while (queue_.wait_pull_front(connection) == boost::concurrent::queue_op_status::success) {
      connection->turns.load(std::memory_order_acquire);
      const Next next = serve_turn(*connection, buffer, config_.work, timed ? coarse_now_ms() : 0);
      const int fd = connection->socket.get();
      if (next == Next::close) {
        close_connection(connection);
        continue;
      }
      connection->turns.fetch_add(1, std::memory_order_release);
      // From here on another worker may own the connection: only its address
      // (as the epoll tag) and the fd number are used.
      const std::uint32_t wait_for = next == Next::wait_writable ? EPOLLOUT : EPOLLIN;
      epoll_event event{};
      event.events = wait_for | EPOLLONESHOT;
      event.data.ptr = connection;
      if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &event) != 0) {
        // Cannot re-arm (the kernel is out of memory): drop this connection
        // rather than the server. Nobody else can own it, it was never re-armed.
        log_warning("epoll_ctl failed, closing a connection");
        close_connection(connection);
      }
    }
  }

  ServerConfig config_;
  Defences defences_;
  ConnectionLimit limit_;  // counts connections_
  UniqueFd epoll_;
  UniqueFd listener_;
  char listener_tag_ = 0;  // addresses that mark non-connection epoll entries
  char shutdown_tag_ = 0;
  boost::concurrent::sync_bounded_queue<Connection*> queue_;
  boost::thread_group workers_;

  std::mutex mutex_;  // guards connections_ (the map, not the Connections)
  std::unordered_map<Connection*, std::unique_ptr<Connection>> connections_;
};

}  // namespace

std::unique_ptr<Server> make_thread_pool_server(const ServerConfig& config) {
  return std::make_unique<ThreadPoolServer>(config);
}

}  // namespace echo
