// The UDP load loop of one thread. Each "connection" is a connected UDP
// socket (so it only hears from the server). A datagram is an 8-byte sequence
// number followed by that message's payload slice; it goes out with sendmsg
// from the pattern, without a copy.
//
// UDP may drop, duplicate or reorder: each socket keeps a window of the
// datagrams in flight, oldest first. An echo marks its entry; an entry older
// than --udp-timeout counts as lost and frees its slot, so a lost datagram
// never stalls the closed loop.
//
// After the window, datagrams sent inside it keep their --udp-timeout to come
// back; those that do not are lost, however short the window. In open loop,
// each one due inside the window that was still out when it closed (or was
// never sent) is also unanswered, charged from its due time to when we gave
// up, as TCP's are: a server that answers nothing never looks clean.

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <vector>

#include "load_worker.hpp"
#include "open_loop_schedule.hpp"

namespace echo {
namespace {

constexpr std::size_t kHeaderBytes = sizeof(std::uint64_t);
constexpr std::size_t kOpenLoopInFlight = 4096;

struct InFlight {
  std::uint64_t seq;
  std::int64_t due_ns;   // open loop: scheduled time
  std::int64_t sent_ns;  // actual send time
  bool back = false;
};

struct UdpStream {
  UniqueFd fd;
  std::uint32_t stream = 0;
  std::uint64_t allowed = 0;  // open loop: datagrams due so far
  std::uint64_t next_seq = 0;
  std::size_t outstanding = 0;  // in window and not back
  std::deque<InFlight> window;
};

class UdpLoadWorker final : public LoadWorker {
 public:
  explicit UdpLoadWorker(const WorkerAssignment& assignment)
      : a_(assignment),
        config_(*assignment.config),
        buffer_(65536),
        timeout_ns_(static_cast<std::int64_t>(config_.udp_timeout_s * 1e9)) {}

  void connect_all() override {
    std::vector<UniqueFd> fds = connect_all_counted(a_.peer, SOCK_DGRAM, a_.connections,
                                                    config_.connect_timeout_s, config_, stats_);
    for (unsigned i = 0; i < a_.connections; ++i) {
      if (!fds[i]) continue;
      UdpStream& s = streams_.emplace_back();
      s.fd = std::move(fds[i]);
      s.stream = a_.first_stream + i;
    }
  }

  void run(const RunWindow& window) override {
    window_ = window;
    if (streams_.empty() || window.measure_end_ns <= window.start_ns) return;
    UniqueFd epoll(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll) {
      epoll_failed(stats_, errno);
      return;
    }
    for (auto& s : streams_) {
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.ptr = &s;
      ::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, s.fd.get(), &event);
    }
    const auto count = static_cast<unsigned>(streams_.size());
    const OpenLoopSchedule schedule(window.start_ns, std::max(a_.rate, 1e-9), count);
    std::uint64_t next_due = 0;
    std::vector<epoll_event> events(std::min<std::size_t>(count, 1024));

    wait_for_start(window);
    std::int64_t now = now_ns();
    while (now < window.measure_end_ns) {
      std::int64_t wake =
          std::min(window.measure_end_ns, publish_progress(now, window, a_.progress_interval_ns));
      if (config_.open_loop()) {
        for (const std::uint64_t due = schedule.due_count(now); next_due < due; ++next_due) {
          streams_[next_due % count].allowed = next_due / count + 1;
        }
        wake = std::min(wake, schedule.due_of(next_due));
      }
      for (auto& s : streams_) {
        expire(s, now);
        send_allowed(s, schedule, now);
        if (!s.window.empty()) wake = std::min(wake, s.window.front().sent_ns + timeout_ns_);
      }
      const std::int64_t wait = std::max<std::int64_t>(0, wake - now);
      const timespec timeout{static_cast<time_t>(wait / 1'000'000'000),
                             static_cast<long>(wait % 1'000'000'000)};
      const int n = ::epoll_pwait2(epoll.get(), events.data(), static_cast<int>(events.size()),
                                   &timeout, nullptr);
      now = now_ns();
      for (int i = 0; i < n; ++i) receive(*static_cast<UdpStream*>(events[i].data.ptr), now);
    }
    if (config_.open_loop()) {  // due between the last wake-up and the window's end
      for (const std::uint64_t due = schedule.due_count(window.measure_end_ns - 1); next_due < due;
           ++next_due) {
        streams_[next_due % count].allowed = next_due / count + 1;
      }
    }
    drain(epoll.get(), events);
    if (config_.open_loop()) charge_never_sent(schedule, now_ns());
    if (!config_.open_loop()) stats_.uncorrected = stats_.corrected;
  }

 private:
  void send_allowed(UdpStream& s, const OpenLoopSchedule& schedule, std::int64_t now) {
    const std::size_t in_flight_limit = config_.open_loop() ? kOpenLoopInFlight : config_.pipeline;
    while (s.outstanding < in_flight_limit && (!config_.open_loop() || s.next_seq < s.allowed)) {
      std::uint64_t header = s.next_seq;
      iovec parts[2] = {{&header, kHeaderBytes},
                        {const_cast<char*>(a_.pattern->message(s.stream, s.next_seq)),
                         config_.size - kHeaderBytes}};
      msghdr message{};
      message.msg_iov = parts;
      message.msg_iovlen = 2;
      if (::sendmsg(s.fd.get(), &message, MSG_DONTWAIT) < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNREFUSED) {
          count_io_error(errno, stats_.errors);
        }
        return;  // socket buffer full, or an ICMP error from an earlier datagram
      }
      const std::int64_t due = config_.open_loop() ? schedule.due_ns(index_of(s), s.next_seq) : now;
      s.window.push_back({s.next_seq++, due, now});
      ++s.outstanding;
    }
  }

  void receive(UdpStream& s, std::int64_t now) {
    for (;;) {
      const ssize_t n = ::recv(s.fd.get(), buffer_.data(), buffer_.size(), MSG_DONTWAIT);
      if (n < 0) return;  // EAGAIN, or ECONNREFUSED from ICMP: the timeout accounts for it
      std::uint64_t seq = 0;
      if (static_cast<std::size_t>(n) != config_.size) {
        ++stats_.mismatches;
        continue;
      }
      std::memcpy(&seq, buffer_.data(), kHeaderBytes);
      InFlight* entry = find(s, seq);
      const char* expected = a_.pattern->message(s.stream, seq);
      if (entry == nullptr || entry->back ||
          std::memcmp(expected, buffer_.data() + kHeaderBytes, config_.size - kHeaderBytes) != 0) {
        ++stats_.mismatches;  // corrupted, duplicated, or never sent
        continue;
      }
      entry->back = true;
      --s.outstanding;
      if (window_.measuring(entry->sent_ns)) {
        ++stats_.sent;
        // Open loop counts a message by when it was due (as TCP does), so an
        // echo that comes back while draining still counts; closed loop by
        // when it came back.
        if (window_.measuring(config_.open_loop() ? entry->due_ns : now)) ++stats_.messages;
        stats_.corrected.record(now - entry->due_ns);
        if (config_.open_loop()) stats_.uncorrected.record(now - entry->sent_ns);
      }
    }
  }

  // Drops finished entries from the front; entries past the timeout are lost
  // (all of them when `give_up`). After the window, in open loop, a lost one
  // is also unanswered: it was out when the window closed.
  void expire(UdpStream& s, std::int64_t now, bool give_up = false) {
    while (!s.window.empty()) {
      InFlight& oldest = s.window.front();
      if (!oldest.back) {
        if (!give_up && now - oldest.sent_ns < timeout_ns_) return;
        --s.outstanding;
        if (window_.measuring(oldest.sent_ns)) {
          ++stats_.lost;
          ++stats_.sent;
          if (config_.open_loop() && now >= window_.measure_end_ns)
            charge_unanswered(oldest.due_ns, now);
        }
      }
      s.window.pop_front();
    }
  }

  void charge_unanswered(std::int64_t due, std::int64_t gave_up) {
    ++stats_.unanswered;
    stats_.corrected.record(gave_up - due);
    stats_.uncorrected.record(gave_up - due);
  }

  // Waits, up to --udp-timeout past the window, for what was sent inside it;
  // whatever has not come back by then is given up.
  void drain(int epoll, std::vector<epoll_event>& events) {
    const std::int64_t deadline = window_.measure_end_ns + timeout_ns_;
    const auto waiting = [this] {
      return std::any_of(streams_.begin(), streams_.end(),
                         [](const UdpStream& s) { return s.outstanding > 0; });
    };
    for (std::int64_t now = now_ns(); now < deadline && waiting(); now = now_ns()) {
      for (auto& s : streams_) expire(s, now);
      const std::int64_t wait = std::min<std::int64_t>(deadline - now, 10'000'000);
      const timespec timeout{0, static_cast<long>(wait)};
      const int n =
          ::epoll_pwait2(epoll, events.data(), static_cast<int>(events.size()), &timeout, nullptr);
      const std::int64_t after = now_ns();
      for (int i = 0; i < n; ++i) receive(*static_cast<UdpStream*>(events[i].data.ptr), after);
    }
    const std::int64_t gave_up = std::max(now_ns(), window_.measure_end_ns);
    for (auto& s : streams_) expire(s, gave_up, /*give_up=*/true);
  }

  // Open loop: datagrams due inside the window that never went out (the
  // socket stayed full, or the in-flight cap held them back).
  void charge_never_sent(const OpenLoopSchedule& schedule, std::int64_t gave_up) {
    for (auto& s : streams_) {
      for (std::uint64_t seq = s.next_seq; seq < s.allowed; ++seq) {
        const std::int64_t due = schedule.due_ns(index_of(s), seq);
        if (window_.measuring(due)) charge_unanswered(due, gave_up);
      }
    }
  }

  static InFlight* find(UdpStream& s, std::uint64_t seq) {
    if (s.window.empty() || seq < s.window.front().seq) return nullptr;
    const std::uint64_t offset = seq - s.window.front().seq;
    return offset < s.window.size() ? &s.window[offset] : nullptr;
  }

  unsigned index_of(const UdpStream& s) const {
    return static_cast<unsigned>(&s - streams_.data());
  }

  WorkerAssignment a_;
  const LoadConfig& config_;
  std::vector<UdpStream> streams_;
  std::vector<char> buffer_;
  std::int64_t timeout_ns_;
  RunWindow window_;
};

}  // namespace

std::unique_ptr<LoadWorker> make_udp_worker(const WorkerAssignment& assignment) {
  return std::make_unique<UdpLoadWorker>(assignment);
}

}  // namespace echo
