// thread-per-connection: the textbook model.
//
// The main thread accepts; every accepted connection gets its own Boost.Thread,
// which does blocking reads and writes until the peer closes. Simple to reason
// about (each connection is straight-line code), and a slow or non-reading
// client only ever blocks its own thread. The price: one thread (a stack and a
// kernel task) per connection, and a context switch per message. Stacks are
// kept small with Boost.Thread's attributes so thousands of threads fit.
//
// Defences: --idle-timeout and --write-timeout are socket options set once
// per connection (the kernel ends a read or a write that waits too long);
// at --max-connections the accept loop stops accepting, and new clients wait
// in the listen backlog until a connection thread returns.
//
// Ownership: `live_` owns each connection's socket and thread object. The
// connection thread only borrows the fd; when it returns it moves its entry
// to `finished_` (closing the socket) and wakes the accept loop, which joins it.

#include <poll.h>
#include <sys/socket.h>

#include <boost/thread/thread.hpp>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/accept_backoff.hpp"
#include "common/blocking_echo.hpp"
#include "common/connection_defences.hpp"
#include "common/log.hpp"
#include "common/waker.hpp"
#include "echo/socket_ops.hpp"
#include "model_registry.hpp"

namespace echo {
namespace {

class ThreadPerConnectionServer final : public Server {
 public:
  explicit ThreadPerConnectionServer(const ServerConfig& config)
      : config_(config),
        defences_(Defences::from(config)),
        limit_(defences_.max_connections,
               "not accepting until a connection ends; new clients wait in the backlog") {}

  std::uint16_t start() override {
    listener_ = listen_tcp(config_.host, config_.port);
    return local_endpoint(listener_.get()).port;
  }

  void run(int shutdown_fd) override {
    bool backing_off = false;
    for (;;) {
      // While backing off or at the limit, leave the (level-triggered)
      // listener out of the set so this loop cannot turn into a busy spin; a
      // returning connection thread wakes it through finished_waker_.
      const bool accepting = !backing_off && !limit_.reached();
      pollfd fds[] = {{accepting ? listener_.get() : -1, POLLIN, 0},
                      {finished_waker_.fd(), POLLIN, 0},
                      {shutdown_fd, POLLIN, 0}};
      const int ready = ::poll(fds, 3, backing_off ? kAcceptBackoffMs : -1);
      backing_off = false;
      if (ready < 0) continue;  // EINTR
      if (fds[2].revents != 0) break;
      if (fds[1].revents != 0) {
        finished_waker_.drain();
        join_finished();
      }
      if (fds[0].revents != 0) backing_off = !accept_pending();
    }
    close_all_and_join();
  }

 private:
  struct Connection {
    UniqueFd socket;
    boost::thread thread;
  };

  // Accepts until the backlog is empty or the limit is reached. Returns
  // false when out of fds.
  bool accept_pending() {
    while (!limit_.reached()) {
      AcceptResult result = accept_connection(listener_.get(), /*nonblocking=*/false);
      if (result.status == AcceptStatus::nothing_ready) return true;
      if (result.status == AcceptStatus::out_of_fds) {
        log_accept_backoff();
        return false;
      }
      set_socket_timeouts(result.fd.get(), defences_);
      spawn_connection_thread(std::move(result.fd));
    }
    return true;
  }

  void spawn_connection_thread(UniqueFd socket) {
    boost::thread::attributes attributes;
    attributes.set_stack_size(std::size_t{config_.stack_kib} * 1024);
    const std::uint64_t id = next_id_++;
    const int fd = socket.get();
    // Hold the lock while the thread starts, so it cannot finish and look for
    // its entry before the entry exists.
    std::lock_guard lock(mutex_);
    try {
      boost::thread thread(attributes, [this, id, fd] { serve(id, fd); });
      live_.emplace(id, Connection{std::move(socket), std::move(thread)});
      limit_.opened();
    } catch (const boost::thread_resource_error& error) {
      log_warning(std::string("cannot create a thread, dropping connection: ") + error.what());
    }
  }

  // Runs on the connection's own thread.
  void serve(std::uint64_t id, int fd) {
    echo_until_closed(fd, config_.work);
    std::lock_guard lock(mutex_);
    auto node = live_.extract(id);
    finished_.push_back(std::move(node.mapped().thread));
    limit_.closed();
    // node (and with it the socket) is destroyed here, under the lock, so
    // close_all_and_join() never shuts down a descriptor number already reused.
    all_finished_.notify_all();
    finished_waker_.notify();
  }

  void join_finished() {
    std::vector<boost::thread> done;
    {
      std::lock_guard lock(mutex_);
      done.swap(finished_);
    }
    for (auto& thread : done) thread.join();
  }

  void close_all_and_join() {
    std::unique_lock lock(mutex_);
    // Wakes threads blocked in read() (returns 0) or write() (EPIPE).
    for (auto& [id, connection] : live_) ::shutdown(connection.socket.get(), SHUT_RDWR);
    all_finished_.wait(lock, [this] { return live_.empty(); });
    lock.unlock();
    join_finished();
  }

  ServerConfig config_;
  Defences defences_;
  ConnectionLimit limit_;  // counts live_ (accept loop and connection threads)
  UniqueFd listener_;
  Waker finished_waker_;       // a connection thread returned: join it
  std::uint64_t next_id_ = 0;  // accept loop only

  std::mutex mutex_;  // guards live_ and finished_
  std::condition_variable all_finished_;
  std::unordered_map<std::uint64_t, Connection> live_;
  std::vector<boost::thread> finished_;  // returned, waiting to be joined
};

}  // namespace

std::unique_ptr<Server> make_thread_per_connection_server(const ServerConfig& config) {
  return std::make_unique<ThreadPerConnectionServer>(config);
}

}  // namespace echo
