#include "bench_context.hpp"

#include <sys/utsname.h>

#include <boost/version.hpp>
#include <cstdio>
#include <fstream>
#include <thread>

namespace echo::bench {
namespace {

std::string first_line_of(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

std::string git_commit() {
  // The commit of the tree the binary was built from, asked at run time so a
  // rebuilt binary never reports a stale one; "unknown" outside a checkout.
  const std::string command = "git -C '" ECHO_SOURCE_DIR "' describe --always --dirty 2>/dev/null";
  std::string commit;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[128];
    if (std::fgets(buffer, sizeof buffer, pipe)) commit = buffer;
    ::pclose(pipe);
  }
  while (!commit.empty() && (commit.back() == '\n' || commit.back() == '\r')) commit.pop_back();
  return commit.empty() ? "unknown" : commit;
}

}  // namespace

std::map<std::string, std::string> run_context(const std::map<std::string, std::string>& extra) {
  utsname names{};
  ::uname(&names);
  std::map<std::string, std::string> context = {
      {"git_commit", git_commit()},
      {"build_type", ECHO_BUILD_TYPE},
      {"compiler", "g++ " __VERSION__},
      {"boost_version", std::to_string(BOOST_VERSION / 100000) + "." +
                            std::to_string(BOOST_VERSION / 100 % 1000) + "." +
                            std::to_string(BOOST_VERSION % 100)},
      {"kernel", std::string(names.sysname) + " " + names.release},
      {"cpu_model", cpu_model()},
      {"cores", std::to_string(std::thread::hardware_concurrency())},
  };
  const std::string governor =
      first_line_of("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
  context["governor"] = governor.empty() ? "unreadable" : governor;
  for (const auto& [key, value] : extra) context[key] = value;
  return context;
}

}  // namespace echo::bench
