#pragma once
// Echoes UDP datagrams in batches: one recvmmsg() takes up to kBatch waiting
// datagrams and one sendmmsg() sends them all back, two system calls for up
// to kBatch messages instead of two per message. Each loop of a model owns
// one DatagramBatch (its buffers); the socket may be shared between loops.

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <vector>

#include "simulated_work.hpp"

namespace echo {

class DatagramBatch {
 public:
  static constexpr std::size_t kBatch = 32;
  static constexpr std::size_t kMaxDatagram = 65536;  // the largest UDP payload, and then some

  DatagramBatch();

  /// Receives what is waiting on the non-blocking socket `fd` (at most
  /// kBatch datagrams), runs `work` once per datagram, and sends each back
  /// to where it came from. Returns the datagrams echoed; 0 when none was
  /// waiting. A datagram the socket's send buffer cannot take is dropped,
  /// as UDP may.
  std::size_t echo_waiting(int fd, const SimulatedWork& work);

 private:
  std::vector<char> buffers_;  // kBatch * kMaxDatagram bytes
  std::array<iovec, kBatch> iovecs_{};
  std::array<sockaddr_storage, kBatch> peers_{};
  std::array<mmsghdr, kBatch> messages_{};
};

}  // namespace echo
