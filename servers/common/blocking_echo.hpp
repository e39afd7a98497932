#pragma once
// The echo loop of the blocking models (thread-per-connection,
// fork-per-connection, iterative): read a chunk, write it all back, repeat.

#include <cstddef>

#include "simulated_work.hpp"

namespace echo {

/// Bytes read per read(). At least 16 KiB so bulk transfers need few system
/// calls; small enough that thousands of blocking connections stay cheap.
inline constexpr std::size_t kEchoChunkBytes = std::size_t{16} * 1024;

/// How a connection ended.
enum class EchoEnd {
  peer_closed,  ///< EOF: everything received was echoed, our side shut down
  error,        ///< reset, broken pipe, or the server shut the socket down
  timed_out,    ///< a read or write outlasted SO_RCVTIMEO / SO_SNDTIMEO (the defences)
};

/// Echoes on a blocking socket `fd` (owned by the caller) until the peer
/// closes its sending side or the connection fails. On EOF it sends FIN with
/// shutdown(SHUT_WR), which is RFC 862's half-close: the peer has already been
/// sent every byte it sent us.
/// `work` runs after each read, before the echo (see SimulatedWork).
/// On a timeout it arranges for the caller's close() to reset the
/// connection (reset_when_closed).
EchoEnd echo_until_closed(int fd, const SimulatedWork& work = {});

}  // namespace echo
