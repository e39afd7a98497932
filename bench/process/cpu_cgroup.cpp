#include "cpu_cgroup.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <thread>

#include "proc_stat.hpp"

namespace echo::bench {
namespace {

constexpr std::string_view kPrefix = "echo-bench.";

// Whether comma-separated `list` holds `word` ("rw,cpuacct", "cpu,cpuacct").
bool lists(const std::string& list, const std::string& word) {
  std::istringstream items(list);
  for (std::string item; std::getline(items, item, ',');) {
    if (item == word) return true;
  }
  return false;
}

// Where echo-bench's own cpuacct group is in the file system: the cgroup v1
// mount with the cpuacct controller (from mountinfo), plus our path in that
// hierarchy (from /proc/self/cgroup) below the mount's own root. Empty if
// there is none.
std::string own_cpuacct_directory() {
  std::string mount_point, mount_root;
  std::istringstream mounts(read_proc_file("/proc/self/mountinfo").value_or(""));
  for (std::string line; std::getline(mounts, line);) {
    // "ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS ... - TYPE SOURCE SUPER_OPTIONS"
    const auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream tail(line.substr(dash + 3));
    std::string type, source, options;
    tail >> type >> source >> options;
    if (type != "cgroup" || !lists(options, "cpuacct")) continue;
    std::istringstream head(line.substr(0, dash));
    std::string id, parent, device;
    head >> id >> parent >> device >> mount_root >> mount_point;
    break;
  }
  if (mount_point.empty()) return "";
  std::istringstream groups(read_proc_file("/proc/self/cgroup").value_or(""));
  for (std::string line; std::getline(groups, line);) {
    // "ID:CONTROLLERS:PATH"
    const auto first = line.find(':');
    const auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    if (!lists(line.substr(first + 1, second - first - 1), "cpuacct")) continue;
    std::string path = line.substr(second + 1);
    if (mount_root != "/" && path.rfind(mount_root, 0) == 0) path = path.substr(mount_root.size());
    return path == "/" ? mount_point : mount_point + path;
  }
  return "";
}

// Groups named echo-bench.PID.N whose echo-bench is gone (SIGKILLed before
// it could remove them). A group that still holds tasks stays.
void remove_abandoned_groups(const std::string& directory) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kPrefix, 0) != 0) continue;  // echo-bench.PID.N: PID is the owner
    const std::string owner =
        name.substr(kPrefix.size(), name.find('.', kPrefix.size()) - kPrefix.size());
    if (owner.empty() || owner.find_first_not_of("0123456789") != std::string::npos) continue;
    if (std::filesystem::exists("/proc/" + owner, error)) continue;
    ::rmdir(entry.path().c_str());
  }
}

}  // namespace

std::unique_ptr<CpuCgroup> CpuCgroup::make(std::string* why_not) {
  const auto fail = [why_not](std::string why) {
    if (why_not) *why_not = std::move(why);
    return nullptr;
  };
  static const std::string directory = own_cpuacct_directory();
  if (directory.empty()) return fail("no cgroup v1 cpuacct controller is mounted");
  static std::once_flag swept;
  std::call_once(swept, [] { remove_abandoned_groups(directory); });
  static std::atomic<unsigned> made{0};
  std::string path = directory + "/";
  path.append(kPrefix).append(std::to_string(::getpid())).append(".");
  path.append(std::to_string(made.fetch_add(1)));
  if (::mkdir(path.c_str(), 0755) != 0) {
    return fail("cannot create " + path + ": " + std::generic_category().message(errno));
  }
  UniqueFd procs(::open((path + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
  if (!procs) {
    const std::string why = std::generic_category().message(errno);
    ::rmdir(path.c_str());
    return fail("cannot open " + path + "/cgroup.procs: " + why);
  }
  auto group = std::unique_ptr<CpuCgroup>(new CpuCgroup(path, std::move(procs)));
  try {
    (void)group->cpu_s();
  } catch (const std::runtime_error& error) {
    return fail(error.what());
  }
  return group;
}

CpuCgroup::~CpuCgroup() {
  procs_.reset();
  remove_cgroup(path_);
}

double CpuCgroup::cpu_s() const {
  const std::string file = path_ + "/cpuacct.usage";
  const std::optional<std::string> text = read_proc_file(file);
  std::size_t used = 0;
  unsigned long long ns = 0;
  try {
    if (text) ns = std::stoull(*text, &used);
  } catch (const std::logic_error&) {
    used = 0;
  }
  if (used == 0) throw std::runtime_error("cannot read a number from " + file);
  return static_cast<double>(ns) / 1e9;
}

bool remove_cgroup(const std::string& path) {
  // A group cannot go while it holds a task, and a server's children that
  // were SIGKILLed with it are reaped by init a moment later.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (;;) {
    if (::rmdir(path.c_str()) == 0 || errno == ENOENT) return true;
    if (errno != EBUSY || std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string cpu_accounting_method(std::string* why_not) {
  return CpuCgroup::make(why_not) ? "cgroup-cpuacct" : "proc";
}

}  // namespace echo::bench
