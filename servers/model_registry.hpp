#pragma once
// The name -> factory table behind `echo-server --model NAME`. Adding a model
// means one new .cpp file and one row in model_registry.cpp.

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "common/server.hpp"
#include "common/server_options.hpp"

namespace echo {

using ServerFactory = std::unique_ptr<Server> (*)(const ServerConfig&);

struct ModelEntry {
  ModelDescription description;
  ServerFactory make;
};

/// Every model, in the order --help lists them.
std::span<const ModelEntry> registered_models();

/// The descriptions alone, for the option parser.
std::vector<ModelDescription> model_descriptions();

/// The entry named `name`, or nullptr.
const ModelEntry* find_model(std::string_view name);

// One factory per model file.
std::unique_ptr<Server> make_thread_per_connection_server(const ServerConfig& config);
std::unique_ptr<Server> make_thread_pool_server(const ServerConfig& config);
std::unique_ptr<Server> make_fork_per_connection_server(const ServerConfig& config);
std::unique_ptr<Server> make_asio_coroutine_server(const ServerConfig& config);
std::unique_ptr<Server> make_iterative_server(const ServerConfig& config);

}  // namespace echo
