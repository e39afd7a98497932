#pragma once
// Who listens on a TCP port, read from /proc without touching the port.
//
// An outside server (--server-cmd) is ready when its port is in LISTEN:
// a probe connection would be a client the server did not expect (one
// outside server echoed the probe's close into the next connection). And
// the process that holds the listening socket must be one echo-bench
// measures and stops: a command that daemonises behind a live shell (`setsid
// socat ... & exec sleep 1000`) would otherwise be measured as the idle
// shell, CPU 0, and outlive the run.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace echo::bench {

/// The inodes of the sockets in LISTEN on `port` (IPv4 and IPv6, any
/// address), from /proc/net/tcp and /proc/net/tcp6 of this network
/// namespace. Several with SO_REUSEPORT; none while nothing listens.
std::vector<std::uint64_t> listening_sockets(std::uint16_t port);

/// Connections waiting in the accept queues of the sockets in LISTEN on
/// `port` (their rx_queue in /proc/net/tcp and tcp6): taken by the kernel,
/// not yet by the server. nullopt while nothing listens there.
std::optional<unsigned> accept_queue_length(std::uint16_t port);

/// The processes holding any of `sockets` open (from /proc/PID/fd), as far
/// as this process may look (its own user's, or all as root).
std::vector<pid_t> processes_holding(const std::vector<std::uint64_t>& sockets);

}  // namespace echo::bench
