#pragma once
// The plumbing of one thread's io_uring, so that the io-uring model's file is
// about echoing: creating the ring (and failing clearly where the kernel
// refuses), taking submission slots, and reaping completions while counting
// what is still in flight, which is how a loop knows when shutdown is done.
//
// Created on the main thread, disabled, so that an unusable io_uring fails
// start() before the ready line; enable() on the thread that will use it,
// which then is its only submitter (IORING_SETUP_SINGLE_ISSUER).

#include <liburing.h>

#include <cerrno>
#include <system_error>

namespace echo {

class UringQueue {
 public:
  /// Throws StartError naming the reason when io_uring is unavailable
  /// (Linux before 5.19, seccomp, kernel.io_uring_disabled).
  explicit UringQueue(unsigned depth);
  ~UringQueue() { io_uring_queue_exit(&ring_); }
  UringQueue(const UringQueue&) = delete;
  UringQueue& operator=(const UringQueue&) = delete;

  io_uring& ring() { return ring_; }

  /// On the thread that will submit, before the first next().
  void enable();

  /// A submission slot whose completion will carry `tag`; submits what is
  /// queued when the queue is full. Counts the operation as in flight.
  io_uring_sqe* next(void* tag);

  /// Operations submitted whose last completion has not come yet.
  [[nodiscard]] unsigned in_flight() const { return in_flight_; }

  /// Submits what is queued, waits for at least one completion, and calls
  /// `on_completion(tag, result, flags)` for each one there is. A multishot
  /// operation stays in flight while its completions say IORING_CQE_F_MORE.
  template <class OnCompletion>
  void submit_and_complete(OnCompletion&& on_completion) {
    const int error = io_uring_submit_and_wait(&ring_, 1);
    if (error < 0 && error != -EINTR && error != -EBUSY) {
      throw std::system_error(-error, std::generic_category(), "io_uring_submit_and_wait");
    }
    unsigned head = 0;
    unsigned seen = 0;
    io_uring_cqe* cqe = nullptr;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      ++seen;
      if ((cqe->flags & IORING_CQE_F_MORE) == 0) --in_flight_;
      on_completion(io_uring_cqe_get_data(cqe), cqe->res, cqe->flags);
    }
    io_uring_cq_advance(&ring_, seen);
  }

 private:
  io_uring ring_{};
  unsigned in_flight_ = 0;
};

}  // namespace echo
