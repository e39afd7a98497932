// uring-echo-client: the io_uring experiment behind the README's answer to
// "can echo-load use less CPU per message than the server it measures?".
//
// echo-load makes one send and one recv per message, exactly what an echo
// server makes, plus a share of an epoll_wait. This client makes the same
// messages with no per-message system call at all: each connection keeps a
// recv and (when a message is due) a send queued in one io_uring, and one
// io_uring_enter submits every queued operation and waits for the next
// completion. It checks every byte and records latency as echo-load does
// (same PayloadPattern, same LatencyHistogram), so only the I/O interface
// differs. tools/compare-load-generators runs it beside echo-load.
//
// Usage: uring-echo-client PORT CONNECTIONS SECONDS   (64-byte messages,
// closed loop, one in flight per connection; prints one JSON object)

#include <liburing.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "echo/clock.hpp"
#include "echo/socket_ops.hpp"
#include "latency_histogram.hpp"
#include "load_worker.hpp"
#include "payload_pattern.hpp"

namespace {

constexpr std::size_t kSize = 64;

struct Connection {
  echo::UniqueFd fd;
  std::uint64_t sequence = 0;  // message in flight
  std::size_t received = 0;    // bytes of it back so far
  std::int64_t sent_at = 0;
  char buffer[kSize];
};

// user_data: connection index * 2, plus 1 for a recv.
std::uint64_t tag(std::size_t index, bool is_recv) { return index * 2 + (is_recv ? 1 : 0); }

int fail(const char* what, int error) {
  std::fprintf(stderr, "uring-echo-client: %s: %s\n", what, echo::error_text(error).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const long port = argc == 4 ? std::strtol(argv[1], nullptr, 10) : 0;
  const long count = argc == 4 ? std::strtol(argv[2], nullptr, 10) : 0;
  const double seconds = argc == 4 ? std::strtod(argv[3], nullptr) : 0;
  if (port < 1 || port > 65535 || count < 1 || count > 8192 || !(seconds > 0 && seconds <= 3600)) {
    std::fprintf(stderr,
                 "usage: uring-echo-client PORT CONNECTIONS SECONDS\n"
                 "  PORT 1-65535, CONNECTIONS 1-8192, SECONDS above 0 and at most 3600\n");
    return 2;
  }

  io_uring ring;
  // Completions are processed only when this thread asks for them, in one
  // batch (DEFER_TASKRUN, Linux 6.1+).
  const int ring_error =
      ::io_uring_queue_init(static_cast<unsigned>(4 * count), &ring,
                            IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN);
  if (ring_error < 0) return fail("io_uring_queue_init", -ring_error);

  const echo::PayloadPattern pattern(kSize);
  std::vector<Connection> connections(static_cast<std::size_t>(count));
  try {
    for (auto& c : connections) {
      c.fd = echo::connect_tcp("127.0.0.1", static_cast<std::uint16_t>(port));  // TCP_NODELAY
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "uring-echo-client: %s\n", e.what());
    return 1;
  }
  auto queue_send = [&](std::size_t i) {
    Connection& c = connections[i];
    c.sent_at = echo::now_ns();
    io_uring_sqe* sqe = ::io_uring_get_sqe(&ring);
    ::io_uring_prep_send(sqe, c.fd.get(),
                         pattern.message(static_cast<std::uint32_t>(i), c.sequence), kSize,
                         MSG_NOSIGNAL);
    ::io_uring_sqe_set_data64(sqe, tag(i, false));
  };
  auto queue_recv = [&](std::size_t i) {
    Connection& c = connections[i];
    io_uring_sqe* sqe = ::io_uring_get_sqe(&ring);
    ::io_uring_prep_recv(sqe, c.fd.get(), c.buffer + c.received, kSize - c.received, 0);
    ::io_uring_sqe_set_data64(sqe, tag(i, true));
  };
  for (std::size_t i = 0; i < connections.size(); ++i) {
    queue_send(i);
    queue_recv(i);
  }

  echo::LatencyHistogram latency;
  std::uint64_t mismatches = 0;
  std::uint64_t enters = 0;  // io_uring_enter calls: how well the batching works
  const double cpu_start = echo::process_cpu_seconds();
  const std::int64_t start = echo::now_ns();
  const std::int64_t end = start + static_cast<std::int64_t>(seconds * 1e9);
  while (echo::now_ns() < end) {
    const int submitted = ::io_uring_submit_and_wait(&ring, 1);
    ++enters;
    if (submitted < 0 && submitted != -EINTR) return fail("io_uring_submit_and_wait", -submitted);
    const std::int64_t now = echo::now_ns();
    unsigned head = 0;
    unsigned seen = 0;
    io_uring_cqe* cqe = nullptr;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      const std::size_t i = cqe->user_data / 2;
      const bool is_recv = (cqe->user_data & 1) != 0;
      if (cqe->res <= 0 || (!is_recv && cqe->res != static_cast<int>(kSize))) {
        return fail(is_recv ? "recv" : "send", cqe->res < 0 ? -cqe->res : ECONNRESET);
      }
      if (!is_recv) continue;
      Connection& c = connections[i];
      c.received += static_cast<std::size_t>(cqe->res);
      if (c.received == kSize) {
        const char* expected = pattern.message(static_cast<std::uint32_t>(i), c.sequence);
        if (std::memcmp(expected, c.buffer, kSize) != 0) ++mismatches;
        latency.record(now - c.sent_at);
        c.received = 0;
        ++c.sequence;
        queue_send(i);
      }
      queue_recv(i);
    }
    ::io_uring_cq_advance(&ring, seen);
  }
  const double cpu = echo::process_cpu_seconds() - cpu_start;
  const double elapsed = static_cast<double>(echo::now_ns() - start) / 1e9;
  ::io_uring_queue_exit(&ring);

  const auto messages = latency.count();
  std::printf(
      "{\"messages\": %llu, \"msgs_per_s\": %.1f, \"mismatches\": %llu, \"p99_us\": %.1f, "
      "\"client_cpu_us_per_msg\": %.3f, \"messages_per_enter\": %.1f}\n",
      static_cast<unsigned long long>(messages), static_cast<double>(messages) / elapsed,
      static_cast<unsigned long long>(mismatches),
      static_cast<double>(latency.value_at_percentile(99)) / 1000.0,
      messages ? cpu * 1e6 / static_cast<double>(messages) : 0.0,
      static_cast<double>(messages) / static_cast<double>(std::max<std::uint64_t>(enters, 1)));
  return mismatches == 0 ? 0 : 1;
}
