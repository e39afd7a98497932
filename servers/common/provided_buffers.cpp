#include "provided_buffers.hpp"

#include <sys/mman.h>

#include <cerrno>
#include <system_error>

namespace echo {

ProvidedBuffers::ProvidedBuffers(io_uring& ring, unsigned count, std::size_t size,
                                 std::uint16_t group)
    : ring_(ring),
      count_(count),
      size_(size),
      group_(group),
      entries_bytes_(count * sizeof(io_uring_buf)),
      storage_(new char[count * size]) {
  // The entries must be page-aligned memory the kernel can map: mmap gives that.
  void* memory =
      ::mmap(nullptr, entries_bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (memory == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap");
  entries_ = static_cast<io_uring_buf_ring*>(memory);
  io_uring_buf_reg registration{};
  registration.ring_addr = reinterpret_cast<std::uintptr_t>(memory);
  registration.ring_entries = count;
  registration.bgid = group;
  if (const int error = io_uring_register_buf_ring(&ring_, &registration, 0); error < 0) {
    ::munmap(memory, entries_bytes_);
    throw std::system_error(-error, std::generic_category(), "io_uring_register_buf_ring");
  }
  io_uring_buf_ring_init(entries_);
  const int mask = io_uring_buf_ring_mask(count);
  for (unsigned id = 0; id < count; ++id) {
    io_uring_buf_ring_add(entries_, data(id), static_cast<unsigned>(size),
                          static_cast<unsigned short>(id), mask, static_cast<int>(id));
  }
  io_uring_buf_ring_advance(entries_, static_cast<int>(count));
}

ProvidedBuffers::~ProvidedBuffers() {
  io_uring_unregister_buf_ring(&ring_, group_);
  ::munmap(entries_, entries_bytes_);
}

void ProvidedBuffers::give_back(unsigned id) {
  io_uring_buf_ring_add(entries_, data(id), static_cast<unsigned>(size_),
                        static_cast<unsigned short>(id), io_uring_buf_ring_mask(count_), 0);
  io_uring_buf_ring_advance(entries_, 1);
}

}  // namespace echo
