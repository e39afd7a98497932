#include "agent_protocol.hpp"

#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "launched_server.hpp"

namespace echo::bench::agent {
namespace {

std::runtime_error unusable(const std::string& answer, const char* request) {
  return std::runtime_error("answered '" + answer + "' to " + request);
}

// The words after `kind` ("usage", "time", ...), or nullopt for another kind.
std::optional<std::istringstream> words_after(const std::string& answer, const std::string& kind) {
  if (answer.rfind(kind + " ", 0) != 0 && answer != kind) return std::nullopt;
  return std::istringstream(answer.substr(kind.size()));
}

std::string rest_of(std::istringstream& words) {
  std::string rest;
  std::getline(words >> std::ws, rest);
  return rest;
}

}  // namespace

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  constexpr std::size_t kLongest = 400;
  if (text.size() > kLongest) text = text.substr(text.size() - kLongest);
  return text;
}

std::string ready_answer(std::uint16_t port) { return "ready " + std::to_string(port); }

std::string error_answer(const std::string& why) { return "error " + one_line(why); }

std::string time_answer(double unix_s) {
  char line[64];
  std::snprintf(line, sizeof line, "time %.9f", unix_s);
  return line;
}

std::string cpu_accounting_answer(const std::string& method, const std::string& why_not) {
  return std::string(kCpuAccounting) + " " + method + (why_not.empty() ? "" : " ") +
         one_line(why_not);
}

std::string cpu_split_answer(const CpuSplit& split) {
  return std::string(kCpuSplit) + " " + cpu_list_text(split.server) + " " +
         cpu_list_text(split.client);
}

std::string usage_answer(const ProcessGroupUsage& u) {
  char line[256];
  std::snprintf(line, sizeof line, "usage %.9f %llu %llu %.6f %.6f %u %u", u.cpu_s,
                static_cast<unsigned long long>(u.voluntary_switches),
                static_cast<unsigned long long>(u.involuntary_switches), u.pss_mib, u.pss_anon_mib,
                u.threads, u.processes);
  return line;
}

std::string exited_answer(int status, const std::string& server_stderr) {
  return "exited " + std::to_string(status) + " " + one_line(server_stderr);
}

std::string stopped_answer(std::optional<int> status, const std::string& server_stderr) {
  return "stopped " + std::to_string(status.value_or(-1)) + " " + one_line(server_stderr);
}

std::uint16_t read_ready(const std::string& answer) {
  if (auto words = words_after(answer, "error")) throw std::runtime_error(rest_of(*words));
  auto words = words_after(answer, "ready");
  unsigned port = 0;
  if (!words || !(*words >> port) || port > 65535) throw unusable(answer, "its start");
  return static_cast<std::uint16_t>(port);
}

double read_time(const std::string& answer) {
  auto words = words_after(answer, "time");
  double unix_s = 0;
  if (!words || !(*words >> unix_s)) throw unusable(answer, kTime);
  return unix_s;
}

CpuAccounting read_cpu_accounting(const std::string& answer) {
  auto words = words_after(answer, kCpuAccounting);
  CpuAccounting out;
  if (!words || !(*words >> out.method)) throw unusable(answer, kCpuAccounting);
  out.why_not = rest_of(*words);
  return out;
}

CpuSplit read_cpu_split(const std::string& answer) {
  auto words = words_after(answer, kCpuSplit);
  std::string server, client;
  if (!words || !(*words >> server >> client)) throw unusable(answer, kCpuSplit);
  try {
    return CpuSplit{parse_cpu_list(server), parse_cpu_list(client)};
  } catch (const std::invalid_argument&) {
    throw unusable(answer, kCpuSplit);
  }
}

Sample read_sample(const std::string& answer) {
  Sample sample;
  if (auto words = words_after(answer, "usage")) {
    ProcessGroupUsage u;
    if (*words >> u.cpu_s >> u.voluntary_switches >> u.involuntary_switches >> u.pss_mib >>
        u.pss_anon_mib >> u.threads >> u.processes) {
      sample.usage = u;
      return sample;
    }
  } else if (auto exited = words_after(answer, "exited")) {
    if (*exited >> sample.exit_status) {
      sample.server_stderr = rest_of(*exited);
      return sample;
    }
  }
  throw unusable(answer, kSample);
}

Stopped read_stopped(const std::string& answer) {
  auto words = words_after(answer, "stopped");
  Stopped out;
  if (!words || !(*words >> out.status)) throw unusable(answer, kStop);
  out.server_stderr = rest_of(*words);
  return out;
}

}  // namespace echo::bench::agent
