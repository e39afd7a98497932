// echo-load: the command-line face of the load generator (docs/interfaces.md).

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>

#include "hdr_interval_log.hpp"
#include "hgrm_writer.hpp"
#include "load_engine.hpp"
#include "load_options.hpp"
#include "load_report.hpp"

namespace {

// The command line as one string, each word quoted when the shell would
// need it, so a JSON reader can rerun exactly this.
std::string command_line(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    const std::string word = argv[i];
    const bool plain = !word.empty() && word.find_first_not_of(
                                            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789-_=.,:/+%@") == std::string::npos;
    if (i > 0) line += ' ';
    line += plain ? word : "'" + word + "'";
  }
  return line;
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// Reports a run that could not produce numbers: stderr, and for --format
// json a JSON object with the error, so a script never gets empty output.
int fail(const echo::LoadConfig& config, echo::RunInfo& info, const std::string& why) {
  std::cerr << "echo-load: " << why << '\n';
  if (config.format == echo::OutputFormat::json) {
    info.failures.push_back(why);
    echo::write_json(std::cout, nullptr, info);
  }
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const echo::ParsedLoadOptions parsed = echo::parse_load_options(argc, argv);
  if (!parsed.config) {
    (parsed.exit_code == 0 ? std::cout : std::cerr) << parsed.message << '\n';
    return parsed.exit_code;
  }
  const echo::LoadConfig& config = *parsed.config;
  echo::RunInfo info{ECHO_VERSION, command_line(argc, argv), utc_now(), {}};

  // The interval log is written as the run goes, like HdrHistogram's own
  // recorders do: a long run that is interrupted keeps what it measured.
  std::ofstream hlog;
  echo::LoadHooks hooks;
  if (!config.hlog_path.empty()) {
    hlog.open(config.hlog_path);
    if (!hlog) return fail(config, info, "cannot write " + config.hlog_path);
    hooks.on_measure_start = [&hlog] {
      const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
      echo::write_hlog_header(hlog, std::chrono::duration<double>(since_epoch).count());
    };
    hooks.on_interval = [&hlog](const echo::IntervalSummary& interval,
                                const echo::LatencyHistogram& histogram) {
      echo::write_hlog_interval(hlog, interval.start_s, interval.length_s, histogram);
      hlog.flush();
    };
  }

  // Every output is opened before the run, so an unwritable path is an error
  // at once, not after the whole run.
  std::ofstream hgrm;
  if (!config.hgrm_path.empty()) {
    hgrm.open(config.hgrm_path);
    if (!hgrm) return fail(config, info, "cannot write " + config.hgrm_path);
  }

  if (config.start_on_input) {
    hooks.start_time = [](double ramp_up_s) {
      std::cerr << "ready " << ramp_up_s << std::endl;
      std::string line;
      if (!std::getline(std::cin, line))
        throw std::runtime_error("--start-on-input: no start time on standard input");
      char* end = nullptr;
      const double when = std::strtod(line.c_str(), &end);
      if (end == line.c_str() || *end != '\0' || !std::isfinite(when) || when <= 0)
        throw std::runtime_error("--start-on-input: not a start time: '" + line + "'");
      return when;
    };
  }

  echo::LoadResult result;
  try {
    result = echo::run_load(config, &std::cerr, hooks);
  } catch (const std::exception& error) {
    return fail(config, info, error.what());
  }
  if (result.totals.connected == 0) return fail(config, info, result.totals.first_error);

  info.failures = echo::failure_reasons(result);
  switch (config.format) {
    case echo::OutputFormat::text:
      echo::write_text(std::cout, result);
      break;
    case echo::OutputFormat::csv:
      echo::write_csv(std::cout, result);
      break;
    case echo::OutputFormat::json:
      echo::write_json(std::cout, &result, info);
      break;
  }
  if (hgrm.is_open()) {
    echo::write_hgrm(hgrm, result.totals.corrected);
    if (!hgrm.flush()) {
      std::cerr << "echo-load: cannot write " << config.hgrm_path << '\n';
      return 1;
    }
  }
  if (hlog.is_open() && !hlog.flush()) {
    std::cerr << "echo-load: cannot write " << config.hlog_path << '\n';
    return 1;
  }
  for (const std::string& why : info.failures) std::cerr << "echo-load: " << why << '\n';
  return info.failures.empty() ? 0 : 1;
}
