// echo-load: the command-line face of the load generator (docs/cli.md).

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

#include "echo/output_file.hpp"
#include "hgrm_writer.hpp"
#include "hlog_recorder.hpp"
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
// An output file that cannot be written: the documented status for bad
// usage, as for echo-bench and the tools.
constexpr int kUnusableOutput = 2;

int fail(const echo::LoadConfig& config, echo::RunInfo& info, const std::string& why,
         int status = 1) {
  std::cerr << "echo-load: " << why << '\n';
  if (config.format == echo::OutputFormat::json) {
    info.failures.push_back(why);
    echo::write_json(std::cout, nullptr, info);
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  const echo::ParsedLoadOptions parsed = echo::parse_load_options(argc, argv);
  if (!parsed.config) {
    (parsed.exit_code == 0 ? std::cout : std::cerr) << parsed.message << '\n';
    return parsed.exit_code;
  }
  const echo::LoadConfig& config = *parsed.config;
  echo::RunInfo info;
  info.version = ECHO_VERSION;
  info.command = command_line(argc, argv);
  info.start_utc = utc_now();

  // Every output is opened before the run, so an unwritable path is an
  // error at once, not after the whole run; each appears complete or not at
  // all (echo::OutputFile). The interval log is written as the run goes, like
  // HdrHistogram's own recorders, but put at its path only at the end.
  std::unique_ptr<echo::HlogRecorder> hlog;
  std::unique_ptr<echo::OutputFile> hgrm;
  try {
    if (!config.hlog_path.empty()) hlog = std::make_unique<echo::HlogRecorder>(config.hlog_path);
    if (!config.hgrm_path.empty()) hgrm = std::make_unique<echo::OutputFile>(config.hgrm_path);
  } catch (const echo::OutputError& error) {
    return fail(config, info, error.what(), kUnusableOutput);
  }
  echo::LoadHooks hooks;
  if (hlog) hlog->add_to(hooks);

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
  try {
    if (hlog) {
      hlog->add_uncorrected(result);
      hlog->commit();
    }
    if (hgrm) {
      std::ostringstream text;
      echo::write_hgrm(text, result.totals.corrected);
      hgrm->write(text.str());
      hgrm->commit();
    }
  } catch (const echo::OutputError& error) {
    std::cerr << "echo-load: " << error.what() << '\n';
    return kUnusableOutput;
  }
  std::cout.flush();
  if (!std::cout) {
    std::cerr << "echo-load: cannot write the result to standard output\n";
    return kUnusableOutput;
  }
  for (const std::string& why : info.failures) std::cerr << "echo-load: " << why << '\n';
  return info.failures.empty() ? 0 : 1;
}
