#include "waker.hpp"

#include <sys/eventfd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace echo {

Waker::Waker() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (!fd_) throw std::system_error(errno, std::generic_category(), "eventfd");
}

void Waker::notify() noexcept {
  const std::uint64_t one = 1;
  // Can only fail with EAGAIN when the counter is saturated: already awake.
  [[maybe_unused]] auto n = ::write(fd_.get(), &one, sizeof one);
}

void Waker::drain() noexcept {
  std::uint64_t count;
  [[maybe_unused]] auto n = ::read(fd_.get(), &count, sizeof count);
}

}  // namespace echo
