#include "restart_run.hpp"

#include <exception>
#include <future>
#include <optional>
#include <thread>

#include "echo/clock.hpp"
#include "load_engine.hpp"

namespace echo::bench {

CaseResult run_restart(const BenchCase& c, const RunSettings& settings, LaunchedServer& server) {
  CaseResult out;
  LoadConfig config = load_config(c, settings, server.port());
  config.rate = c.rate;
  config.reconnect = true;
  std::promise<void> measuring;
  LoadHooks hooks;
  hooks.on_measure_start = [&measuring] { measuring.set_value(); };
  std::future<void> measure_started = measuring.get_future();
  LoadResult r;
  std::exception_ptr load_error;  // rethrown here once the thread is joined
  std::thread load([&] {
    try {
      r = run_load(config, nullptr, hooks);
    } catch (...) {
      load_error = std::current_exception();
    }
    if (measure_started.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
      measuring.set_value();  // the load ended before its window (a failed ramp-up)
  });

  measure_started.wait();
  std::optional<LaunchedServer> replacement;
  std::int64_t stopped_ns = 0;
  double down_s = 0;
  try {
    // Halfway through the window: a point of the design, not a guess.
    std::this_thread::sleep_for(std::chrono::duration<double>(settings.duration_s / 2));
    stopped_ns = now_ns();
    const std::optional<int> status = server.stop();
    if (status != 0) {
      out.error = status ? "the server exited with status " + std::to_string(*status) +
                               " on SIGTERM: " + server.error_output()
                         : "the server did not exit after SIGTERM";
    } else {
      replacement.emplace(launch_server(c, settings, server.port()));
      down_s = static_cast<double>(now_ns() - stopped_ns) / 1e9;
    }
  } catch (const std::exception& error) {
    out.error = std::string("restarting the server: ") + error.what();
  }
  load.join();
  if (replacement) {
    const std::optional<int> status = replacement->stop();
    if (out.error.empty() && status != 0)
      out.error = "the restarted server did not exit 0: " + replacement->error_output();
  }
  if (load_error) std::rethrow_exception(load_error);  // run_case_once makes it the case's error
  if (!out.error.empty()) return out;
  if (std::string why = load_failure(r); !why.empty()) {
    out.error = why;
    return out;
  }
  out.seconds = r.elapsed_s;
  out.items = r.totals.messages;
  out.bytes = r.totals.messages * c.size;
  out.counters["msgs_per_s"] = r.msgs_per_s();
  out.counters["target_msgs_per_s"] = c.rate;
  add_latency_counters(out, r.totals.corrected);
  out.counters["server_down_s"] = down_s;
  out.counters["reconnects"] = static_cast<double>(r.totals.reconnects);
  // Every connection served again: from SIGTERM to the last reconnect.
  out.counters["recovery_s"] =
      r.totals.last_reconnect_ns > stopped_ns
          ? static_cast<double>(r.totals.last_reconnect_ns - stopped_ns) / 1e9
          : 0;
  out.counters["messages_lost"] = static_cast<double>(r.totals.resent);
  out.counters["messages_delayed"] = static_cast<double>(r.totals.due_while_down);
  out.counters["disconnected_s"] = static_cast<double>(r.totals.disconnected_ns) / 1e9;
  if (r.totals.reconnects < r.config.connections)
    out.error = "only " + std::to_string(r.totals.reconnects) + " of " +
                std::to_string(r.config.connections) + " connections came back";
  return out;
}

}  // namespace echo::bench
