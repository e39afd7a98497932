#include "model_catalog.hpp"

#include <algorithm>

namespace echo {
namespace {

ModelDescription model(std::string name, std::string summary) {
  ModelDescription description;
  description.name = std::move(name);
  description.summary = std::move(summary);
  return description;
}

std::vector<ModelDescription> build_catalog() {
  std::vector<ModelDescription> models;
  models.push_back(model("thread-per-connection",
                         "one blocking thread per connection (Boost.Thread, small stacks)"));
  auto pool = model("thread-pool", "epoll reactor hands ready connections to N worker threads");
  pool.threads_knob = true;
  pool.worker_threads = true;
  models.push_back(pool);
  auto fork = model("fork-per-connection", "one child process per connection, blocking I/O");
  fork.per_connection_process = true;
  models.push_back(fork);
  auto asio =
      model("asio-coroutine", "C++20 coroutines on Boost.Asio, one io_context per I/O thread");
  asio.supports_udp = true;
  asio.threads_knob = true;
  asio.offload_knob = true;
  asio.at_connection_limit = AtConnectionLimit::close;
  models.push_back(asio);
  auto reactor =
      model("epoll-reactor", "one hand-written epoll loop per thread, no library (muduo, nginx)");
  reactor.threads_knob = true;
  reactor.supports_udp = true;
  models.push_back(reactor);
  auto uring = model("io-uring",
                     "one io_uring per thread (liburing): queued receives and sends, "
                     "provided buffers");
  uring.threads_knob = true;
  uring.supports_udp = true;
  uring.at_connection_limit = AtConnectionLimit::close;
  models.push_back(uring);
  auto prefork =
      model("prefork", "N children forked at start, each accepts and serves one client at a time");
  prefork.processes_knob = true;
  prefork.at_connection_limit = AtConnectionLimit::refuses;
  prefork.no_connection_limit =
      "prefork serves at most --processes clients at once; that is its limit";
  models.push_back(prefork);
  auto iterative = model("iterative", "one thread, one client at a time (the UNP baseline)");
  iterative.supports_udp = true;
  iterative.concurrent = false;
  iterative.at_connection_limit = AtConnectionLimit::refuses;
  iterative.no_connection_limit = "iterative serves one client at a time";
  models.push_back(iterative);
  return models;
}

}  // namespace

std::span<const ModelDescription> model_catalog() {
  static const std::vector<ModelDescription> catalog = build_catalog();
  return catalog;
}

const ModelDescription* find_model_description(std::string_view name) {
  const auto models = model_catalog();
  const auto it = std::find_if(models.begin(), models.end(),
                               [&](const ModelDescription& m) { return m.name == name; });
  return it == models.end() ? nullptr : &*it;
}

std::vector<std::string> model_names(const std::function<bool(const ModelDescription&)>& wanted) {
  std::vector<std::string> names;
  for (const ModelDescription& m : model_catalog()) {
    if (!wanted || wanted(m)) names.push_back(m.name);
  }
  return names;
}

std::string model_list_text(std::span<const ModelDescription> models) {
  std::string text;
  for (const ModelDescription& m : models) {
    std::string line = m.name;
    line += " tcp";
    if (m.supports_udp) line += " udp";
    if (m.concurrent) line += " concurrent";
    if (m.threads_knob) line += " threads";
    if (m.processes_knob) line += " processes";
    if (m.per_connection_process) line += " process-per-connection";
    if (m.worker_threads) line += " workers";
    if (m.offload_knob) line += " offload";
    if (m.at_connection_limit == AtConnectionLimit::backlog) line += " limit-backlog";
    if (m.at_connection_limit == AtConnectionLimit::close) line += " limit-close";
    if (!text.empty()) text += '\n';
    text += line;
  }
  return text;
}

}  // namespace echo
