#include "entrant_specs.hpp"

#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

#include "common/model_catalog.hpp"
#include "echo/finite_check.hpp"

namespace echo::bench {

// --server-cmd NAME='COMMAND with {port}', or NAME@PORT='COMMAND' for a
// server that always listens on PORT (Asio's coroutine example: 55555).
CustomServer parse_server_cmd(const std::string& spec) {
  const auto equals = spec.find('=');
  const std::string entrant = spec.substr(0, equals);
  const auto at = entrant.find('@');
  const std::string port = at == std::string::npos ? "" : entrant.substr(at + 1);
  if (equals == std::string::npos || equals == 0 ||
      (port.empty() && spec.find("{port}") == std::string::npos)) {
    throw std::invalid_argument(
        "--server-cmd needs NAME='COMMAND with {port}' or NAME@PORT='COMMAND', got '" + spec + "'");
  }
  CustomServer server{entrant.substr(0, at), spec.substr(equals + 1)};
  if (at != std::string::npos) {
    if (!echo::is_plain_decimal(port) || port.find('.') != std::string::npos || port.size() > 5 ||
        std::stoul(port) == 0 || std::stoul(port) > 65535) {
      throw std::invalid_argument("--server-cmd '" + spec + "': the port '" + port +
                                  "' is not a whole number from 1 to 65535");
    }
    server.port = static_cast<std::uint16_t>(std::stoul(port));
  }
  return server;
}

CustomServer parse_variant(const std::string& spec) {
  const auto equals = spec.find('=');
  std::istringstream words(equals == std::string::npos ? "" : spec.substr(equals + 1));
  CustomServer variant;
  variant.name = spec.substr(0, equals);
  words >> variant.model;
  for (std::string word; words >> word;) variant.args.push_back(word);
  if (equals == 0 || variant.model.empty() || variant.args.empty()) {
    throw std::invalid_argument("--variant needs NAME='MODEL ARGS', got '" + spec + "'");
  }
  if (find_model_description(variant.model) == nullptr) {
    throw std::invalid_argument("--variant '" + spec + "': no model '" + variant.model +
                                "' (echo-server --list-models)");
  }
  for (const char* fixed : {"--model", "--port", "--host"}) {
    for (const std::string& word : variant.args) {
      if (word != fixed) continue;
      std::string why = "--variant '";
      why.append(spec).append("': echo-bench sets ").append(word);
      throw std::invalid_argument(why);
    }
  }
  return variant;
}

void check_entrant_names(const std::vector<CustomServer>& entrants) {
  static const std::regex one_word("[A-Za-z0-9][A-Za-z0-9._+-]*");
  std::set<std::string> names;
  for (const auto& entrant : entrants) {
    if (!std::regex_match(entrant.name, one_word)) {
      throw std::invalid_argument("the entrant name '" + entrant.name +
                                  "' must be letters, digits, '.', '_', '+' or '-'");
    }
    if (find_model_description(entrant.name) != nullptr) {
      throw std::invalid_argument("the entrant name '" + entrant.name +
                                  "' is a model's name; its cases would mix with the model's");
    }
    if (!names.insert(entrant.name).second)
      throw std::invalid_argument("the entrant name '" + entrant.name + "' is given twice");
  }
}

}  // namespace echo::bench
