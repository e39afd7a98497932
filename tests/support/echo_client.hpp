#pragma once
// Client-side helpers for the model tests: connect, push data through an echo
// server while reading it back, and read to EOF, always with a deadline so a
// broken server fails a test instead of hanging it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "echo/unique_fd.hpp"

namespace echo::testing {

using namespace std::chrono_literals;

/// Blocking connection to 127.0.0.1:port with 30 s send/receive timeouts.
UniqueFd connect_local(std::uint16_t port);

/// `size` pseudo-random bytes, the same for the same seed.
std::string random_bytes(std::size_t size, std::uint32_t seed);

/// Sends `data` in chunks of the given sizes (cycling through them) while
/// reading the echo concurrently, on one non-blocking socket driven by poll()
/// so neither direction can deadlock the other. Returns the bytes received:
/// all of data.size() unless the deadline passed or the connection failed.
std::string exchange(int fd, std::string_view data, std::span<const std::size_t> chunks,
                     std::chrono::milliseconds timeout = 60s);

/// Same, sending the whole buffer at once.
std::string exchange(int fd, std::string_view data, std::chrono::milliseconds timeout = 60s);

/// Reads until EOF (or the deadline) and returns everything read.
std::string read_to_eof(int fd, std::chrono::milliseconds timeout = 30s);

/// Closes with SO_LINGER 0, so the peer gets RST instead of FIN.
void reset_connection(UniqueFd fd);

}  // namespace echo::testing
