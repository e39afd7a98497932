#include "bench_case.hpp"

#include <stdexcept>

namespace echo::bench {
namespace {

// The models every scenario compares. iterative serves one client at a time,
// so it only appears where that is a fair question (one connection, UDP).
const std::vector<std::string> kConcurrentModels = {"thread-per-connection", "thread-pool",
                                                    "fork-per-connection", "asio-coroutine"};
const std::vector<std::string> kUdpModels = {"asio-coroutine", "iterative"};

struct MatrixShape {
  std::vector<unsigned> throughput_connections;
  std::vector<std::size_t> throughput_sizes;
  unsigned latency_connections;
  std::vector<double> latency_fractions;
  std::vector<unsigned> work_us;
  std::vector<unsigned> block_us;
  std::vector<unsigned> idle_connections;
  bool churn;
};

MatrixShape shape_of(const std::string& matrix) {
  if (matrix == "quick") return {{16}, {64}, 16, {0.5}, {50}, {1000}, {100}, true};
  if (matrix == "default") {
    return {{1, 16, 256}, {64, 16384}, 16, {0.1, 0.5, 0.8, 0.95}, {20, 100}, {1000}, {1000}, true};
  }
  if (matrix == "full") {
    return {
        {1, 16, 256, 1024}, {64, 4096, 65536},      16,  {0.1, 0.5, 0.8, 0.95}, {10, 50, 100, 200},
        {100, 1000, 5000},  {10, 100, 1000, 10000}, true};
  }
  throw std::invalid_argument("unknown matrix '" + matrix + "' (quick, default or full)");
}

}  // namespace

const char* scenario_name(Scenario scenario) {
  switch (scenario) {
    case Scenario::throughput:
      return "throughput";
    case Scenario::latency:
      return "latency";
    case Scenario::cpu_work:
      return "cpu-work";
    case Scenario::blocking_work:
      return "blocking-work";
    case Scenario::idle_scale:
      return "idle-scale";
    case Scenario::churn:
      return "churn";
  }
  return "?";
}

std::string BenchCase::name() const {
  std::string text = std::string(scenario_name(scenario)) + (udp ? "/udp/" : "/tcp/") + model +
                     "/conns:" + std::to_string(connections) + "/size:" + std::to_string(size);
  if (scenario == Scenario::latency)
    text += "/rate:" + std::to_string(int(rate_fraction * 100)) + "%";
  if (work_us) text += "/work_us:" + std::to_string(work_us);
  if (block_us) text += "/block_us:" + std::to_string(block_us);
  return text;
}

std::vector<BenchCase> build_matrix(const std::string& matrix,
                                    const std::vector<CustomServer>& custom_servers) {
  const MatrixShape shape = shape_of(matrix);
  std::vector<BenchCase> cases;
  auto add = [&](BenchCase c) { cases.push_back(std::move(c)); };

  struct Entrant {
    std::string model, command;
  };
  std::vector<Entrant> tcp_entrants;
  tcp_entrants.reserve(std::size(kConcurrentModels) + custom_servers.size());
  for (const auto& model : kConcurrentModels) tcp_entrants.push_back({model, ""});
  for (const auto& custom : custom_servers) tcp_entrants.push_back({custom.name, custom.command});

  for (const unsigned conns : shape.throughput_connections) {
    for (const std::size_t size : shape.throughput_sizes) {
      for (const auto& e : tcp_entrants)
        add({Scenario::throughput, e.model, e.command, false, conns, size});
      if (conns == 1) add({Scenario::throughput, "iterative", "", false, 1, size});
    }
  }
  for (const std::string& model : kUdpModels) {
    add({Scenario::throughput, model, "", true, shape.latency_connections, 64});
  }
  for (const double fraction : shape.latency_fractions) {
    for (const auto& e : tcp_entrants) {
      add({Scenario::latency, e.model, e.command, false, shape.latency_connections, 64, fraction});
    }
  }
  for (const unsigned work : shape.work_us) {
    for (const auto& model : kConcurrentModels) {
      add({Scenario::cpu_work, model, "", false, shape.latency_connections, 64, 0, work, 0});
    }
  }
  for (const unsigned block : shape.block_us) {
    for (const auto& model : kConcurrentModels) {
      add({Scenario::blocking_work, model, "", false, shape.latency_connections, 64, 0, 0, block});
    }
  }
  for (const unsigned conns : shape.idle_connections) {
    for (const auto& model : kConcurrentModels)
      add({Scenario::idle_scale, model, "", false, conns, 1});
  }
  if (shape.churn) {
    for (const auto& model : kConcurrentModels) add({Scenario::churn, model, "", false, 4, 64});
  }
  return cases;
}

}  // namespace echo::bench
