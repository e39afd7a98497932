#pragma once
// What every model does when accept() fails for lack of descriptors (EMFILE,
// ENFILE, ENOBUFS, ENOMEM): the connection stays in the backlog, and the
// model stops accepting for a while, so that it neither crashes nor spins a
// core on a listener that stays readable. One pause and one log line for all.

#include <chrono>

#include "log.hpp"

namespace echo {

inline constexpr std::chrono::milliseconds kAcceptBackoff{100};

/// The pause in the unit poll() and epoll_wait() take.
inline constexpr int kAcceptBackoffMs = static_cast<int>(kAcceptBackoff.count());

inline void log_accept_backoff() {
  log_warning("out of file descriptors; pausing accept for 100 ms");
}

}  // namespace echo
