#include "load_summary.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "load_report.hpp"

namespace echo {
namespace {

// The fields by the names write_json gives them (result_fields), so the two
// routes cannot drift apart: summarize() reads the very same list.
template <typename Lookup>
LoadSummary from_fields(const Lookup& number, std::vector<std::string> failures) {
  LoadSummary s;
  s.connections = static_cast<std::uint64_t>(number("connections"));
  s.connected = static_cast<std::uint64_t>(number("connected"));
  s.messages = static_cast<std::uint64_t>(number("messages"));
  s.errors = static_cast<std::uint64_t>(number("errors"));
  s.mismatches = static_cast<std::uint64_t>(number("mismatches"));
  s.sent = static_cast<std::uint64_t>(number("sent"));
  s.lost = static_cast<std::uint64_t>(number("lost"));
  s.duration_s = number("duration_s");
  s.msgs_per_s = number("msgs_per_s");
  s.p99_us = number("p99_us");
  s.client_cpu_us_per_msg = number("client_cpu_us_per_msg");
  s.ramp_up_s = number("ramp_up_s");
  s.failures = std::move(failures);
  return s;
}

}  // namespace

LoadSummary summarize(const LoadResult& result) {
  const std::vector<Field> fields = result_fields(result);
  const auto number = [&fields](const char* key) {
    for (const Field& field : fields) {
      if (field.name != key) continue;
      if (const auto* whole = std::get_if<std::uint64_t>(&field.value))
        return static_cast<double>(*whole);
      if (const auto* real = std::get_if<double>(&field.value)) return *real;
    }
    throw std::logic_error(std::string("echo-load reports no number '") + key + "'");
  };
  return from_fields(number, failure_reasons(result));
}

LoadSummary read_load_json(const std::string& text) {
  const nlohmann::json report = nlohmann::json::parse(text, nullptr, false);
  if (!report.is_object()) throw std::runtime_error("echo-load's output is not a JSON object");
  const auto number = [&report](const char* key) {
    const auto at = report.find(key);
    if (at == report.end() || !at->is_number())
      throw std::runtime_error(std::string("echo-load's JSON has no number '") + key + "'");
    return at->get<double>();
  };
  std::vector<std::string> failures;
  if (const auto error = report.find("error"); error != report.end()) {
    const auto messages = error->find("messages");
    if (!error->is_object() || messages == error->end() || !messages->is_array())
      throw std::runtime_error("echo-load's JSON has an 'error' without 'messages'");
    for (const auto& message : *messages) {
      if (!message.is_string()) throw std::runtime_error("echo-load's JSON has a non-text error");
      failures.push_back(message.get<std::string>());
    }
  }
  return from_fields(number, std::move(failures));
}

}  // namespace echo
