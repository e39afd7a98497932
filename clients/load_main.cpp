// echo-load: the command-line face of the load generator (docs/interfaces.md).

#include <fstream>
#include <iostream>

#include "hgrm_writer.hpp"
#include "load_engine.hpp"
#include "load_options.hpp"
#include "load_report.hpp"

int main(int argc, char** argv) {
  const echo::ParsedLoadOptions parsed = echo::parse_load_options(argc, argv);
  if (!parsed.config) {
    (parsed.exit_code == 0 ? std::cout : std::cerr) << parsed.message << '\n';
    return parsed.exit_code;
  }
  const echo::LoadConfig& config = *parsed.config;

  echo::LoadResult result;
  try {
    result = echo::run_load(config, &std::cerr);
  } catch (const std::exception& error) {
    std::cerr << "echo-load: " << error.what() << '\n';
    return 1;
  }
  if (result.totals.connected == 0) {
    std::cerr << "echo-load: " << result.totals.first_error << '\n';
    return 1;
  }

  switch (config.format) {
    case echo::OutputFormat::text:
      echo::write_text(std::cout, result);
      break;
    case echo::OutputFormat::csv:
      echo::write_csv(std::cout, result);
      break;
    case echo::OutputFormat::json:
      echo::write_json(std::cout, result);
      break;
  }
  if (!config.hgrm_path.empty()) {
    std::ofstream hgrm(config.hgrm_path);
    echo::write_hgrm(hgrm, result.totals.corrected);
    if (!hgrm) {
      std::cerr << "echo-load: cannot write " << config.hgrm_path << '\n';
      return 1;
    }
  }

  if (result.ok()) return 0;
  if (result.totals.mismatches > 0) {
    std::cerr << "echo-load: " << result.totals.mismatches
              << " echoed message(s) differed from what was sent\n";
  }
  if (result.totals.unanswered > 0) {
    std::cerr << "echo-load: " << result.totals.unanswered
              << " message(s) due in the window were never answered (gave up "
              << config.answer_timeout_s << " s after its end)\n";
  }
  if (result.totals.stalled_connections > 0) {
    std::cerr << "echo-load: " << result.totals.stalled_connections
              << " connection(s) stalled: no echo for " << config.stall_timeout_s
              << " s, or none at all\n";
  }
  if (config.udp && result.loss_pct() > config.max_loss_pct) {
    std::cerr << "echo-load: " << result.loss_pct() << " % of datagrams lost, more than --max-loss "
              << config.max_loss_pct << " %\n";
  }
  if (result.totals.connected < config.connections) {
    std::cerr << "echo-load: only " << result.totals.connected << " of " << config.connections
              << " connections opened; first failure: " << result.totals.first_error << '\n';
  } else if (result.totals.errors.total() > 0) {
    std::cerr << "echo-load: " << result.totals.errors.total()
              << " connection error(s); first: " << result.totals.first_error << '\n';
  }
  return 1;
}
