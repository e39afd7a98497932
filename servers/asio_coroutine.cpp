// asio-coroutine: C++20 coroutines on Boost.Asio.
//
// Each connection is a coroutine that reads and writes as if it were blocking
// code; a `co_await` suspends it (a heap frame of about 17 KiB with its buffer,
// no thread, no stack) until the socket is ready. One thread serves thousands
// of connections, and a connection that is not talking costs only its frame.
//
// Threads: `--threads N` runs N io_contexts, one per thread (each created with
// concurrency hint 1: "one thread runs me", which lets Asio's scheduler keep
// work a thread posts to itself in a thread-private queue), and the listener
// places each new connection on the next context in turn. The alternative, one
// io_context run by N threads, sends every completion through one shared queue
// and moves connections between threads; here a connection never migrates,
// and its coroutine never needs a strand. (The README has the measurement.)
//
// Offloading (`--offload-threads N`): the per-message work (--work-us,
// --block-us) then runs on a boost::asio::thread_pool of N threads. The
// coroutine co_awaits it and resumes on its own I/O thread, so a blocking
// call stalls only its own connection, not every connection of the thread:
// the idiomatic remedy, and the Python tutorial's run_in_executor. A
// connection's messages stay in order because its coroutine waits for each.
//
// Defences: with --idle-timeout or --write-timeout each context runs one more
// coroutine, a scan that wakes once per scan period and shuts down the
// sockets of its connections that have expired (common/connection_defences):
// their pending read or write then completes, and the connection's coroutine
// ends as it does on a reset. No timer per connection or per message; an
// echo counts as waiting for the whole of its async_write. At
// --max-connections a new connection is accepted and closed at once: the
// accept loop never waits for a connection on another thread to end.
//
// Errors arrive as values (`as_tuple`), not exceptions: end of stream and a
// reset are normal ways for a connection to end, not exceptional ones.

#include <fcntl.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <vector>

#include "common/accept_backoff.hpp"
#include "common/blocking_echo.hpp"
#include "common/connection_defences.hpp"
#include "common/log.hpp"
#include "echo/socket_ops.hpp"
#include "model_registry.hpp"

namespace echo {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;
using asio::ip::udp;

// co_await an operation and get (error_code, result...) back instead of a throw.
constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);

// The work of one read: on this I/O thread, or with a pool on one of its
// threads, resuming here once it is done.
awaitable<void> do_work(const SimulatedWork& work, std::size_t n, std::uint64_t& received,
                        asio::thread_pool* offload) {
  if (offload == nullptr) {
    work.after_read(n, received);  // a blocking call here stalls every connection on this thread
    co_return;
  }
  co_await asio::co_spawn(
      offload->get_executor(),
      [&work, n, &received]() -> awaitable<void> {
        work.after_read(n, received);
        co_return;
      },
      asio::use_awaitable);
}

// The connections of one io_context, for its scan. A lock, because with
// --asio-contexts shared several threads run the context's coroutines.
class ConnectionTable {
 public:
  struct Entry {
    int fd;
    Liveness liveness;
  };
  void add(Entry& entry) {
    std::lock_guard lock(mutex_);
    entries_.insert(&entry);
  }
  void remove(Entry& entry) {
    std::lock_guard lock(mutex_);
    entries_.erase(&entry);
  }
  void shut_down_expired(const Defences& defences) {
    const std::int64_t now = coarse_now_ms();
    std::lock_guard lock(mutex_);
    for (Entry* entry : entries_) {
      if (!entry->liveness.expired(now, defences)) continue;
      reset_when_closed(entry->fd);
      ::shutdown(entry->fd, SHUT_RDWR);
    }
  }

 private:
  std::mutex mutex_;
  std::unordered_set<Entry*> entries_;
};

// What a connection's coroutine shares with the server: its work and the
// defences. The server outlives every coroutine.
struct ConnectionContext {
  SimulatedWork work;
  asio::thread_pool* offload;
  const Defences* defences;
  ConnectionLimit* limit;
};

awaitable<void> echo_connection(tcp::socket socket, const ConnectionContext& shared,
                                ConnectionTable& table) {
  std::array<char, kEchoChunkBytes> buffer;
  std::uint64_t received = 0;
  const bool timed = shared.defences->timeouts();
  ConnectionTable::Entry entry{socket.native_handle(), {}};
  if (timed) table.add(entry);
  struct Leave {  // however the coroutine ends, or is destroyed at shutdown
    ConnectionTable& table;
    ConnectionTable::Entry& entry;
    const ConnectionContext& shared;
    bool timed;
    ~Leave() {
      if (timed) table.remove(entry);
      shared.limit->closed();
    }
  } leave{table, entry, shared, timed};
  for (;;) {
    auto [read_error, n] = co_await socket.async_read_some(asio::buffer(buffer), nothrow_awaitable);
    if (read_error == asio::error::eof) {
      socket.shutdown(tcp::socket::shutdown_send, read_error);  // half-close, RFC 862
      co_return;
    }
    if (read_error) co_return;  // reset, shut down by the scan, or the server is stopping
    if (timed) entry.liveness.received(coarse_now_ms());
    if (!shared.work.none()) co_await do_work(shared.work, n, received, shared.offload);
    if (timed) entry.liveness.output_waiting(coarse_now_ms());
    auto [write_error, written] =
        co_await asio::async_write(socket, asio::buffer(buffer.data(), n), nothrow_awaitable);
    if (write_error) co_return;
    if (timed) entry.liveness.output_flushed();
  }
}

// One per context with --idle-timeout or --write-timeout.
awaitable<void> scan_connections(ConnectionTable& table, const Defences& defences) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_after(defences.scan_period());
    auto [error] = co_await timer.async_wait(nothrow_awaitable);
    if (error) co_return;
    table.shut_down_expired(defences);
  }
}

awaitable<void> accept_connections(tcp::acceptor acceptor, std::vector<asio::io_context*> contexts,
                                   std::vector<ConnectionTable*> tables,
                                   const ConnectionContext& shared) {
  asio::steady_timer backoff(acceptor.get_executor());
  for (std::size_t next = 0;; next = (next + 1) % contexts.size()) {
    // The new socket belongs to the context (and so the thread) it will live on.
    auto [error, socket] = co_await acceptor.async_accept(*contexts[next], nothrow_awaitable);
    if (error == asio::error::no_descriptors || error == asio::error::no_buffer_space ||
        error == asio::error::no_memory) {
      log_accept_backoff();
      backoff.expires_after(kAcceptBackoff);
      co_await backoff.async_wait(nothrow_awaitable);
      continue;
    }
    if (error == asio::error::operation_aborted) co_return;
    if (error) continue;                      // the connection died in the backlog
    if (!shared.limit->try_open()) continue;  // at --max-connections: closed at once
    socket.set_option(tcp::no_delay(true), error);
    // The executor is read before the socket moves into the coroutine: the
    // order in which a call's arguments are evaluated is unspecified.
    const auto executor = socket.get_executor();
    asio::co_spawn(executor, echo_connection(std::move(socket), shared, *tables[next]),
                   asio::detached);
  }
}

awaitable<void> echo_datagrams(udp::socket socket, SimulatedWork work) {
  std::array<char, 65536> buffer;  // the largest UDP payload
  udp::endpoint sender;
  for (;;) {
    auto [error, n] =
        co_await socket.async_receive_from(asio::buffer(buffer), sender, nothrow_awaitable);
    if (error == asio::error::operation_aborted) co_return;
    if (error) continue;  // e.g. ICMP port unreachable from an earlier reply
    work();
    co_await socket.async_send_to(asio::buffer(buffer.data(), n), sender, nothrow_awaitable);
  }
}

class AsioCoroutineServer final : public Server {
 public:
  explicit AsioCoroutineServer(const ServerConfig& config)
      : config_(config),
        threads_(config.threads ? config.threads : 1),
        defences_(Defences::from(config)),
        limit_(defences_.max_connections, "new connections are accepted and closed at once") {
    if (config.offload_threads > 0) offload_.emplace(config.offload_threads);
    shared_ = {config_.work, offload_ ? &*offload_ : nullptr, &defences_, &limit_};
    // --asio-contexts shared: one io_context that every thread runs (its
    // concurrency hint says how many); otherwise one per thread.
    if (config.asio_shared_context) {
      contexts_.emplace_back(static_cast<int>(threads_));
    } else {
      for (unsigned i = 0; i < threads_; ++i) contexts_.emplace_back(1);
    }
  }

  std::uint16_t start() override {
    asio::io_context& first = contexts_.front();
    // The shared code binds (one place for addresses and error messages);
    // Asio adopts the descriptor.
    if (config_.udp) {
      UniqueFd fd = bind_udp(config_.host, config_.port);
      const Endpoint bound = local_endpoint(fd.get());
      const auto protocol = bound.host.find(':') == std::string::npos ? udp::v4() : udp::v6();
      for (auto& context : contexts_) {
        // Each thread gets its own descriptor of the one socket, so datagrams
        // spread over the threads without an Asio object shared between them.
        UniqueFd own(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0));
        asio::co_spawn(context,
                       echo_datagrams(udp::socket(context, protocol, own.release()), config_.work),
                       asio::detached);
      }
      return bound.port;
    }
    UniqueFd fd = listen_tcp(config_.host, config_.port);
    const Endpoint bound = local_endpoint(fd.get());
    const auto protocol = bound.host.find(':') == std::string::npos ? tcp::v4() : tcp::v6();
    std::vector<asio::io_context*> contexts;
    std::vector<ConnectionTable*> tables;
    for (auto& context : contexts_) {
      contexts.push_back(&context);
      tables.push_back(&tables_.emplace_back());
      if (defences_.timeouts())
        asio::co_spawn(context, scan_connections(tables_.back(), defences_), asio::detached);
    }
    asio::co_spawn(
        first,
        accept_connections(tcp::acceptor(first, protocol, fd.release()), contexts, tables, shared_),
        asio::detached);
    return bound.port;
  }

  void run(int shutdown_fd) override {
    asio::co_spawn(contexts_.front(), stop_on_signal(shutdown_fd), asio::detached);
    // io_context::run() returns as soon as its context has nothing to do,
    // and a per-thread context has nothing until the acceptor deals it a
    // connection: without a guard its thread would be gone by then and its
    // connections never served. The guards keep every context running until
    // the signal stops them all (stop() ends run() whatever the guards say).
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
    for (auto& context : contexts_) keep_running.push_back(asio::make_work_guard(context));
    std::vector<std::thread> threads;
    auto context = contexts_.begin();
    for (unsigned i = 1; i < threads_; ++i) {
      if (contexts_.size() > 1) ++context;  // per-thread: the next one; shared: the one
      threads.emplace_back([&run_this = *context] { run_this.run(); });
    }
    contexts_.front().run();
    for (auto& thread : threads) thread.join();
    // Work in the pool ends early once the signal came (SimulatedWork::stop_fd);
    // the coroutines it would resume are destroyed with their contexts.
    if (offload_) offload_->join();
    // Destroying the contexts (with the server) destroys every suspended
    // coroutine, and with it every socket.
  }

 private:
  // Waits (as one more coroutine) for the shutdown signal, then stops every
  // context; their run() calls return and the threads can be joined.
  awaitable<void> stop_on_signal(int shutdown_fd) {
    asio::posix::stream_descriptor signals(contexts_.front(), ::dup(shutdown_fd));
    co_await signals.async_wait(asio::posix::descriptor_base::wait_read, nothrow_awaitable);
    for (auto& context : contexts_) context.stop();
  }

  ServerConfig config_;
  unsigned threads_;
  Defences defences_;
  ConnectionLimit limit_;
  ConnectionContext shared_{};
  std::list<ConnectionTable> tables_;         // one per context, outliving the coroutines
  std::list<asio::io_context> contexts_;      // a list: io_context cannot move
  std::optional<asio::thread_pool> offload_;  // --offload-threads; destroyed before contexts_
};

}  // namespace

std::unique_ptr<Server> make_asio_coroutine_server(const ServerConfig& config) {
  return std::make_unique<AsioCoroutineServer>(config);
}

}  // namespace echo
