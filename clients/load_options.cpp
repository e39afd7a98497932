#include "load_options.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <charconv>
#include <map>

#include "echo/finite_check.hpp"

namespace echo {

ParsedLoadOptions parse_load_options(int argc, const char* const* argv) {
  LoadConfig c;
  int port = c.port;
  std::string format = "text";
  CLI::App app{"echo-load: drives an RFC 862 echo server and measures it, checking every byte."};
  app.name("echo-load");
  app.set_version_flag("--version", std::string("echo-load ") + ECHO_VERSION);
  app.add_option("--host", c.host, "Server address")->capture_default_str();
  app.add_option("-p,--port", port, "Server port")
      ->check(kDecimal)
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  app.add_option("-c,--connections", c.connections, "Connections (UDP: sockets)")
      ->check(kDecimal)
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  app.add_option("-s,--size", c.size, "Bytes per message")
      ->check(kDecimal)
      ->check(CLI::Range(1, 64 << 20))
      ->capture_default_str();
  app.add_option("-d,--duration", c.duration_s, "Measured seconds")
      ->check(kDecimal)
      ->check(CLI::Range(0.001, 86400.0))
      ->capture_default_str();
  app.add_option("--warmup", c.warmup_s, "Seconds of load before measuring")
      ->check(kDecimal)
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  app.add_option("-r,--rate", c.rate,
                 "Open loop: messages per second in total, on a fixed schedule; latency is "
                 "measured from each message's scheduled time. 0 = closed loop")
      ->check(kDecimal)
      ->check(CLI::Range(0.0, 1e9))
      ->capture_default_str();
  app.add_option("--pipeline", c.pipeline, "Closed loop: messages in flight per connection")
      ->check(kDecimal)
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("-t,--threads", c.threads, "Client threads, each with its own event loop")
      ->check(kDecimal)
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_flag("-u,--udp", c.udp, "Send UDP datagrams (8-byte sequence number + payload)");
  app.add_option("--udp-timeout", c.udp_timeout_s,
                 "A datagram not back within this many seconds is lost")
      ->check(kDecimal)
      ->check(CLI::Range(0.001, 60.0))
      ->capture_default_str();
  app.add_option("--connect-timeout", c.connect_timeout_s,
                 "Seconds to wait for every connection to open (they open concurrently)")
      ->check(kDecimal)
      ->check(CLI::Range(0.001, 600.0))
      ->capture_default_str();
  app.add_option("--answer-timeout", c.answer_timeout_s,
                 "Open loop: seconds after the window that echoes of messages due in it may "
                 "still arrive; later ones count as unanswered (exit 1)")
      ->check(kDecimal)
      ->check(CLI::Range(0.001, 600.0))
      ->capture_default_str();
  app.add_option("--timeout", c.stall_timeout_s,
                 "Closed loop: a connection with no echo for this many seconds at the end, or "
                 "none in the whole run, is stalled (exit 1)")
      ->check(kDecimal)
      ->check(CLI::Range(0.001, 3600.0))
      ->capture_default_str();
  app.add_option("--ramp-up-timeout", c.ramp_up_timeout_s,
                 "TCP: before any load, every connection opens and gets one message echoed, "
                 "with no other traffic; connections still waiting this many seconds after the "
                 "start fail the run (exit 1). The time it took is ramp_up_s")
      ->check(kDecimal)
      ->check(CLI::Range(0.001, 3600.0))
      ->capture_default_str();
  app.add_option("--max-loss", c.max_loss_pct,
                 "UDP: percent of datagrams that may be lost before the run fails; 0 suits "
                 "loopback, a real network may need more (e.g. 0.1)")
      ->check(kDecimal)
      ->check(CLI::Range(0.0, 100.0))
      ->capture_default_str();
  c.interval_s = -1;  // auto, resolved below
  app.add_option("--interval", c.interval_s,
                 "Seconds per interval of the window, for the JSON's intervals[], --hlog and "
                 "progress lines on stderr; 0 = none (default: 1, or a tenth of a shorter "
                 "window; progress lines only when given, or for runs over 5 s on a terminal)")
      ->check(kDecimal)
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("-f,--format", format, "Output: text, csv (header + one row) or json")
      ->check(CLI::IsMember({"text", "csv", "json"}))
      ->capture_default_str();
  app.add_option("--hgrm", c.hgrm_path,
                 "Write the latency histogram here in HdrHistogram's percentile format (ms)");
  app.add_option("--hlog", c.hlog_path,
                 "Write an HdrHistogram interval log here: one V2 compressed histogram (ns) per "
                 "--interval, for HistogramLogReader/HistogramLogProcessor");
  app.add_option("--start-at", c.start_at_unix_s,
                 "Begin the load (warm-up, then the window) at this wall-clock time, seconds "
                 "since the Unix epoch, once every connection is open: how several load hosts "
                 "start together. Opening the connections later than a tenth of the window "
                 "past it fails the run")
      ->check(kDecimal)
      ->check(CLI::Range(0.0, 1e11));
  app.add_flag("--start-on-input", c.start_on_input,
               "After the ramp-up, print 'ready RAMP_UP_S' on stderr and read the start time "
               "(seconds since the Unix epoch, as --start-at) from a line on standard input: "
               "how echo-bench starts several load hosts once all have passed their barrier")
      ->excludes("--start-at");
  app.add_flag("--reconnect", c.reconnect,
               "TCP: open a connection again when the server closes or resets it during the "
               "load, and send its unanswered messages again; the time without a connection is "
               "charged to latency (counters: reconnects, disconnected_s). Without it, such a "
               "connection is an error");
  app.footer(
      "Exit status: 0 when every connection opened, ran without error, every echoed byte\n"
      "matched and (open loop) every message due in the window was answered; 1 otherwise\n"
      "(the reason is on stderr); 2 for bad usage.");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return {std::nullopt, 0, app.help()};
  } catch (const CLI::CallForVersion& error) {
    return {std::nullopt, 0, error.what()};
  } catch (const CLI::ParseError& error) {
    return {std::nullopt, 2,
            std::string("echo-load: ") + error.what() + "\nRun 'echo-load --help' for usage."};
  }
  c.port = static_cast<std::uint16_t>(port);
  c.format = std::map<std::string, OutputFormat>{{"text", OutputFormat::text},
                                                 {"csv", OutputFormat::csv},
                                                 {"json", OutputFormat::json}}[format];
  if (c.interval_s < 0) {
    c.interval_s = std::min(1.0, c.duration_s / 10);
    c.progress_lines = c.duration_s > 5 && ::isatty(STDERR_FILENO);
  } else {
    c.progress_lines = c.interval_s > 0;
  }
  if (!c.hlog_path.empty() && c.interval_s == 0) {
    return {std::nullopt, 2, "echo-load: --hlog needs intervals: --interval must not be 0"};
  }
  if (c.udp && (c.size < 8 || c.size > 65507)) {
    return {std::nullopt, 2,
            "echo-load: --udp needs --size from 8 (the sequence number) to 65507 (the largest "
            "UDP payload)"};
  }
  if (c.udp && c.reconnect) {
    return {std::nullopt, 2, "echo-load: --reconnect is for TCP; UDP has no connections"};
  }
  if (c.threads > c.connections) {
    return {std::nullopt, 2, "echo-load: --threads must not exceed --connections"};
  }
  return {c, 0, {}};
}

namespace {

// The shortest plain decimal that reads back as `value` (echo-load takes no
// exponent).
std::string decimal(double value) {
  std::array<char, 64> text{};
  const auto end =
      std::to_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed).ptr;
  return {text.data(), end};
}

}  // namespace

std::vector<std::string> load_arguments(const LoadConfig& c) {
  static const std::map<OutputFormat, std::string> formats = {
      {OutputFormat::text, "text"}, {OutputFormat::csv, "csv"}, {OutputFormat::json, "json"}};
  std::vector<std::string> args = {"--host",
                                   c.host,
                                   "--port",
                                   std::to_string(c.port),
                                   "--connections",
                                   std::to_string(c.connections),
                                   "--size",
                                   std::to_string(c.size),
                                   "--duration",
                                   decimal(c.duration_s),
                                   "--warmup",
                                   decimal(c.warmup_s),
                                   "--rate",
                                   decimal(c.rate),
                                   "--pipeline",
                                   std::to_string(c.pipeline),
                                   "--threads",
                                   std::to_string(c.threads),
                                   "--udp-timeout",
                                   decimal(c.udp_timeout_s),
                                   "--connect-timeout",
                                   decimal(c.connect_timeout_s),
                                   "--answer-timeout",
                                   decimal(c.answer_timeout_s),
                                   "--timeout",
                                   decimal(c.stall_timeout_s),
                                   "--ramp-up-timeout",
                                   decimal(c.ramp_up_timeout_s),
                                   "--max-loss",
                                   decimal(c.max_loss_pct),
                                   "--format",
                                   formats.at(c.format)};
  if (c.interval_s >= 0) args.insert(args.end(), {"--interval", decimal(c.interval_s)});
  if (c.udp) args.emplace_back("--udp");
  if (!c.hgrm_path.empty()) args.insert(args.end(), {"--hgrm", c.hgrm_path});
  if (!c.hlog_path.empty()) args.insert(args.end(), {"--hlog", c.hlog_path});
  if (c.start_at_unix_s > 0) args.insert(args.end(), {"--start-at", decimal(c.start_at_unix_s)});
  if (c.start_on_input) args.emplace_back("--start-on-input");
  if (c.reconnect) args.emplace_back("--reconnect");
  return args;
}

}  // namespace echo
