#pragma once
// Waker: an eventfd that one thread writes to wake another thread blocked in
// poll()/epoll_wait(). Used to deliver stop() and "a thread finished" to the
// accept loops without signals or timeouts.

#include "echo/unique_fd.hpp"

namespace echo {

class Waker {
 public:
  Waker();
  /// Any thread; async-signal-safe (one write()).
  void notify() noexcept;
  /// The waiting thread, after poll() reported fd() readable.
  void drain() noexcept;
  [[nodiscard]] int fd() const noexcept { return fd_.get(); }

 private:
  UniqueFd fd_;
};

}  // namespace echo
