#include "server_options.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <string_view>

#include "echo/finite_check.hpp"

namespace echo {
namespace {

std::string join_names(std::span<const ModelDescription> models, bool udp_only) {
  std::string names;
  for (const auto& model : models) {
    if (udp_only && !model.supports_udp) continue;
    names += (names.empty() ? "" : ", ") + model.name;
  }
  return names;
}

std::string models_footer(std::span<const ModelDescription> models) {
  std::size_t width = 0;
  for (const auto& model : models) width = std::max(width, model.name.size());
  std::string text = "Models:\n";
  for (const auto& model : models) {
    text += "  " + model.name + std::string(width + 2 - model.name.size(), ' ') + model.summary +
            (model.supports_udp ? " [TCP, UDP]" : "") + "\n";
  }
  text +=
      "\nPrints 'listening on HOST:PORT' once ready. SIGINT/SIGTERM stop it (exit 0).\n"
      "Exit status: 2 for bad usage, 1 when the address cannot be used.";
  return text;
}

std::string names_at_limit(std::span<const ModelDescription> models, AtConnectionLimit at_limit) {
  std::string names;
  for (const auto& model : models) {
    if (model.at_connection_limit == at_limit) names += (names.empty() ? "" : ", ") + model.name;
  }
  return names;
}

ParsedOptions usage_error(const std::string& what) {
  return {std::nullopt, 2, "echo-server: " + what + "\nRun 'echo-server --help' for usage."};
}

}  // namespace

ParsedOptions parse_server_options(int argc, const char* const* argv,
                                   std::span<const ModelDescription> models) {
  ServerConfig config;
  int port = config.port;
  CLI::App app{"echo-server: an RFC 862 echo server, one concurrency model per --model."};
  app.name("echo-server");
  app.footer(models_footer(models));

  const std::string valid = join_names(models, /*udp_only=*/false);
  app.set_version_flag("--version", std::string("echo-server ") + ECHO_VERSION);
  bool list_models = false;  // answered below, before parsing
  app.add_flag("--list-models", list_models,
               "Print every model and its traits, one line each, and exit");
  // Answered before parsing, which would otherwise insist on --model.
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--list-models")
      return {std::nullopt, 0, model_list_text(models)};
  }
  app.add_option("-m,--model", config.model, "Concurrency model (see Models below)")
      ->required()
      ->check(CLI::Validator(
          [models, valid](std::string& name) -> std::string {
            const bool known = std::any_of(models.begin(), models.end(),
                                           [&](const auto& m) { return m.name == name; });
            return known ? "" : "unknown model '" + name + "'; valid models: " + valid;
          },
          "MODEL"));
  app.add_option("--host", config.host, "Address to listen on (IPv4, IPv6 or a name)")
      ->capture_default_str();
  app.add_option("-p,--port", port, "Port to listen on; 0 takes a free ephemeral port")
      ->check(kDecimal)
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  app.add_option(
         "-t,--threads", config.threads,
         "thread-pool workers / asio-coroutine I/O threads / epoll-reactor and io-uring loops "
         "(default: cores for thread-pool, 1 for the others)")
      ->check(kDecimal)
      ->check(CLI::Range(1, 4096));
  app.add_option("--processes", config.processes,
                 "prefork: children forked at start, each serving one client at a time; more "
                 "clients wait in the backlog")
      ->check(kDecimal)
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--ring-buffers", config.ring_buffers,
                 "io-uring: receive buffers (16 KiB each) each ring provides to the kernel, a "
                 "power of two; when they run out, connections use buffers of their own")
      ->check(kDecimal)
      ->check(CLI::Range(1, 32768))
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            // Decimal and in range by now (the checks before).
            const unsigned long n = std::strtoul(text.c_str(), nullptr, 10);
            return (n & (n - 1)) == 0 ? "" : "not a power of two";
          },
          "POWER-OF-TWO"))
      ->capture_default_str();
  app.add_option("--stack-kib", config.stack_kib,
                 "thread-per-connection: stack size of each connection's thread, KiB")
      ->check(kDecimal)
      ->check(CLI::Range(64, 65536))
      ->capture_default_str();
  // The defences against clients that misbehave (common/connection_defences);
  // docs/models.md says what each model does at its limit.
  app.add_option("--max-connections", config.max_connections,
                 "Most connections served at once (default: no limit; fork-per-connection: "
                 "1024 children). At the limit " +
                     names_at_limit(models, AtConnectionLimit::backlog) +
                     " stop accepting (new clients wait in the backlog); " +
                     names_at_limit(models, AtConnectionLimit::close) +
                     " accept and close at once; " +
                     names_at_limit(models, AtConnectionLimit::refuses) + " refuse the option")
      ->check(kDecimal)
      ->check(CLI::Range(1, 1000000));
  const auto add_timeout = [&app](const char* name, double& seconds, const char* closes) {
    app.add_option(
           name, seconds,
           std::string("Close a connection ") + closes + " for this many seconds (default: never)")
        ->check(kDecimal)
        ->check(CLI::Range(0.001, 86400.0));
  };
  add_timeout("--idle-timeout", config.idle_timeout_s, "that has sent nothing");
  add_timeout("--write-timeout", config.write_timeout_s, "whose echo its client has not read");
  app.add_flag("-u,--udp", config.udp, "Serve UDP datagrams instead of TCP connections");
  app.add_option("--udp-batch", config.udp_batch,
                 "epoll-reactor: datagrams per recvmmsg()/sendmmsg(); io-uring: receives in "
                 "flight per ring (1: no batching)")
      ->check(kDecimal)
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  std::string asio_contexts = "per-thread";
  app.add_option("--asio-contexts", asio_contexts,
                 "asio-coroutine: an io_context per I/O thread, or one shared by all")
      ->check(CLI::IsMember({"per-thread", "shared"}))
      ->capture_default_str();
  app.add_option("--offload-threads", config.offload_threads,
                 "asio-coroutine: run the per-message work (--work-us, --block-us) on a pool of "
                 "this many threads, resuming on the I/O thread after it (0: on the I/O thread)")
      ->check(kDecimal)
      ->check(CLI::Range(0, 4096))
      ->capture_default_str();
  app.add_option("--work-us", config.work.cpu_us,
                 "Per message: burn this many microseconds of CPU (simulated computation)")
      ->check(kDecimal)
      ->check(CLI::Range(0.0, 1000000.0))
      ->capture_default_str();
  app.add_option("--block-us", config.work.block_us,
                 "Per message: sleep this many microseconds (simulated blocking call)")
      ->check(kDecimal)
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  app.add_option("--message-bytes", config.work.message_bytes,
                 "With --work-us/--block-us: a message is this many bytes, and the work is done "
                 "once per message however reads split or batch them (0: once per read)")
      ->check(kDecimal)
      ->check(CLI::Range(std::size_t{0}, std::size_t{1} << 30))
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return {std::nullopt, 0, app.help()};
  } catch (const CLI::CallForVersion& error) {
    return {std::nullopt, 0, error.what()};
  } catch (const CLI::ParseError& error) {
    std::string what = error.what();
    if (what.find("--model") != std::string::npos &&
        what.find("valid models") == std::string::npos) {
      what += "; valid models: " + valid;
    }
    return usage_error(what);
  }
  config.port = static_cast<std::uint16_t>(port);
  config.asio_shared_context = asio_contexts == "shared";

  const auto model = std::find_if(models.begin(), models.end(),
                                  [&](const auto& m) { return m.name == config.model; });
  if (config.udp && !model->supports_udp) {
    return usage_error("model '" + config.model + "' does not serve UDP; UDP models: " +
                       join_names(models, /*udp_only=*/true));
  }
  // A defence a model cannot honour is refused, never ignored.
  for (const char* defence : {"--max-connections", "--idle-timeout", "--write-timeout"}) {
    if (config.udp && app.count(defence) > 0)
      return usage_error(std::string(defence) + " applies to TCP connections; --udp has none");
  }
  if (app.count("--max-connections") > 0 &&
      model->at_connection_limit == AtConnectionLimit::refuses) {
    return usage_error("--max-connections: " + model->no_connection_limit +
                       ", so the model refuses it");
  }
  return {config, 0, {}};
}

}  // namespace echo
