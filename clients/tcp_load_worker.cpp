// The TCP load loop of one thread: non-blocking connections registered with
// edge-triggered epoll for input only, so the hot path is recv, memcmp, send
// and a clock read per message, with no epoll_ctl and no allocation. Output
// readiness is asked for only while a send is blocked: watching it all the
// time would wake this thread (and run epoll's callback on the server's send
// path) for every ACK that frees send-buffer space.
//
// Before either loop, the ramp-up barrier: every connection sends one message
// and waits for its echo, and nothing else is sent until all have answered
// (the engine waits for every thread). A server that forks or spawns per
// connection then pays about one accept per connection to get there, instead
// of accepting its last clients while its first ones already load it.
//
// Closed loop: a connection keeps `pipeline` messages in flight and sends the
// next when one has come back. Open loop: messages become due on the
// OpenLoopSchedule and are sent when due, whether or not earlier ones are
// back (up to kOpenLoopInFlight per connection; past that, sending waits, and
// the wait is still charged to latency because it is measured from the due
// time). Because sending does not wait for echoes, the actual send time
// equals the due time unless the client itself falls behind (a full socket,
// the in-flight cap, an overloaded thread): the uncorrected latency, measured
// from the actual send, shows how much that happened.
//
// --reconnect: a connection the server ends during the load is rewound to its
// first unanswered message and opened again (a non-blocking connect, retried
// every kReconnectPause while refused). Messages sent before keep their send
// time, and open-loop messages their due time, so the gap shows in latency.

#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <vector>

#include "load_worker.hpp"
#include "open_loop_schedule.hpp"

namespace echo {
namespace {

constexpr std::size_t kOpenLoopInFlight = 1024;
constexpr std::size_t kReceiveBufferBytes = std::size_t{64} * 1024;
constexpr std::int64_t kReconnectPauseNs = 10'000'000;  // between refused reconnects
constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

struct TcpStream {
  UniqueFd fd;
  std::uint32_t stream = 0;    // global connection number (selects the payload)
  unsigned index = 0;          // position in this worker (selects the schedule slot)
  std::uint64_t allowed = 0;   // open loop: messages due so far
  std::uint64_t send_seq = 0;  // message being sent
  std::size_t send_offset = 0;
  std::uint64_t recv_seq = 0;  // message being received
  std::size_t recv_offset = 0;
  std::int64_t last_echo_ns = 0;      // when a message last came back (or the run began)
  bool corrupt = false;               // the message being received differs somewhere
  bool watching_output = false;       // EPOLLOUT requested: a send is blocked
  std::vector<std::int64_t> sent_at;  // actual send time, ring indexed by sequence
  // --reconnect: lost at lost_ns (0: up), tried again at retry_ns; a new
  // connect is under way while `connecting`. Messages below resend_until
  // were sent on a lost connection: their send time stays the first one.
  std::int64_t lost_ns = 0;
  std::int64_t retry_ns = 0;
  bool connecting = false;
  std::uint64_t resend_until = 0;
};

class TcpLoadWorker final : public LoadWorker {
 public:
  explicit TcpLoadWorker(const WorkerAssignment& assignment)
      : a_(assignment), config_(*assignment.config), buffer_(kReceiveBufferBytes) {}

  void connect_all() override {
    const std::size_t ring = config_.open_loop()
                                 ? std::max<std::size_t>(kOpenLoopInFlight, config_.pipeline)
                                 : config_.pipeline;
    std::vector<UniqueFd> fds = connect_all_counted(a_.peer, SOCK_STREAM, a_.connections,
                                                    config_.connect_timeout_s, config_, stats_);
    for (unsigned i = 0; i < a_.connections; ++i) {
      if (!fds[i]) continue;
      TcpStream& s = streams_.emplace_back();
      s.fd = std::move(fds[i]);
      s.stream = a_.first_stream + i;
      s.sent_at.resize(ring);
    }
    if (!open_event_loop()) return;
    ramp_up();
  }

  void run(const RunWindow& window) override {
    window_ = window;
    if (streams_.empty() || !epoll_ || window.measure_end_ns <= window.start_ns) return;
    for (TcpStream& s : streams_) s.last_echo_ns = window.start_ns;
    const auto count = static_cast<unsigned>(streams_.size());
    schedule_ = OpenLoopSchedule(window.start_ns, std::max(a_.rate, 1e-9), count);
    const OpenLoopSchedule& schedule = schedule_;
    std::uint64_t next_due = 0;  // open loop: the thread's next message to release

    std::vector<epoll_event> events(std::min<std::size_t>(count, 1024));
    wait_for_start(window);
    reconnecting_ = config_.reconnect;
    std::int64_t now = now_ns();
    if (!config_.open_loop()) {
      for (auto& s : streams_) try_send(s, now);
    }
    while (now < window.measure_end_ns) {
      std::int64_t wake =
          std::min(window.measure_end_ns, publish_progress(now, window, a_.progress_interval_ns));
      wake = std::min(wake, reconnect_due(now));
      if (config_.open_loop()) {
        for (const std::uint64_t due = schedule.due_count(now); next_due < due; ++next_due) {
          TcpStream& s = streams_[next_due % count];
          s.allowed = next_due / count + 1;
          if (s.lost_ns != 0) ++stats_.due_while_down;  // --reconnect: sent once it is back
          if (s.fd) try_send(s, now);  // a dead connection sends nothing (not_sent)
        }
        wake = std::min(wake, schedule.due_of(next_due));
      }
      const std::int64_t wait = std::max<std::int64_t>(0, wake - now);
      const timespec timeout{static_cast<time_t>(wait / 1'000'000'000),
                             static_cast<long>(wait % 1'000'000'000)};
      const int n = ::epoll_pwait2(epoll_.get(), events.data(), static_cast<int>(events.size()),
                                   &timeout, nullptr);
      now = now_ns();
      handle(events, n, now);
    }
    if (!config_.open_loop()) {
      stats_.uncorrected = stats_.corrected;  // one and the same
      count_stalls(now);
      return;
    }
    // Messages that fell due between the last wake-up and the window's end
    // are still the window's: release them before draining.
    for (const std::uint64_t due = schedule.due_count(window.measure_end_ns - 1); next_due < due;
         ++next_due) {
      TcpStream& s = streams_[next_due % count];
      s.allowed = next_due / count + 1;
      if (s.fd) try_send(s, now);
    }
    drain(events,
          window.measure_end_ns + static_cast<std::int64_t>(config_.answer_timeout_s * 1e9));
    charge_unanswered(now_ns());
  }

 private:
  bool open_event_loop() {
    if (streams_.empty()) return false;
    epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll_) {  // never loop on a bad descriptor: say why and stop
      epoll_failed(stats_, errno);
      return false;
    }
    for (unsigned i = 0; i < streams_.size(); ++i) {
      streams_[i].index = i;
      watch(streams_[i], EPOLL_CTL_ADD, EPOLLIN | EPOLLET);
    }
    return true;
  }

  // The barrier: one message per connection, echoed, and nothing more, until
  // every live connection has answered or the ramp-up limit passes. Those
  // still waiting then are counted, and the engine measures nothing. The
  // sequence numbers start again at 0 afterwards, so the load (and the
  // open-loop schedule) begins from a clean slate on every connection.
  void ramp_up() {
    ramping_ = true;
    std::int64_t now = now_ns();
    for (TcpStream& s : streams_) {
      s.allowed = 1;
      try_send(s, now);
    }
    const auto waiting = [this] {
      return static_cast<unsigned>(std::count_if(
          streams_.begin(), streams_.end(), [](const auto& s) { return s.fd && s.recv_seq == 0; }));
    };
    std::vector<epoll_event> events(std::min<std::size_t>(streams_.size(), 1024));
    while (now < a_.ramp_up_deadline_ns && waiting() > 0) {
      const std::int64_t wait_ms =
          std::clamp<std::int64_t>((a_.ramp_up_deadline_ns - now) / 1'000'000, 1, 100);
      const int n = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()),
                                 static_cast<int>(wait_ms));
      now = now_ns();
      handle(events, n, now);
    }
    stats_.ramp_up_waiting = waiting();
    if (stats_.ramp_up_waiting > 0 && stats_.first_error.empty()) {
      stats_.first_error = std::to_string(stats_.ramp_up_waiting) +
                           " connection(s) had not answered their first message when the "
                           "ramp-up limit passed";
    }
    for (TcpStream& s : streams_) {
      s.allowed = s.send_seq = s.recv_seq = 0;
      s.send_offset = s.recv_offset = 0;
      s.corrupt = false;
    }
    ramping_ = false;
  }

  void handle(const std::vector<epoll_event>& events, int n, std::int64_t now) {
    for (int i = 0; i < n; ++i) {
      TcpStream& s = *static_cast<TcpStream*>(events[i].data.ptr);
      if (!s.fd) continue;
      if (s.connecting) {
        finish_reconnect(s, now);
        continue;
      }
      if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) receive(s, now);
      if (s.fd) try_send(s, now);  // writable again, or echoes freed a slot
    }
  }

  // Open loop, after the window: no new message becomes due, but those that
  // were due are still sent and their echoes awaited, until every live
  // connection has answered all of them or `deadline` passes (a stalled
  // server). Without this, whatever was in flight at the end would silently
  // vanish from the histogram.
  void drain(std::vector<epoll_event>& events, std::int64_t deadline) {
    for (std::int64_t now = now_ns(); now < deadline; now = now_ns()) {
      // A connection lost for good has nothing more to answer; one that
      // --reconnect is opening again still has.
      const bool all_answered = std::all_of(streams_.begin(), streams_.end(), [](const auto& s) {
        return (!s.fd && s.lost_ns == 0) || s.recv_seq >= s.allowed;
      });
      if (all_answered) return;
      const std::int64_t wait = std::min(deadline, reconnect_due(now)) - now;
      const timespec timeout{static_cast<time_t>(wait / 1'000'000'000),
                             static_cast<long>(wait % 1'000'000'000)};
      const int n = ::epoll_pwait2(epoll_.get(), events.data(), static_cast<int>(events.size()),
                                   &timeout, nullptr);
      handle(events, n, now_ns());
    }
  }

  // Closed loop: a live connection that waits for an echo that has not come
  // for stall_timeout_s, or that never got one, has a stalled server behind
  // it (its latency cannot show it: nothing completed to be recorded).
  void count_stalls(std::int64_t now) {
    const auto limit = static_cast<std::int64_t>(config_.stall_timeout_s * 1e9);
    for (const TcpStream& s : streams_) {
      const bool waiting = s.send_seq > s.recv_seq || s.send_offset > 0;
      const bool up = s.fd && !s.connecting;
      const bool down_too_long = s.lost_ns != 0 && now - s.lost_ns >= limit;  // --reconnect
      if ((up && (s.recv_seq == 0 || (waiting && now - s.last_echo_ns >= limit))) || down_too_long)
        ++stats_.stalled_connections;
    }
  }

  // Every message due inside the window that never came back is recorded
  // with the latency it had when we gave up (wrk2 would drop it): a stall at
  // the end of a run shows in p99 and in `unanswered`, never as a clean
  // number. On a connection the server killed, they count as `not_sent`.
  void charge_unanswered(std::int64_t gave_up) {
    for (const TcpStream& s : streams_) {
      const std::uint64_t before = stats_.unanswered;
      for (std::uint64_t seq = s.recv_seq;; ++seq) {
        const std::int64_t due = schedule_.due_ns(s.index, seq);
        if (due >= window_.measure_end_ns) break;
        if (due < window_.measure_start_ns) continue;
        if (!s.fd && s.lost_ns == 0) {  // dead for good (no --reconnect)
          ++stats_.not_sent;
          continue;
        }
        ++stats_.unanswered;
        stats_.corrected.record(gave_up - due);
        stats_.uncorrected.record(gave_up - due);
      }
      if (stats_.unanswered > before) ++stats_.stalled_connections;
    }
  }

  // Sends every message this connection may send now, until the socket is full.
  void try_send(TcpStream& s, std::int64_t now) {
    if (s.connecting) return;
    const std::uint64_t in_flight_limit = s.recv_seq + s.sent_at.size();
    const std::uint64_t limit =
        config_.open_loop() || ramping_ ? std::min(s.allowed, in_flight_limit) : in_flight_limit;
    while (s.send_seq < limit) {
      if (s.send_offset == 0 && s.send_seq >= s.resend_until)
        s.sent_at[s.send_seq % s.sent_at.size()] = now;
      const char* message = a_.pattern->message(s.stream, s.send_seq);
      const ssize_t n = ::send(s.fd.get(), message + s.send_offset, config_.size - s.send_offset,
                               MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
          fail(s, errno);
        } else if (!s.watching_output) {  // the socket is full: wake us when it drains
          s.watching_output = true;
          watch(s, EPOLL_CTL_MOD, EPOLLIN | EPOLLOUT | EPOLLET);
        }
        return;
      }
      s.send_offset += static_cast<std::size_t>(n);
      if (s.send_offset == config_.size) {
        ++s.send_seq;
        s.send_offset = 0;
      }
    }
    if (s.watching_output) {  // caught up: stop asking
      s.watching_output = false;
      watch(s, EPOLL_CTL_MOD, EPOLLIN | EPOLLET);
    }
  }

  void watch(TcpStream& s, int op, std::uint32_t events) {
    epoll_event event{};
    event.events = events;
    event.data.ptr = &s;
    ::epoll_ctl(epoll_.get(), op, s.fd.get(), &event);
  }

  void receive(TcpStream& s, std::int64_t now) {
    for (;;) {
      const ssize_t n = ::recv(s.fd.get(), buffer_.data(), buffer_.size(), MSG_DONTWAIT);
      if (n > 0) {
        if (!consume(s, buffer_.data(), static_cast<std::size_t>(n), now)) return;
        if (static_cast<std::size_t>(n) < buffer_.size()) return;  // drained for now
      } else if (n == 0) {
        const bool missing = s.recv_seq < s.send_seq || s.recv_offset > 0 || s.send_offset > 0;
        if (!reconnecting_) ++(missing ? stats_.errors.short_read : stats_.errors.eof);
        close(s);
        return;
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return;
      } else if (errno != EINTR) {
        fail(s, errno);
        return;
      }
    }
  }

  // Checks received bytes against what was sent. Returns false if the
  // connection had to be closed (the server sent bytes we never sent).
  bool consume(TcpStream& s, const char* data, std::size_t n, std::int64_t now) {
    while (n > 0) {
      const std::size_t sent_of_this =
          s.recv_seq < s.send_seq ? config_.size : (s.recv_seq == s.send_seq ? s.send_offset : 0);
      if (s.recv_offset + std::min(n, config_.size - s.recv_offset) > sent_of_this) {
        ++stats_.mismatches;  // more bytes came back than were sent
        ++stats_.errors.other;
        close(s);
        return false;
      }
      const std::size_t take = std::min(n, config_.size - s.recv_offset);
      const char* expected = a_.pattern->message(s.stream, s.recv_seq) + s.recv_offset;
      if (std::memcmp(expected, data, take) != 0) s.corrupt = true;
      s.recv_offset += take;
      data += take;
      n -= take;
      if (s.recv_offset == config_.size) complete(s, now);
    }
    return true;
  }

  void complete(TcpStream& s, std::int64_t now) {
    if (s.corrupt) ++stats_.mismatches;  // counted in warm-up too: wrong is wrong
    const std::int64_t sent = s.sent_at[s.recv_seq % s.sent_at.size()];
    if (config_.open_loop()) {
      // Counted by when it was due, so echoes that arrive while draining
      // after the window still count, with their full latency.
      const std::int64_t due = schedule_.due_ns(s.index, s.recv_seq);
      if (window_.measuring(due)) {
        ++stats_.messages;
        stats_.corrected.record(now - due);
        stats_.uncorrected.record(now - sent);
      }
    } else if (window_.measuring(now)) {
      ++stats_.messages;
      stats_.corrected.record(now - sent);
    }
    ++s.recv_seq;
    s.recv_offset = 0;
    s.corrupt = false;
    s.last_echo_ns = now;
  }

  void fail(TcpStream& s, int error) {
    if (!reconnecting_) count_io_error(error, stats_.errors);
    close(s);
  }

  // The connection has ended. With --reconnect during the load it is lost
  // for now: rewound to its first unanswered message, to be opened again;
  // otherwise it stays closed, an error.
  void close(TcpStream& s) {
    s.fd.reset();
    s.connecting = false;
    if (reconnecting_) {
      if (s.lost_ns == 0) {
        s.lost_ns = now_ns();
        ++lost_;
      }
      s.retry_ns = 0;
      const std::uint64_t sent = s.send_seq + (s.send_offset > 0 ? 1 : 0);
      stats_.resent += sent - s.recv_seq;  // in flight: the server took them with it
      s.resend_until = std::max(s.resend_until, sent);
      s.send_seq = s.recv_seq;
      s.send_offset = s.recv_offset = 0;
      if (s.corrupt)
        ++stats_.mismatches;  // half an echo, already wrong: sending again hides nothing
      s.corrupt = false;
      s.watching_output = false;
      return;
    }
    if (stats_.first_error.empty()) {
      stats_.first_error = "connection " + std::to_string(s.stream) + " ended by the server";
    }
  }

  // --reconnect: starts a connect for every lost connection whose retry
  // time has come; returns the next retry time (kNever if none waits).
  std::int64_t reconnect_due(std::int64_t now) {
    if (lost_ == 0) return kNever;  // the usual case: no walk over the connections
    std::int64_t next = kNever;
    for (TcpStream& s : streams_) {
      if (s.lost_ns == 0 || s.fd) continue;  // up, or its connect is under way
      if (s.retry_ns <= now) {
        UniqueFd fd(::socket(a_.peer.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        const bool started =
            fd && (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&a_.peer.storage),
                             a_.peer.length) == 0 ||
                   errno == EINPROGRESS);
        if (started) {
          s.fd = std::move(fd);
          s.connecting = true;
          watch(s, EPOLL_CTL_ADD, EPOLLIN | EPOLLOUT | EPOLLET);
          continue;
        }
        s.retry_ns = now + kReconnectPauseNs;  // refused: the server is not back yet
      }
      next = std::min(next, s.retry_ns);
    }
    return next;
  }

  // A reconnect's connect has finished, one way or the other.
  void finish_reconnect(TcpStream& s, std::int64_t now) {
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(s.fd.get(), SOL_SOCKET, SO_ERROR, &error, &length);
    s.connecting = false;
    if (error != 0) {
      s.fd.reset();
      s.retry_ns = now + kReconnectPauseNs;
      return;
    }
    set_nodelay(s.fd.get());
    ++stats_.reconnects;
    stats_.disconnected_ns += now - s.lost_ns;
    stats_.last_reconnect_ns = std::max(stats_.last_reconnect_ns, now);
    s.lost_ns = 0;
    --lost_;
    s.watching_output = false;
    watch(s, EPOLL_CTL_MOD, EPOLLIN | EPOLLET);
    try_send(s, now);
  }

  WorkerAssignment a_;
  const LoadConfig& config_;
  std::vector<TcpStream> streams_;
  std::vector<char> buffer_;
  RunWindow window_;
  OpenLoopSchedule schedule_{0, 1, 1};  // open loop: set at the start of run()
  UniqueFd epoll_;
  bool ramping_ = false;       // inside the ramp-up barrier: `allowed` caps sending in either loop
  bool reconnecting_ = false;  // --reconnect, once the load has started
  std::size_t lost_ = 0;       // connections with lost_ns set: reconnect_due's work
};

}  // namespace

std::unique_ptr<LoadWorker> make_tcp_worker(const WorkerAssignment& assignment) {
  return std::make_unique<TcpLoadWorker>(assignment);
}

}  // namespace echo
