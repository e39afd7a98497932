#include "load_report.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "echo/socket_ops.hpp"

namespace echo {
namespace {

double us(std::int64_t ns) { return static_cast<double>(ns) / 1000.0; }

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

void add_percentiles(std::vector<Field>& fields, const LatencyHistogram& h,
                     const std::string& suffix) {
  const std::pair<const char*, double> points[] = {
      {"p50", 50}, {"p90", 90}, {"p99", 99}, {"p999", 99.9}, {"p9999", 99.99}};
  for (const auto& [name, percentile] : points) {
    fields.push_back({std::string(name) + suffix + "_us", us(h.value_at_percentile(percentile))});
  }
  fields.push_back({"max" + suffix + "_us", us(h.max())});
  fields.push_back({"mean" + suffix + "_us", h.mean() / 1000.0});
  fields.push_back({"stddev" + suffix + "_us", h.stddev() / 1000.0});
}

}  // namespace

std::vector<Field> result_fields(const LoadResult& r) {
  const LoadConfig& c = r.config;
  const ErrorCounts& e = r.totals.errors;
  std::vector<Field> fields = {
      {"protocol", std::string(c.udp ? "udp" : "tcp")},
      {"mode", std::string(c.open_loop() ? "open" : "closed")},
      {"host", c.host},
      {"port", std::uint64_t{c.port}},
      {"connections", std::uint64_t{c.connections}},
      {"connected", std::uint64_t{r.totals.connected}},
      {"threads", std::uint64_t{c.threads}},
      {"size", std::uint64_t{c.size}},
      {"pipeline", std::uint64_t{c.pipeline}},
      {"rate", c.rate},
      {"duration_s", r.elapsed_s},
      {"warmup_s", c.warmup_s},
      {"start_at_unix_s", c.start_at_unix_s},
      {"start_late_s", r.start_late_s},
      {"ramp_up_s", r.ramp_up_s},
      {"ramp_up_waiting", std::uint64_t{r.totals.ramp_up_waiting}},
      {"messages", r.totals.messages},
      {"bytes", r.bytes()},
      {"errors", e.total()},
      {"errors_refused", e.refused},
      {"errors_timeout", e.timeout},
      {"errors_reset", e.reset},
      {"errors_eof", e.eof},
      {"errors_short_read", e.short_read},
      {"errors_other", e.other},
      {"mismatches", r.totals.mismatches},
      {"sent", r.totals.sent},
      {"lost", r.totals.lost},
      {"unanswered", r.totals.unanswered},
      {"not_sent", r.totals.not_sent},
      {"stalled_connections", std::uint64_t{r.totals.stalled_connections}},
      {"reconnects", r.totals.reconnects},
      {"disconnected_s", static_cast<double>(r.totals.disconnected_ns) / 1e9},
      {"resent", r.totals.resent},
      {"due_while_down", r.totals.due_while_down},
      {"loss_pct", r.loss_pct()},
      {"msgs_per_s", r.msgs_per_s()},
      {"mib_per_s", r.mib_per_s()},
  };
  add_percentiles(fields, r.totals.corrected, "");
  add_percentiles(fields, r.totals.uncorrected, "_uncorrected");
  fields.push_back({"client_cpu_us_per_msg", r.client_cpu_us_per_msg()});
  return fields;
}

void write_csv(std::ostream& out, const LoadResult& result) {
  const auto fields = result_fields(result);
  std::string header, row;
  for (const auto& field : fields) {
    header += (header.empty() ? "" : ",") + field.name;
    std::string cell = std::visit(
        [](const auto& v) -> std::string {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>)
            return v;
          else if constexpr (std::is_same_v<T, double>)
            return fixed(v, 3);
          else
            return std::to_string(v);
        },
        field.value);
    row += (row.empty() ? "" : ",") + cell;
  }
  out << header << '\n' << row << '\n';
}

namespace {

// intervals[]: one object per interval, times in seconds from the window's
// start, latencies in microseconds like the run's own percentiles.
nlohmann::ordered_json intervals_json(const std::vector<IntervalSummary>& intervals) {
  auto list = nlohmann::ordered_json::array();
  for (const IntervalSummary& i : intervals) {
    list.push_back({{"start_s", i.start_s},
                    {"length_s", i.length_s},
                    {"messages", i.messages},
                    {"msgs_per_s", i.msgs_per_s()},
                    {"p50_us", us(i.p50_ns)},
                    {"p99_us", us(i.p99_ns)},
                    {"max_us", us(i.max_ns)}});
  }
  return list;
}

}  // namespace

void write_json(std::ostream& out, const LoadResult* result, const RunInfo& info) {
  nlohmann::ordered_json object;
  object["version"] = info.version;
  object["command"] = info.command;
  object["start_utc"] = info.start_utc;
  if (!info.bench_case.empty()) object["case"] = info.bench_case;
  if (!info.model.empty()) object["model"] = info.model;
  if (result != nullptr) {
    for (const auto& field : result_fields(*result)) {
      std::visit([&](const auto& v) { object[field.name] = v; }, field.value);
    }
    object["intervals"] = intervals_json(result->intervals);
  }
  if (!info.failures.empty()) object["error"] = {{"messages", info.failures}};
  out << object.dump(2) << '\n';
}

std::vector<std::string> failure_reasons(const LoadResult& r) {
  const LoadConfig& c = r.config;
  std::vector<std::string> why;
  if (r.totals.ramp_up_waiting > 0) {
    why.push_back("ramp-up: " + std::to_string(r.totals.ramp_up_waiting) + " of " +
                  std::to_string(r.totals.connected) +
                  " connection(s) had not answered their first message " +
                  fixed(c.ramp_up_timeout_s, 1) + " s after the start (--ramp-up-timeout)");
  }
  if (r.totals.mismatches > 0) {
    why.push_back(std::to_string(r.totals.mismatches) +
                  " echoed message(s) differed from what was sent");
  }
  if (r.totals.unanswered > 0) {
    why.push_back(std::to_string(r.totals.unanswered) +
                  " message(s) due in the window were never answered (gave up " +
                  fixed(c.answer_timeout_s, 3) + " s after its end)");
  }
  if (r.totals.stalled_connections > 0) {
    why.push_back(std::to_string(r.totals.stalled_connections) +
                  " connection(s) stalled: no echo for " + fixed(c.stall_timeout_s, 3) +
                  " s, or none at all");
  }
  if (c.udp && r.loss_pct() > c.max_loss_pct) {
    why.push_back(fixed(r.loss_pct(), 2) + " % of datagrams lost, more than --max-loss " +
                  fixed(c.max_loss_pct, 2) + " %");
  }
  if ((c.start_at_unix_s > 0 || c.start_on_input) && r.start_late_s > c.duration_s / 10) {
    why.push_back("the load was ready " + fixed(r.start_late_s, 3) +
                  " s after its start time, more than a tenth of the window: its window would "
                  "not line up with other load hosts'");
  }
  if (r.totals.connected < c.connections) {
    why.push_back("only " + std::to_string(r.totals.connected) + " of " +
                  std::to_string(c.connections) +
                  " connections opened; first failure: " + r.totals.first_error);
  } else if (r.totals.errors.total() > 0) {
    why.push_back(std::to_string(r.totals.errors.total()) +
                  " connection error(s); first: " + r.totals.first_error);
  }
  // A window that measured nothing has no rate and no latency to give.
  if (why.empty() && r.totals.messages == 0) why.push_back("no message was answered in the window");
  return why;
}

bool LoadResult::ok() const { return failure_reasons(*this).empty(); }

void write_text(std::ostream& out, const LoadResult& r) {
  const LoadConfig& c = r.config;
  const auto& h = r.totals.corrected;
  const auto& u = r.totals.uncorrected;
  out << "echo-load: " << (c.udp ? "UDP" : "TCP") << ' ' << format_endpoint(c.host, c.port) << ", "
      << r.totals.connected << '/' << c.connections << " connections on " << c.threads
      << " thread(s), " << c.size << " B messages, "
      << (c.open_loop() ? "open loop at " + fixed(c.rate, 0) + " msgs/s"
                        : "closed loop, pipeline " + std::to_string(c.pipeline))
      << "\n";
  out << "  " << r.totals.messages << " messages in " << fixed(r.elapsed_s, 2)
      << " s: " << fixed(r.msgs_per_s(), 0) << " msgs/s, " << fixed(r.mib_per_s(), 2) << " MiB/s\n";
  out << "  latency" << (c.open_loop() ? " (from scheduled send time)" : "") << ":  p50 "
      << fixed(us(h.value_at_percentile(50)), 1) << " us  p90 "
      << fixed(us(h.value_at_percentile(90)), 1) << " us  p99 "
      << fixed(us(h.value_at_percentile(99)), 1) << " us  p99.9 "
      << fixed(us(h.value_at_percentile(99.9)), 1) << " us  p99.99 "
      << fixed(us(h.value_at_percentile(99.99)), 1) << " us  max " << fixed(us(h.max()), 1)
      << " us  mean " << fixed(h.mean() / 1000, 1) << " us  stddev " << fixed(h.stddev() / 1000, 1)
      << " us\n";
  if (c.open_loop()) {
    out << "  uncorrected (from actual send):  p50 " << fixed(us(u.value_at_percentile(50)), 1)
        << " us  p99 " << fixed(us(u.value_at_percentile(99)), 1) << " us  max "
        << fixed(us(u.max()), 1) << " us\n";
  }
  const ErrorCounts& e = r.totals.errors;
  out << "  errors: " << e.total() << " (refused " << e.refused << ", timeout " << e.timeout
      << ", reset " << e.reset << ", eof " << e.eof << ", short read " << e.short_read << ", other "
      << e.other << ")  mismatches: " << r.totals.mismatches;
  if (c.udp) out << "  lost: " << r.totals.lost << " (" << fixed(r.loss_pct(), 2) << " %)";
  if (c.open_loop()) {
    out << "  unanswered: " << r.totals.unanswered
        << "  not sent (connection dead): " << r.totals.not_sent;
  }
  if (c.reconnect) {
    out << "\n  reconnects: " << r.totals.reconnects << " ("
        << fixed(static_cast<double>(r.totals.disconnected_ns) / 1e9, 3)
        << " s without a connection, summed over connections; " << r.totals.resent
        << " messages sent again";
    if (c.open_loop()) out << ", " << r.totals.due_while_down << " due while down";
    out << ")";
  }
  out << "\n  client CPU: " << fixed(r.client_cpu_us_per_msg(), 2) << " us per message\n";
}

std::string progress_line(double elapsed_s, const LoadConfig& config, double msgs_per_s,
                          const LatencyHistogram& so_far) {
  char line[160];
  std::snprintf(line, sizeof line,
                "echo-load: %5.1f s of %.1f s  %10.0f msgs/s  p99 so far %.1f us\n", elapsed_s,
                config.duration_s, msgs_per_s, us(so_far.value_at_percentile(99)));
  return line;
}

}  // namespace echo
