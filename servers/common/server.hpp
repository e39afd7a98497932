#pragma once
// The one interface every concurrency model implements. main() creates a
// model from its name and calls start() and then run() on the main thread;
// run() returns when SIGINT or SIGTERM arrives.

#include <cstdint>
#include <string>

#include "simulated_work.hpp"

namespace echo {

/// Everything the command line can say to a model. Fields a model does not
/// use are ignored by it; 0 means "the model's default".
struct ServerConfig {
  std::string model;
  std::string host = "127.0.0.1";
  std::uint16_t port = 9999;
  unsigned threads = 0;      ///< thread-pool workers / asio I/O threads / epoll loops
  unsigned stack_kib = 256;  ///< thread-per-connection stack size
  /// Connections served at once, at most (0: no limit, except
  /// fork-per-connection's kDefaultMaxChildren).
  unsigned max_connections = 0;
  double idle_timeout_s = 0;    ///< close a connection silent this long (0: never)
  double write_timeout_s = 0;   ///< close one whose echo waits this long for its reader (0: never)
  unsigned processes = 16;      ///< prefork: children forked at start
  unsigned ring_buffers = 256;  ///< io-uring: provided receive buffers per ring
  bool udp = false;             ///< serve UDP datagrams instead of TCP
  unsigned udp_batch = 32;      ///< epoll-reactor, io-uring: datagrams per system call
  bool asio_shared_context = false;  ///< asio-coroutine: one io_context for all threads
  unsigned offload_threads = 0;      ///< asio-coroutine: run the per-message work on a pool
  SimulatedWork work;                ///< per message: --work-us, --block-us
};

class Server {
 public:
  Server() = default;
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  virtual ~Server() = default;

  /// Main thread, once: binds and listens. Returns the real port (useful for
  /// --port 0). Throws StartError when the address cannot be used.
  virtual std::uint16_t start() = 0;

  /// Main thread, once, after start(): serves until `shutdown_fd` (see
  /// ShutdownSignals) becomes readable. Before returning it has closed every
  /// connection, joined every thread and reaped every child.
  virtual void run(int shutdown_fd) = 0;
};

}  // namespace echo
