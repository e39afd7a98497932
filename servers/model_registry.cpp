#include "model_registry.hpp"

#include <algorithm>

namespace echo {
namespace {

const std::vector<ModelEntry>& table() {
  static const std::vector<ModelEntry> models = {
      {{"thread-per-connection", "one blocking thread per connection (Boost.Thread, small stacks)"},
       make_thread_per_connection_server},
      {{"thread-pool", "epoll reactor hands ready connections to N worker threads"},
       make_thread_pool_server},
      {{"fork-per-connection", "one child process per connection, blocking I/O"},
       make_fork_per_connection_server},
      {{"asio-coroutine", "C++20 coroutines on Boost.Asio, one io_context per I/O thread", true},
       make_asio_coroutine_server},
      {{"iterative", "one thread, one client at a time (the UNP baseline)", true},
       make_iterative_server},
  };
  return models;
}

}  // namespace

std::span<const ModelEntry> registered_models() { return table(); }

std::vector<ModelDescription> model_descriptions() {
  std::vector<ModelDescription> descriptions;
  for (const auto& entry : table()) descriptions.push_back(entry.description);
  return descriptions;
}

const ModelEntry* find_model(std::string_view name) {
  const auto& models = table();
  const auto it = std::find_if(models.begin(), models.end(),
                               [&](const ModelEntry& e) { return e.description.name == name; });
  return it == models.end() ? nullptr : &*it;
}

}  // namespace echo
