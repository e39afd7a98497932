// io-uring: one io_uring per thread (liburing). A loop does not ask the
// kernel "which sockets are ready?" and then read them, as epoll-reactor
// does: it queues the reads and writes themselves and collects their results,
// many per system call.
//
// Each ring's operations, and why:
// - Accept: one multishot accept on the shared listener per ring, which keeps
//   producing a completion per connection. The kernel wakes one waiting ring
//   per connection (accept waits exclusively).
// - Receive: one receive per connection at a time, with no buffer of its own:
//   the kernel takes one from the ring's provided buffers (common/
//   provided_buffers) only when data arrives, so 10,000 idle connections hold
//   no buffer. It is re-armed only after the echo has been sent, which is the
//   back-pressure: a client that does not read holds one buffer, and the
//   server stops reading from it. (A multishot receive would keep taking
//   buffers from a client that never reads.)
// - When the provided buffers run dry (-ENOBUFS), the connection receives
//   into a buffer of its own until the echo is sent, then gives it up: it is
//   never dropped, and clients that hold buffers cannot starve the others.
// - Send: from the receive buffer; a short send is re-queued for the rest.
// - Defences: with --idle-timeout or --write-timeout a timeout operation
//   completes once per scan period, and the loop shuts down the sockets of
//   the connections that have expired (common/connection_defences); their
//   receive or send in flight then completes, and the usual path closes
//   them. An echo counts as waiting from its send's submission to its
//   completion. At --max-connections (counted over all rings) a new
//   connection is accepted and closed at once: the multishot accept keeps
//   accepting, and stopping it would cost a cancel and a re-arm each time.
// - Shutdown: a poll on the shutdown descriptor; then one cancel for
//   everything in flight, and the loop ends once every operation reported.
// - UDP (--udp): --udp-batch (32) receive-then-send slots per ring, each a
//   recvmsg() answered by a sendmsg() to the sender: one system call submits
//   and reaps many of them.
// Where io_uring is unavailable (Linux before 5.19, seccomp, or
// kernel.io_uring_disabled) start() fails with exit status 1 and says so.

#include <liburing.h>
#include <sys/socket.h>

#include <boost/thread/thread.hpp>
#include <cerrno>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "common/accept_backoff.hpp"
#include "common/connection_defences.hpp"
#include "common/log.hpp"
#include "common/provided_buffers.hpp"
#include "common/uring_queue.hpp"
#include "echo/socket_ops.hpp"
#include "model_registry.hpp"

namespace echo {
namespace {

constexpr unsigned kQueueDepth = 1024;
constexpr std::size_t kBufferBytes = std::size_t{16} * 1024;
constexpr std::uint16_t kBufferGroup = 0;
constexpr std::size_t kMaxDatagram = 65536;

// Every submission's user_data points at one of these; `kind` says what completed.
struct Operation {
  enum class Kind { accept, accept_pause, scan, shutdown, cancel, connection, datagram } kind;
};

struct Connection : Operation {
  Connection() : Operation{Kind::connection} {}
  UniqueFd socket;
  bool sending = false;                // the one operation in flight is a send, else a receive
  int buffer_id = -1;                  // provided buffer held, if any
  std::unique_ptr<char[]> own_buffer;  // when the provided buffers ran dry
  char* data = nullptr;
  std::size_t size = 0;
  std::size_t sent = 0;
  std::uint64_t received = 0;  // bytes so far, for per-request simulated work
  Liveness liveness;           // read only with --idle-timeout or --write-timeout
};

struct Datagram : Operation {
  Datagram() : Operation{Kind::datagram} {}
  bool sending = false;
  std::unique_ptr<char[]> buffer{new char[kMaxDatagram]};
  sockaddr_storage peer{};
  iovec iov{};
  msghdr message{};
};

class Loop {
 public:
  Loop(int listener, const ServerConfig& config, const Defences& defences, ConnectionLimit& limit)
      : listener_(listener),
        udp_(config.udp),
        work_(config.work),
        defences_(defences),
        limit_(limit),
        datagrams_(config.udp ? config.udp_batch : 0) {
    try {
      buffers_.emplace(queue_.ring(), config.ring_buffers, kBufferBytes, kBufferGroup);
    } catch (const std::system_error& error) {
      throw StartError(std::string("io_uring is too old here (Linux 5.19 or later needed): ") +
                       error.what());
    }
  }

  // Serves until `shutdown_fd` becomes readable, then cancels what is in
  // flight and closes every connection it owns.
  void run(int shutdown_fd) {
    queue_.enable();  // this thread is now the ring's only submitter
    io_uring_prep_poll_add(next(&shutdown_), shutdown_fd, POLLIN);
    if (udp_) {
      for (auto& slot : datagrams_) receive(slot);
    } else {
      accept();
      if (defences_.timeouts()) scan_later();
    }
    while (!stopping_ || queue_.in_flight() > 0) {
      queue_.submit_and_complete([this](void* tag, int result, unsigned flags) {
        complete(*static_cast<Operation*>(tag), result, flags);
      });
    }
  }

 private:
  io_uring_sqe* next(Operation* op) { return queue_.next(op); }

  void accept() {
    io_uring_prep_multishot_accept(next(&accept_), listener_, nullptr, nullptr, SOCK_CLOEXEC);
  }

  void complete(Operation& op, int result, unsigned flags) {
    switch (op.kind) {
      case Operation::Kind::shutdown:
        stopping_ = true;
        io_uring_prep_cancel64(next(&cancel_), 0,
                               IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL);
        break;
      case Operation::Kind::accept:
        accepted(result, flags);
        break;
      case Operation::Kind::accept_pause:
        if (!stopping_) accept();
        break;
      case Operation::Kind::scan:
        if (!stopping_) {
          shut_down_expired();
          scan_later();
        }
        break;
      case Operation::Kind::cancel:
        break;
      case Operation::Kind::connection: {
        auto& c = static_cast<Connection&>(op);
        if (c.sending ? !sent(c, result) : !received(c, result, flags)) {
          connections_.erase(&c);
          limit_.closed();
        }
        break;
      }
      case Operation::Kind::datagram:
        datagram_done(static_cast<Datagram&>(op), result);
        break;
    }
  }

  void accepted(int result, unsigned flags) {
    if (result >= 0) {
      auto c = std::make_unique<Connection>();
      c->socket = UniqueFd(result);
      set_nodelay(result);
      if (stopping_) return;           // accepted while the cancel was on its way: close it
      if (!limit_.try_open()) return;  // at --max-connections: closed at once
      receive(*c);
      connections_.emplace(c.get(), std::move(c));
    }
    if ((flags & IORING_CQE_F_MORE) != 0 || stopping_) return;
    // The multishot accept ended. Out of descriptors: pause, as every model does.
    if (result == -EMFILE || result == -ENFILE || result == -ENOBUFS || result == -ENOMEM) {
      log_accept_backoff();
      pause_.tv_sec = 0;
      pause_.tv_nsec = static_cast<long long>(kAcceptBackoffMs) * 1'000'000;
      io_uring_prep_timeout(next(&accept_pause_), &pause_, 0, 0);
    } else {
      accept();
    }
  }

  // The next scan, one period from now.
  void scan_later() {
    const auto period = defences_.scan_period();
    scan_period_.tv_sec = period.count() / 1000;
    scan_period_.tv_nsec = (period.count() % 1000) * 1'000'000;
    io_uring_prep_timeout(next(&scan_), &scan_period_, 0, 0);
  }

  // Shuts the expired connections' sockets down; the receive or send each
  // has in flight then completes, and complete() closes it.
  void shut_down_expired() {
    const std::int64_t now = coarse_now_ms();
    for (const auto& [raw, connection] : connections_) {
      if (!raw->liveness.expired(now, defences_)) continue;
      reset_when_closed(raw->socket.get());
      ::shutdown(raw->socket.get(), SHUT_RDWR);
    }
  }

  // The coarse clock for a connection's Liveness; 0 (not read) without timeouts.
  [[nodiscard]] std::int64_t now_ms() const { return defences_.timeouts() ? coarse_now_ms() : 0; }

  void receive(Connection& c) {
    c.sending = false;
    if (c.own_buffer) {
      io_uring_prep_recv(next(&c), c.socket.get(), c.own_buffer.get(), kBufferBytes, 0);
      return;
    }
    io_uring_sqe* sqe = next(&c);
    io_uring_prep_recv(sqe, c.socket.get(), nullptr, 0, 0);  // length: the buffer's
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = kBufferGroup;
  }

  // Returns false to close the connection.
  bool received(Connection& c, int result, unsigned flags) {
    if (result == -ENOBUFS && !stopping_) {
      if (!ran_dry_)
        log_warning(
            "io-uring: the provided receive buffers ran dry; connections "
            "use buffers of their own until some come back");
      ran_dry_ = true;
      c.own_buffer.reset(new char[kBufferBytes]);
      receive(c);
      return true;
    }
    if ((flags & IORING_CQE_F_BUFFER) != 0) {
      c.buffer_id = static_cast<int>(flags >> IORING_CQE_BUFFER_SHIFT);
      c.data = buffers_->data(static_cast<unsigned>(c.buffer_id));
    } else {
      c.data = c.own_buffer.get();
    }
    if (result <= 0 || stopping_) {
      if (result == 0) ::shutdown(c.socket.get(), SHUT_WR);  // everything received was echoed
      release_buffer(c);
      return false;
    }
    const std::int64_t now = now_ms();
    c.liveness.received(now);
    work_.after_read(static_cast<std::size_t>(result), c.received);
    c.size = static_cast<std::size_t>(result);
    c.sent = 0;
    c.liveness.output_waiting(now);
    send(c);
    return true;
  }

  void send(Connection& c) {
    c.sending = true;
    io_uring_prep_send(next(&c), c.socket.get(), c.data + c.sent, c.size - c.sent, MSG_NOSIGNAL);
  }

  bool sent(Connection& c, int result) {
    if (result <= 0 || stopping_) {
      release_buffer(c);
      return false;
    }
    c.sent += static_cast<std::size_t>(result);
    if (c.sent < c.size) {
      c.liveness.output_waiting(now_ms());  // some went out: its clock restarts
      send(c);                              // a short send: queue the rest
    } else {
      c.liveness.output_flushed();
      release_buffer(c);
      receive(c);
    }
    return true;
  }

  void release_buffer(Connection& c) {
    if (c.buffer_id >= 0) buffers_->give_back(static_cast<unsigned>(c.buffer_id));
    c.buffer_id = -1;
    c.own_buffer.reset();
  }

  void receive(Datagram& d) {
    d.sending = false;
    d.iov = {d.buffer.get(), kMaxDatagram};
    d.message = {};
    d.message.msg_name = &d.peer;
    d.message.msg_namelen = sizeof d.peer;
    d.message.msg_iov = &d.iov;
    d.message.msg_iovlen = 1;
    io_uring_prep_recvmsg(next(&d), listener_, &d.message, 0);
  }

  void datagram_done(Datagram& d, int result) {
    if (stopping_) return;
    if (!d.sending && result >= 0) {
      work_();  // once per datagram, as every model serving UDP does
      d.sending = true;
      d.iov.iov_len = static_cast<std::size_t>(result);
      io_uring_prep_sendmsg(next(&d), listener_, &d.message, 0);
    } else {
      receive(d);  // sent, or failed: a lost datagram is UDP's to lose
    }
  }

  UringQueue queue_{kQueueDepth};
  std::optional<ProvidedBuffers> buffers_;
  int listener_;  // owned by IoUringServer: the TCP listener or the UDP socket
  bool udp_;
  const SimulatedWork& work_;
  const Defences& defences_;
  ConnectionLimit& limit_;  // shared by the rings; owned by the server
  bool stopping_ = false;
  bool ran_dry_ = false;
  __kernel_timespec pause_{};
  __kernel_timespec scan_period_{};
  Operation scan_{Operation::Kind::scan};
  Operation accept_{Operation::Kind::accept};
  Operation accept_pause_{Operation::Kind::accept_pause};
  Operation shutdown_{Operation::Kind::shutdown};
  Operation cancel_{Operation::Kind::cancel};
  std::unordered_map<Connection*, std::unique_ptr<Connection>> connections_;
  std::vector<Datagram> datagrams_;
};

class IoUringServer final : public Server {
 public:
  explicit IoUringServer(const ServerConfig& config)
      : config_(config),
        defences_(Defences::from(config)),
        limit_(defences_.max_connections, "new connections are accepted and closed at once") {}

  std::uint16_t start() override {
    listener_ =
        config_.udp ? bind_udp(config_.host, config_.port) : listen_tcp(config_.host, config_.port);
    set_blocking(listener_.get());  // io_uring waits for it; O_NONBLOCK would fail with EAGAIN
    for (unsigned i = 0; i < std::max(1u, config_.threads); ++i) {
      loops_.push_back(std::make_unique<Loop>(listener_.get(), config_, defences_, limit_));
    }
    return local_endpoint(listener_.get()).port;
  }

  void run(int shutdown_fd) override {
    // Loop 0 runs on the main thread; the others on their own threads.
    boost::thread_group others;
    for (std::size_t i = 1; i < loops_.size(); ++i) {
      others.create_thread([&loop = *loops_[i], shutdown_fd] { loop.run(shutdown_fd); });
    }
    loops_[0]->run(shutdown_fd);
    others.join_all();
    loops_.clear();  // rings and their connections close before the listener
  }

 private:
  ServerConfig config_;
  Defences defences_;
  ConnectionLimit limit_;
  UniqueFd listener_;
  std::vector<std::unique_ptr<Loop>> loops_;
};

}  // namespace

std::unique_ptr<Server> make_io_uring_server(const ServerConfig& config) {
  return std::make_unique<IoUringServer>(config);
}

}  // namespace echo
