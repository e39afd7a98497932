#include "uring_queue.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include "echo/socket_ops.hpp"

namespace echo {

UringQueue::UringQueue(unsigned depth) {
  // DEFER_TASKRUN runs the kernel's part of completions when this thread
  // waits for them, not on interrupts; it needs Linux 6.1, so older kernels
  // get the plain ring.
  constexpr unsigned kFast = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  int error = io_uring_queue_init(depth, &ring_, IORING_SETUP_R_DISABLED | kFast);
  if (error == -EINVAL) error = io_uring_queue_init(depth, &ring_, IORING_SETUP_R_DISABLED);
  if (error < 0) {
    throw StartError("io_uring is unavailable: " + error_text(-error) +
                     " (it needs Linux 5.19 or later, and no seccomp filter or "
                     "kernel.io_uring_disabled setting that blocks it)");
  }
}

void UringQueue::enable() {
  // liburing 2.3's io_uring_enable_rings(), which Debian's shared library
  // does not export (it is missing from 2.3's symbol map).
  if (::syscall(__NR_io_uring_register, ring_.ring_fd, IORING_REGISTER_ENABLE_RINGS, nullptr, 0) !=
      0) {
    throw std::system_error(errno, std::generic_category(), "IORING_REGISTER_ENABLE_RINGS");
  }
  // Each io_uring_enter() then skips looking up the ring's descriptor; an
  // optimisation only, so a kernel without it (before 5.18) is fine.
  io_uring_register_ring_fd(&ring_);
}

io_uring_sqe* UringQueue::next(void* tag) {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (sqe == nullptr) {
    io_uring_submit(&ring_);
    sqe = io_uring_get_sqe(&ring_);
  }
  io_uring_sqe_set_data(sqe, tag);
  ++in_flight_;
  return sqe;
}

}  // namespace echo
