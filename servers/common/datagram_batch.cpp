#include "datagram_batch.hpp"

#include <cerrno>

namespace echo {

DatagramBatch::DatagramBatch(std::size_t batch)
    : batch_(batch),
      buffers_(batch * kMaxDatagram),
      iovecs_(batch),
      peers_(batch),
      messages_(batch) {}

std::size_t DatagramBatch::echo_waiting(int fd, const SimulatedWork& work) {
  for (std::size_t i = 0; i < batch_; ++i) {
    iovecs_[i] = {buffers_.data() + i * kMaxDatagram, kMaxDatagram};
    messages_[i] = {};
    messages_[i].msg_hdr.msg_iov = &iovecs_[i];
    messages_[i].msg_hdr.msg_iovlen = 1;
    messages_[i].msg_hdr.msg_name = &peers_[i];
    messages_[i].msg_hdr.msg_namelen = sizeof peers_[i];
  }
  const int received =
      ::recvmmsg(fd, messages_.data(), static_cast<unsigned>(batch_), MSG_DONTWAIT, nullptr);
  if (received <= 0) return 0;  // EAGAIN, or an ICMP error from an earlier reply
  const auto count = static_cast<std::size_t>(received);
  for (std::size_t i = 0; i < count; ++i) {
    work();
    iovecs_[i].iov_len = messages_[i].msg_len;  // send back exactly what came
  }
  for (std::size_t sent = 0; sent < count;) {
    const int n =
        ::sendmmsg(fd, messages_.data() + sent, static_cast<unsigned>(count - sent), MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      ++sent;  // this one cannot go now (buffer full, or its peer is gone): drop it
    }
  }
  return count;
}

}  // namespace echo
