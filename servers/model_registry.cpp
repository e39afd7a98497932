#include "model_registry.hpp"

#include <utility>

namespace echo {

ServerFactory find_factory(std::string_view name) {
  static constexpr std::pair<std::string_view, ServerFactory> kFactories[] = {
      {"thread-per-connection", make_thread_per_connection_server},
      {"thread-pool", make_thread_pool_server},
      {"fork-per-connection", make_fork_per_connection_server},
      {"asio-coroutine", make_asio_coroutine_server},
      {"epoll-reactor", make_epoll_reactor_server},
      {"prefork", make_prefork_server},
      {"io-uring", make_io_uring_server},
      {"iterative", make_iterative_server},
  };
  for (const auto& [model, factory] : kFactories) {
    if (model == name) return factory;
  }
  return nullptr;
}

}  // namespace echo
