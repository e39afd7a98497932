#pragma once
// Clients that misbehave, for the hostile scenario: N connections attached
// to a server while a well-behaved load measures what is left for the
// others. Each kind is one thing an operator meets in the wild:
//   idle        connects and sends nothing (a client that went quiet);
//   trickle     sends one byte per second and never reads (slowloris);
//   non-reader  sends about 256 KiB and never reads its echo;
//   flood       one thread connects and resets as fast as it can.
// The clients run on their own thread (trickle, flood) or need none (idle,
// non-reader); they never read, and they count what the server did to them.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "echo/unique_fd.hpp"

namespace echo::bench {

enum class HostileKind { idle, trickle, non_reader, flood };

const char* hostile_kind_name(HostileKind kind);
/// "idle", "trickle", "non-reader" or "flood"; nullopt for anything else.
std::optional<HostileKind> parse_hostile_kind(const std::string& name);

/// What the hostile clients saw, at one moment.
struct HostileCounts {
  unsigned attached = 0;           ///< connections that were established
  unsigned refused = 0;            ///< connects that failed or never completed
  unsigned closed = 0;             ///< attached connections the server has ended (FIN or RST)
  std::uint64_t flood_cycles = 0;  ///< flood: connect + reset cycles completed
};

class HostileClients {
 public:
  /// Attaches `count` clients of `kind` to 127.0.0.1:port (flood: starts
  /// its thread; `count` is ignored) and returns once every connect has
  /// completed or failed (each connect may take up to `connect_limit`).
  HostileClients(std::uint16_t port, HostileKind kind, unsigned count,
                 std::chrono::milliseconds connect_limit = std::chrono::seconds(10));
  ~HostileClients();  ///< stops the thread, closes every connection
  HostileClients(const HostileClients&) = delete;
  HostileClients& operator=(const HostileClients&) = delete;

  /// The counts now (looks at each connection without reading from it).
  [[nodiscard]] HostileCounts counts() const;

 private:
  void trickle_until_stopped();
  void flood_until_stopped();

  std::uint16_t port_;
  std::vector<UniqueFd> sockets_;  // attached; never read from
  unsigned refused_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> flood_cycles_{0};
  std::atomic<unsigned> flood_refused_{0};
  std::thread thread_;  // trickle, flood
};

}  // namespace echo::bench
