#include "port_listeners.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <sstream>
#include <string>

#include "proc_stat.hpp"

namespace echo::bench {
namespace {

constexpr const char* kListenState = "0A";  // TCP_LISTEN in /proc/net/tcp's "st" column

// Entries of a /proc directory that are numbers (PIDs, descriptors); none
// if it is gone (a process that exited meanwhile).
std::vector<std::string> numeric_entries(const std::string& path) {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
    std::string name = entry.path().filename().string();
    if (!name.empty() &&
        std::all_of(name.begin(), name.end(), [](unsigned char c) { return c >= '0' && c <= '9'; }))
      names.push_back(std::move(name));
  }
  return names;
}

// Calls `each(queues, inode)` for every socket in LISTEN on `port`, with
// its "tx_queue:rx_queue" column (hexadecimal).
template <class Each>
void for_each_listener(std::uint16_t port, Each&& each) {
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    const std::optional<std::string> text = read_proc_file(table);
    if (!text) continue;
    std::istringstream lines(*text);
    std::string line;
    std::getline(lines, line);  // the header
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    while (std::getline(lines, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout;
      std::uint64_t inode = 0;
      if (!(fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
            timeout >> inode)) {
        continue;
      }
      const auto colon = local.rfind(':');
      if (state != kListenState || colon == std::string::npos) continue;
      if (std::stoul(local.substr(colon + 1), nullptr, 16) == port) each(queues, inode);
    }
  }
}

}  // namespace

std::vector<std::uint64_t> listening_sockets(std::uint16_t port) {
  std::vector<std::uint64_t> inodes;
  for_each_listener(port,
                    [&](const std::string&, std::uint64_t inode) { inodes.push_back(inode); });
  return inodes;
}

std::optional<unsigned> accept_queue_length(std::uint16_t port) {
  std::optional<unsigned> waiting;
  for_each_listener(port, [&](const std::string& queues, std::uint64_t) {
    const auto colon = queues.find(':');
    const unsigned long rx =
        colon == std::string::npos ? 0 : std::stoul(queues.substr(colon + 1), nullptr, 16);
    waiting = waiting.value_or(0) + static_cast<unsigned>(rx);
  });
  return waiting;
}

std::vector<pid_t> processes_holding(const std::vector<std::uint64_t>& sockets) {
  std::vector<std::string> wanted;
  wanted.reserve(sockets.size());
  for (const std::uint64_t inode : sockets)
    wanted.push_back("socket:[" + std::to_string(inode) + "]");
  std::vector<pid_t> holders;
  for (const std::string& pid : numeric_entries("/proc")) {
    const std::string fd_dir = "/proc/" + pid + "/fd";
    for (const std::string& fd : numeric_entries(fd_dir)) {
      std::array<char, 64> target{};
      std::string link = fd_dir;
      link.append("/").append(fd);
      const ssize_t length = ::readlink(link.c_str(), target.data(), target.size() - 1);
      if (length <= 0) continue;
      if (std::find(wanted.begin(), wanted.end(),
                    std::string(target.data(), static_cast<std::size_t>(length))) != wanted.end()) {
        holders.push_back(static_cast<pid_t>(std::stol(pid)));
        break;
      }
    }
  }
  return holders;
}

}  // namespace echo::bench
