#pragma once
// Echoes UDP datagrams in batches: one recvmmsg() takes up to `batch` waiting
// datagrams and one sendmmsg() sends them all back, two system calls for up
// to `batch` messages instead of two per message (--udp-batch; 1 turns the
// batching off, for measuring what it buys). Each loop of a model owns
// one DatagramBatch (its buffers); the socket may be shared between loops.

#include <sys/socket.h>

#include <cstddef>
#include <vector>

#include "simulated_work.hpp"

namespace echo {

class DatagramBatch {
 public:
  static constexpr std::size_t kMaxBatch = 1024;
  static constexpr std::size_t kMaxDatagram = 65536;  // the largest UDP payload, and then some

  /// `batch`: datagrams per system call, 1 to kMaxBatch.
  explicit DatagramBatch(std::size_t batch);

  [[nodiscard]] std::size_t batch() const { return batch_; }

  /// Receives what is waiting on the non-blocking socket `fd` (at most
  /// batch() datagrams), runs `work` once per datagram, and sends each back
  /// to where it came from. Returns the datagrams echoed; 0 when none was
  /// waiting. A datagram the socket's send buffer cannot take is dropped,
  /// as UDP may.
  std::size_t echo_waiting(int fd, const SimulatedWork& work);

 private:
  std::size_t batch_;
  std::vector<char> buffers_;  // batch_ * kMaxDatagram bytes
  std::vector<iovec> iovecs_;
  std::vector<sockaddr_storage> peers_;
  std::vector<mmsghdr> messages_;
};

}  // namespace echo
