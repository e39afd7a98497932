#pragma once
// Turns a LoadResult into echo-load's three output formats. CSV and JSON carry
// the same named fields (the names docs/cli.md fixes, plus more), in the same
// order; text is for people, with a unit on every number.

#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "load_config.hpp"

namespace echo {

using FieldValue = std::variant<std::string, std::uint64_t, double>;
struct Field {
  std::string name;
  FieldValue value;
};

/// Every machine-readable field, in output order.
std::vector<Field> result_fields(const LoadResult& result);

/// What a JSON reader needs beside the numbers, as iperf3 gives it: which
/// echo-load, run how and when, and why it failed if it did.
struct RunInfo {
  std::string version;                ///< ECHO_VERSION
  std::string command;                ///< the command line, words quoted where needed
  std::string start_utc;              ///< ISO 8601, when the run began
  std::vector<std::string> failures;  ///< empty: the run passed
  /// When echo-bench ran it: the case's name and its entrant (model), as
  /// "case" and "model" (left out when empty).
  std::string bench_case;
  std::string model;
};

/// Why a finished run does not pass (LoadResult::ok() is false), one
/// sentence per reason; empty when it passes.
std::vector<std::string> failure_reasons(const LoadResult& result);

void write_csv(std::ostream& out, const LoadResult& result);
/// One object: "version", "command", "start_utc", the fields, and on
/// failure "error": {"messages": [...]}. `result` may be null when the run
/// could not start (then only the metadata and the error).
void write_json(std::ostream& out, const LoadResult* result, const RunInfo& info);
void write_text(std::ostream& out, const LoadResult& result);

/// One --interval line: time into the window, the rate over the last
/// interval, and the p99 of everything measured so far (from the scheduled
/// send time in open loop).
std::string progress_line(double elapsed_s, const LoadConfig& config, double msgs_per_s,
                          const LatencyHistogram& so_far);

}  // namespace echo
