#include "case_spec.hpp"

#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "common/model_catalog.hpp"
#include "echo/finite_check.hpp"

namespace echo::bench {
namespace {

const std::map<std::string, Scenario>& scenarios() {
  static const std::map<std::string, Scenario> by_name = [] {
    std::map<std::string, Scenario> names;
    for (const Scenario s : {Scenario::throughput, Scenario::latency, Scenario::slo_capacity,
                             Scenario::cpu_work, Scenario::blocking_work, Scenario::idle_scale,
                             Scenario::churn, Scenario::hostile, Scenario::restart}) {
      names[scenario_name(s)] = s;
    }
    return names;
  }();
  return by_name;
}

// A whole number in [low, high], in plain decimal.
unsigned long whole(const std::string& spec, const std::string& key, const std::string& text,
                    unsigned long low, unsigned long high) {
  const auto bad = [&](const std::string& why) {
    return std::invalid_argument("--case '" + spec + "': " + key + ":" + text + " " + why);
  };
  if (!is_plain_decimal(text) || text.find('.') != std::string::npos)
    throw bad("is not a whole decimal number");
  if (text.size() > 12) throw bad("is out of range");
  const unsigned long value = std::stoul(text);
  if (value < low || value > high) {
    throw bad("is out of range (" + std::to_string(low) + " to " + std::to_string(high) + ")");
  }
  return value;
}

void set_entrant(BenchCase& c, const std::string& spec, const std::string& entrant,
                 const std::vector<CustomServer>& custom_servers) {
  for (const CustomServer& custom : custom_servers) {
    if (custom.name == entrant) {
      c.model = custom.name;
      c.server_command = custom.command;
      c.server_port = custom.port;
      c.server_model = custom.model;
      c.server_args = custom.args;
      return;
    }
  }
  // MODEL, MODEL+offload or MODEL+defended.
  std::string model = entrant;
  const auto strip = [&model](const std::string& suffix) {
    const bool has = model.size() > suffix.size() &&
                     model.compare(model.size() - suffix.size(), suffix.size(), suffix) == 0;
    if (has) model.resize(model.size() - suffix.size());
    return has;
  };
  const bool offload = strip("+offload");
  const bool defended = !offload && strip("+defended");
  const ModelDescription* description = find_model_description(model);
  if (description == nullptr) {
    throw std::invalid_argument("--case '" + spec + "': no model or --server-cmd entrant '" +
                                model + "' (echo-server --list-models)");
  }
  if (offload && !description->offload_knob)
    throw std::invalid_argument("--case '" + spec + "': " + model + " has no --offload-threads");
  c.model = model;
  c.offload = offload;
  c.defended = defended;
}

}  // namespace

BenchCase parse_case(const std::string& spec, const std::vector<CustomServer>& custom_servers) {
  std::vector<std::string> parts;
  std::istringstream words(spec);
  for (std::string part; std::getline(words, part, '/');) parts.push_back(part);
  const std::string shape =
      "expected SCENARIO/PROTOCOL/ENTRANT/conns:N/size:B[/rate:R][/work_us:N][/block_us:N]"
      "[/slo_us:N][/kind:K/bad:N]";
  if (parts.size() < 5) throw std::invalid_argument("--case '" + spec + "': " + shape);

  BenchCase c;
  const auto scenario = scenarios().find(parts[0]);
  if (scenario == scenarios().end())
    throw std::invalid_argument("--case '" + spec + "': no scenario '" + parts[0] + "'");
  c.scenario = scenario->second;
  if (parts[1] != "tcp" && parts[1] != "udp")
    throw std::invalid_argument("--case '" + spec + "': protocol '" + parts[1] + "' (tcp or udp)");
  c.udp = parts[1] == "udp";
  set_entrant(c, spec, parts[2], custom_servers);

  std::map<std::string, std::string> fields;
  for (std::size_t i = 3; i < parts.size(); ++i) {
    const auto colon = parts[i].find(':');
    const std::string key = parts[i].substr(0, colon);
    if (colon == std::string::npos || fields.count(key)) {
      std::string why = "--case '";
      why.append(spec).append("': '").append(parts[i]).append("': ").append(shape);
      throw std::invalid_argument(why);
    }
    fields[key] = parts[i].substr(colon + 1);
  }
  const auto take = [&](const std::string& key, unsigned long low, unsigned long high) {
    const auto at = fields.find(key);
    if (at == fields.end()) throw std::invalid_argument("--case '" + spec + "': no " + key + ":");
    const unsigned long value = whole(spec, key, at->second, low, high);
    fields.erase(at);
    return value;
  };
  constexpr unsigned long kMany = 1'000'000;
  c.connections = static_cast<unsigned>(take("conns", 1, kMany));
  c.size = take("size", 1, 16UL << 20);
  const bool has_rate = c.scenario == Scenario::latency || c.scenario == Scenario::restart;
  c.rate = has_rate ? static_cast<double>(take("rate", 1, 100 * kMany)) : 0;
  if (c.scenario == Scenario::cpu_work)
    c.work_us = static_cast<unsigned>(take("work_us", 1, kMany));
  if (c.scenario == Scenario::slo_capacity) {
    c.slo_us = static_cast<unsigned>(take("slo_us", 1, kMany));
    if (fields.count("work_us")) c.work_us = static_cast<unsigned>(take("work_us", 1, kMany));
  }
  if (c.scenario == Scenario::blocking_work)
    c.block_us = static_cast<unsigned>(take("block_us", 1, kMany));
  if (c.scenario == Scenario::hostile) {
    const auto kind = fields.find("kind");
    const std::optional<HostileKind> parsed =
        kind == fields.end() ? std::nullopt : parse_hostile_kind(kind->second);
    if (!parsed)
      throw std::invalid_argument("--case '" + spec +
                                  "': a hostile case needs kind:idle, kind:trickle, "
                                  "kind:non-reader or kind:flood");
    c.hostile_kind = *parsed;
    fields.erase(kind);
    c.bad = static_cast<unsigned>(take("bad", 1, 100'000));
  }
  if (!fields.empty()) {
    throw std::invalid_argument("--case '" + spec + "': " + fields.begin()->first +
                                ": does not belong to a " + parts[0] + " case");
  }
  if (c.udp) {
    if (c.scenario != Scenario::throughput && c.scenario != Scenario::latency)
      throw std::invalid_argument("--case '" + spec +
                                  "': UDP has throughput and latency cases only");
    const ModelDescription* description =
        find_model_description(c.server_model.empty() ? c.model : c.server_model);
    if (description == nullptr || !description->supports_udp)
      throw std::invalid_argument("--case '" + spec + "': " + c.model + " does not serve UDP");
  }
  if (!c.server_command.empty() && (c.work_us || c.block_us || c.offload)) {
    throw std::invalid_argument("--case '" + spec +
                                "': a --server-cmd entrant has no --work-us, "
                                "--block-us or --offload-threads");
  }
  if (c.defended && c.udp)
    throw std::invalid_argument("--case '" + spec + "': +defended: UDP has no connections");
  return c;
}

}  // namespace echo::bench
