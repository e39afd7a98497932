#include "bench_case.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "common/model_catalog.hpp"

namespace echo::bench {
namespace {

// The models every scenario compares, from the one model list. iterative
// serves one client at a time, so it only appears where that is a fair
// question (one connection, UDP).
const std::vector<std::string>& concurrent_models() {
  static const std::vector<std::string> names =
      model_names([](const ModelDescription& m) { return m.concurrent; });
  return names;
}
const std::vector<std::string>& udp_models() {
  static const std::vector<std::string> names =
      model_names([](const ModelDescription& m) { return m.supports_udp; });
  return names;
}
const std::vector<std::string>& one_client_models() {
  static const std::vector<std::string> names =
      model_names([](const ModelDescription& m) { return !m.concurrent; });
  return names;
}

struct Load {
  unsigned connections;
  std::size_t size;
};

struct MatrixShape {
  std::vector<Load> throughput;  ///< closed-loop loads
  unsigned latency_connections;
  std::vector<double> latency_rates;  ///< msgs/s, identical for every model
  unsigned slo_work_us;               ///< CPU per message in the slo-capacity cases
  std::vector<unsigned> work_us;
  std::vector<unsigned> block_us;
  std::vector<unsigned> idle_connections;
  bool churn;
  /// Hostile cases: each kind with its number of bad clients (flood: one
  /// thread), and whether each model also runs as MODEL+defended.
  std::vector<std::pair<HostileKind, unsigned>> hostile;
  bool hostile_defended;
  /// Restart cases at this open-loop rate (0: none).
  double restart_rate = 0;
  /// The models whose capacity is searched (empty: every one). The search
  /// probes a dozen rates, so quick, which CI runs in a minute, searches two:
  /// the oldest model and the one whose coroutines are the reference.
  std::vector<std::string> slo_models = {};
  /// Search capacity at all: the default matrix does not, since a dozen
  /// probes per model and repetition took a third of its time and never
  /// separated two models (see docs/method.md).
  bool slo_search = true;
};

// Repeated cases beat more cases once each: the default matrix asks one
// question per scenario, at a few loads, so that it can run every case five
// times, the time series included, within eight minutes (one fixed rate,
// no capacity search: full has the ladder and the search). The latency
// ladder's rates are absolute and
// below what the slowest model sustains on one CPU, so each rate compares
// every model at the same offered load.
//
// The slo-capacity cases give each message a little CPU work: a bare echo
// costs the load generator as much CPU as the server, so with equal CPU
// sets the fastest models would saturate the client first and the search
// would measure it, not them (measured: client at 96-100% at the SLO's
// edge for three of the four models).
MatrixShape shape_of(const std::string& matrix) {
  if (matrix == "quick") {
    return {{{16, 64}}, 16,   {20000},
            10,         {50}, {1000},
            {100},      true, {{HostileKind::idle, 100}},
            false,      0,    {"thread-per-connection", "asio-coroutine"}};
  }
  if (matrix == "default") {
    return {{{1, 64}, {16, 64}, {256, 64}, {16, 16384}},
            16,
            {20000},
            10,
            {100},
            {1000},
            {1000},
            true,
            {{HostileKind::idle, 1000}, {HostileKind::non_reader, 1000}},
            false,
            0,
            {},
            false};
  }
  if (matrix == "full") {
    MatrixShape full{{},
                     16,
                     {2000, 5000, 10000, 20000, 40000},
                     10,
                     {10, 50, 100, 200},
                     {100, 1000, 5000},
                     {10, 100, 1000, 10000},
                     true,
                     {{HostileKind::idle, 1000},
                      {HostileKind::trickle, 1000},
                      {HostileKind::non_reader, 1000},
                      {HostileKind::flood, 1}},
                     true,
                     5000};
    for (const unsigned conns : {1u, 16u, 256u, 1024u}) {
      for (const std::size_t size : {std::size_t{64}, std::size_t{4096}, std::size_t{65536}})
        full.throughput.push_back({conns, size});
    }
    return full;
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
    case Scenario::slo_capacity:
      return "slo-capacity";
    case Scenario::cpu_work:
      return "cpu-work";
    case Scenario::blocking_work:
      return "blocking-work";
    case Scenario::idle_scale:
      return "idle-scale";
    case Scenario::churn:
      return "churn";
    case Scenario::hostile:
      return "hostile";
    case Scenario::restart:
      return "restart";
  }
  return "?";
}

std::string BenchCase::name() const {
  std::string text = std::string(scenario_name(scenario)) + (udp ? "/udp/" : "/tcp/") + entrant() +
                     "/conns:" + std::to_string(connections) + "/size:" + std::to_string(size);
  if (scenario == Scenario::latency || scenario == Scenario::restart)
    text += "/rate:" + std::to_string(std::lround(rate));
  if (work_us) text += "/work_us:" + std::to_string(work_us);
  if (block_us) text += "/block_us:" + std::to_string(block_us);
  if (slo_us) text += "/slo_us:" + std::to_string(slo_us);
  if (scenario == Scenario::hostile)
    text += std::string("/kind:") + hostile_kind_name(hostile_kind) + "/bad:" + std::to_string(bad);
  return text;
}

MatrixTiming matrix_timing(const std::string& matrix) {
  // quick must stay under a minute for CI: shorter probes keep its four
  // capacity searches (two repetitions each) from taking half of it.
  if (matrix == "quick") return {0.3, 0.1, 2, 0.15};
  if (matrix == "default") return {0.5, 0.2, 5, 0.3};
  if (matrix == "full") return {1.0, 0.3, 5, 0.5};
  throw std::invalid_argument("unknown matrix '" + matrix + "' (quick, default or full)");
}

std::vector<BenchCase> build_matrix(const std::string& matrix,
                                    const std::vector<CustomServer>& custom_servers,
                                    unsigned slo_us) {
  const MatrixShape shape = shape_of(matrix);
  std::vector<BenchCase> cases;
  auto add = [&](BenchCase c) { cases.push_back(std::move(c)); };

  struct Entrant {
    std::string model, command;
  };
  std::vector<Entrant> tcp_entrants;
  tcp_entrants.reserve(concurrent_models().size() + custom_servers.size());
  for (const auto& model : concurrent_models()) tcp_entrants.push_back({model, ""});
  for (const auto& custom : custom_servers) tcp_entrants.push_back({custom.name, custom.command});

  for (const auto [conns, size] : shape.throughput) {
    for (const auto& e : tcp_entrants)
      add({Scenario::throughput, e.model, e.command, false, conns, size});
    if (conns == 1) {
      for (const auto& model : one_client_models())
        add({Scenario::throughput, model, "", false, 1, size});
    }
  }
  for (const std::string& model : udp_models()) {
    add({Scenario::throughput, model, "", true, shape.latency_connections, 64});
  }
  for (const double rate : shape.latency_rates) {
    for (const auto& e : tcp_entrants) {
      add({Scenario::latency, e.model, e.command, false, shape.latency_connections, 64, rate});
    }
  }
  for (const auto& e : tcp_entrants) {
    if (!shape.slo_search) break;
    const bool searched = shape.slo_models.empty() || !e.command.empty() ||
                          std::find(shape.slo_models.begin(), shape.slo_models.end(), e.model) !=
                              shape.slo_models.end();
    if (!searched) continue;
    BenchCase c{Scenario::slo_capacity, e.model, e.command, false, shape.latency_connections, 64};
    c.slo_us = slo_us;
    if (e.command.empty()) c.work_us = shape.slo_work_us;  // a --server-cmd has no such knob
    add(c);
  }
  // Requests that compute or block: every model, and each model that can
  // hand that work to a pool also as a second entrant that does
  // (asio-coroutine+offload), the remedy its users reach for.
  auto add_with_offload = [&](BenchCase c) {
    add(c);
    if (find_model_description(c.model)->offload_knob) {
      c.offload = true;
      add(c);
    }
  };
  for (const unsigned work : shape.work_us) {
    for (const auto& model : concurrent_models()) {
      add_with_offload(
          {Scenario::cpu_work, model, "", false, shape.latency_connections, 64, 0, work, 0});
    }
  }
  for (const unsigned block : shape.block_us) {
    for (const auto& model : concurrent_models()) {
      add_with_offload(
          {Scenario::blocking_work, model, "", false, shape.latency_connections, 64, 0, 0, block});
    }
  }
  // prefork pays for its clients up front (its --processes children exist
  // before any connection), so "memory per idle connection" does not apply
  // to it; its whole PSS is in every other case's server_pss_mib.
  for (const unsigned conns : shape.idle_connections) {
    for (const auto& model : concurrent_models()) {
      if (!find_model_description(model)->processes_knob)
        add({Scenario::idle_scale, model, "", false, conns, 1});
    }
  }
  if (shape.churn) {
    for (const auto& model : concurrent_models()) add({Scenario::churn, model, "", false, 4, 64});
  }
  // Clients that misbehave, beside the closed-loop load of the latency
  // cases' connections: every concurrent model, and with its timeouts on.
  for (const auto& [kind, bad] : shape.hostile) {
    for (const bool defended : {false, true}) {
      if (defended && !shape.hostile_defended) continue;
      for (const auto& model : concurrent_models()) {
        BenchCase c{Scenario::hostile, model, "", false, shape.latency_connections, 64};
        c.hostile_kind = kind;
        c.bad = bad;
        c.defended = defended;
        add(c);
      }
    }
  }
  if (shape.restart_rate > 0) {
    for (const auto& model : concurrent_models()) {
      add({Scenario::restart, model, "", false, shape.latency_connections, 64, shape.restart_rate});
    }
  }
  for (BenchCase& c : cases) {  // an entrant with a fixed port keeps it in every case
    for (const CustomServer& custom : custom_servers) {
      if (!c.server_command.empty() && c.model == custom.name) c.server_port = custom.port;
    }
  }
  return cases;
}

}  // namespace echo::bench
