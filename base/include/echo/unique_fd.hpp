#pragma once
// UniqueFd: sole owner of one file descriptor (socket, eventfd, signalfd...).
// Move-only; the destructor closes the descriptor, so an early return or an
// exception can never leak one. Anyone who needs the raw number borrows it with
// get() and must not close it.

#include <unistd.h>

#include <utility>

namespace echo {

class UniqueFd {
 public:
  UniqueFd() noexcept = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }

  /// Gives up ownership without closing (e.g. to hand the fd to Asio).
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

  /// Closes the current descriptor, if any, and takes ownership of `fd`.
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace echo
