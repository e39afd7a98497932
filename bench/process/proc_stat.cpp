#include "proc_stat.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>

namespace echo::bench {

std::optional<std::string> read_proc_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  char chunk[4096];
  ssize_t n = 0;
  while ((n = ::read(fd, chunk, sizeof chunk)) > 0) text.append(chunk, static_cast<std::size_t>(n));
  ::close(fd);
  if (n < 0) return std::nullopt;
  return text;
}

std::optional<ProcStat> read_proc_stat(pid_t pid) {
  const auto file = read_proc_file("/proc/" + std::to_string(pid) + "/stat");
  if (!file) return std::nullopt;
  const std::string& text = *file;
  // The command name (field 2) is in parentheses and may itself hold spaces
  // and parentheses: the fields start after the last ')'.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text.substr(close + 2));
  std::vector<std::string> fields;  // fields[0] is proc(5)'s field 3
  for (std::string field; rest >> field;) fields.push_back(field);
  if (fields.size() < 18) return std::nullopt;
  static const double ticks_per_s = static_cast<double>(::sysconf(_SC_CLK_TCK));
  ProcStat stat;
  stat.state = fields[0].front();
  stat.parent = static_cast<pid_t>(std::stol(fields[1]));
  stat.process_group = static_cast<pid_t>(std::stol(fields[2]));
  stat.cpu_s = (std::stod(fields[11]) + std::stod(fields[12])) / ticks_per_s;
  stat.reaped_children_cpu_s = (std::stod(fields[13]) + std::stod(fields[14])) / ticks_per_s;
  stat.threads = static_cast<unsigned>(std::stoul(fields[17]));
  return stat;
}

std::vector<pid_t> child_pids(pid_t pid) {
  std::vector<pid_t> children;
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
    std::istringstream in(read_proc_file(task.path() / "children").value_or(""));
    pid_t child = 0;
    while (in >> child) children.push_back(child);
  }
  return children;
}

}  // namespace echo::bench
