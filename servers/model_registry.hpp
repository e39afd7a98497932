#pragma once
// The name -> factory table behind `echo-server --model NAME`. The models
// themselves are listed in common/model_catalog (names, help lines, traits);
// this file pairs each with the code that builds it. Adding a model means one
// new .cpp file, one catalog entry and one row here.

#include <memory>
#include <string_view>

#include "common/model_catalog.hpp"
#include "common/server.hpp"

namespace echo {

using ServerFactory = std::unique_ptr<Server> (*)(const ServerConfig&);

/// The factory of the catalog's model `name`, or nullptr.
ServerFactory find_factory(std::string_view name);

// One factory per model file.
std::unique_ptr<Server> make_thread_per_connection_server(const ServerConfig& config);
std::unique_ptr<Server> make_thread_pool_server(const ServerConfig& config);
std::unique_ptr<Server> make_fork_per_connection_server(const ServerConfig& config);
std::unique_ptr<Server> make_asio_coroutine_server(const ServerConfig& config);
std::unique_ptr<Server> make_epoll_reactor_server(const ServerConfig& config);
std::unique_ptr<Server> make_prefork_server(const ServerConfig& config);
std::unique_ptr<Server> make_io_uring_server(const ServerConfig& config);
std::unique_ptr<Server> make_iterative_server(const ServerConfig& config);

}  // namespace echo
