// echo-bench-agent [--cpus LIST|split] [--max-fds N] [-- SERVER ARGV...]
//
// What echo-bench --remote starts on each host, over SSH or `ip netns exec`
// (host_agent.hpp): it starts the server there and measures it, answering
// echo-bench's requests line by line (agent_protocol.hpp). Tools that
// measure a client echo-bench does not have (tools/compare-load-generators)
// start their server through it too; `--cpus split` pins it where echo-bench
// would. Not for people.

#include <iostream>
#include <string>
#include <vector>

#include "cpu_split.hpp"
#include "echo/finite_check.hpp"
#include "host_agent.hpp"
#include "launched_server.hpp"

namespace {

int usage_error(const std::string& why) {
  std::cerr << "echo-bench-agent: " << why
            << "\nusage: echo-bench-agent [--cpus LIST|split] [--max-fds N] [-- SERVER ARGV...]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  echo::bench::AgentOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "--") {
      options.server_argv.assign(argv + i + 1, argv + argc);
      break;
    }
    if (i + 1 >= argc) return usage_error(word + " needs a value");
    const std::string value = argv[++i];
    try {
      if (word == "--cpus") {
        options.cpus = value == "split"
                           ? echo::bench::split_cpus(echo::bench::allowed_cpus()).server
                           : echo::bench::parse_cpu_list(value);
      } else if (word == "--max-fds") {
        if (!echo::is_plain_decimal(value) || value.find('.') != std::string::npos ||
            value.size() > 9)
          return usage_error("--max-fds " + value + ": not a whole number");
        options.max_fds = static_cast<unsigned>(std::stoul(value));
      } else {
        return usage_error("unknown option " + word);
      }
    } catch (const std::invalid_argument& error) {
      std::string why = word;
      why.append(" ").append(value).append(": ").append(error.what());
      return usage_error(why);
    }
  }
  try {
    return echo::bench::run_host_agent(options);
  } catch (const std::exception& error) {
    std::cerr << "echo-bench-agent: " << error.what() << "\n";
    return 1;
  }
}
