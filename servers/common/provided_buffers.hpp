#pragma once
// io_uring's provided-buffer ring: a set of equal receive buffers registered
// with one ring, from which the kernel takes a buffer only when data arrives.
// A receive that waits costs no buffer, so memory does not grow with idle
// connections. The owner gives each buffer back once it has sent its bytes.
//
// Owned by one ring's thread (io-uring's loops); not thread-safe.

#include <liburing.h>

#include <cstddef>
#include <cstdint>
#include <memory>

namespace echo {

class ProvidedBuffers {
 public:
  /// Registers `count` buffers (a power of two) of `size` bytes with `ring`
  /// as buffer group `group`. Throws std::system_error when the kernel
  /// refuses (buffer rings need Linux 5.19).
  ProvidedBuffers(io_uring& ring, unsigned count, std::size_t size, std::uint16_t group);
  ~ProvidedBuffers();
  ProvidedBuffers(const ProvidedBuffers&) = delete;
  ProvidedBuffers& operator=(const ProvidedBuffers&) = delete;

  [[nodiscard]] std::uint16_t group() const { return group_; }
  [[nodiscard]] std::size_t size() const { return size_; }

  /// The bytes of buffer `id`, as a completion's flags name it.
  [[nodiscard]] char* data(unsigned id) const { return storage_.get() + id * size_; }

  /// Hands buffer `id` back to the kernel for the next receive.
  void give_back(unsigned id);

 private:
  io_uring& ring_;
  unsigned count_;
  std::size_t size_;
  std::uint16_t group_;
  io_uring_buf_ring* entries_ = nullptr;  // shared with the kernel (mmap'ed)
  std::size_t entries_bytes_ = 0;
  // Not zero-filled: a page costs memory only once the kernel writes into it.
  std::unique_ptr<char[]> storage_;
};

}  // namespace echo
