#include "cpu_locks.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <iostream>
#include <string>

#include "proc_stat.hpp"

namespace echo::bench {
namespace {

// The first directory that exists or can be made, shared by every user
// (sticky, like /tmp), so that runs of different users see each other.
std::string lock_directory() {
  const std::string fallback = std::filesystem::temp_directory_path() / "echo-bench-locks";
  for (const std::string& directory : {std::string("/run/lock/echo-bench"), fallback}) {
    if (::mkdir(directory.c_str(), 01777) == 0) ::chmod(directory.c_str(), 01777);  // past umask
    if (::access(directory.c_str(), W_OK) == 0) return directory;
  }
  throw std::runtime_error("cannot make a directory for the CPU locks (/run/lock/echo-bench, " +
                           fallback + ")");
}

std::string holder_of(const std::string& path) {
  std::string pid = read_proc_file(path).value_or("");
  pid.erase(std::remove(pid.begin(), pid.end(), '\n'), pid.end());
  return pid.empty() ? "another echo-bench" : "echo-bench (PID " + pid + ")";
}

}  // namespace

CpuLocks::CpuLocks(const std::vector<int>& cpus, bool wait) {
  const std::string directory = lock_directory();
  std::vector<int> ordered = cpus;  // one order for every run, so two never deadlock
  std::sort(ordered.begin(), ordered.end());
  ordered.erase(std::unique(ordered.begin(), ordered.end()), ordered.end());
  for (const int cpu : ordered) {
    const std::string path = directory + "/cpu-" + std::to_string(cpu) + ".lock";
    UniqueFd file(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666));
    if (!file) throw std::runtime_error("cannot open the CPU lock " + path);
    ::fchmod(file.get(), 0666);  // past umask: other users' runs lock it too
    if (::flock(file.get(), LOCK_EX | LOCK_NB) != 0) {
      const std::string message =
          "CPU " + std::to_string(cpu) + " is in use by " + holder_of(path) + " (" + path + ")";
      if (!wait) throw CpuBusy(message + "; --wait-for-lock waits for it");
      std::cerr << "echo-bench: " << message << "; waiting for it" << std::endl;
      while (::flock(file.get(), LOCK_EX) != 0 && errno == EINTR) {
      }
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(file.get(), 0) == 0) {
      [[maybe_unused]] const ssize_t written = ::pwrite(file.get(), pid.data(), pid.size(), 0);
    }
    held_.push_back(std::move(file));
  }
}

}  // namespace echo::bench
