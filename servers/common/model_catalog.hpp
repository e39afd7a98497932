#pragma once
// The one list of concurrency models: each model's name, its line in --help,
// and the traits that decide where it is tested and benchmarked. The server
// (model_registry), the tests (ValuesIn) and the benchmark matrix all read
// this list, so a model added here is tested and measured because it exists;
// `echo-server --list-models` prints it for the Python tools.
//
// It lives in echo.common, beside the option parser, so that programs that
// only need the list (tests, echo-bench) do not link the models themselves.

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace echo {

/// What a model does with a client beyond --max-connections (docs/models.md).
enum class AtConnectionLimit {
  backlog,  ///< stops accepting: the client waits in the listen backlog until one ends
  close,    ///< accepts the client and closes the connection at once
  refuses,  ///< refuses the option (exit 2); `no_connection_limit` says why
};

struct ModelDescription {
  std::string name;
  std::string summary;        ///< one line of --help
  bool supports_udp = false;  ///< --udp
  /// Serves many clients at once. iterative does not; prefork does, up to
  /// its --processes (the harness sizes that to the connections).
  bool concurrent = true;
  bool threads_knob = false;            ///< --threads sizes it (equal CPUs: as many as it has)
  bool processes_knob = false;          ///< --processes children are forked at start
  bool per_connection_process = false;  ///< forks for each client (--max-connections)
  /// Its --threads are workers that each run one request at a time (not
  /// event loops), so a deployment sizes them to the concurrent requests
  /// when requests block.
  bool worker_threads = false;
  bool offload_knob = false;  ///< --offload-threads runs the per-message work on a pool
  AtConnectionLimit at_connection_limit = AtConnectionLimit::backlog;
  std::string no_connection_limit{};  ///< why it refuses --max-connections
};

/// Every model, in the order --help lists them.
std::span<const ModelDescription> model_catalog();

/// The model named `name`, or nullptr.
const ModelDescription* find_model_description(std::string_view name);

/// The names of the models for which `wanted` holds, in catalog order.
std::vector<std::string> model_names(
    const std::function<bool(const ModelDescription&)>& wanted = {});

/// `echo-server --list-models`: one line per model (no newline after the
/// last), its name and then its traits as words ("tcp", "udp", "concurrent", "threads",
/// "processes", "process-per-connection", "workers", "offload", and at
/// --max-connections "limit-backlog" or "limit-close").
std::string model_list_text(std::span<const ModelDescription> models);

}  // namespace echo
