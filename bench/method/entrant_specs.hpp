#pragma once
// echo-bench's entrants beside the models, as the command line gives them:
//   --server-cmd NAME='COMMAND with {port}'   any server, ready once it listens
//   --server-cmd NAME@PORT='COMMAND'          one that always listens on PORT
//   --variant NAME='MODEL ARGS'               echo-server's MODEL with ARGS
// An entrant's name is part of every case name it runs in and what reports
// group by: one word, no model's name, given once.

#include <string>
#include <vector>

#include "bench_case.hpp"

namespace echo::bench {

/// Throws std::invalid_argument naming what is wrong.
CustomServer parse_server_cmd(const std::string& spec);
CustomServer parse_variant(const std::string& spec);

/// Throws std::invalid_argument for a name that is not one word, is a
/// model's name, or is given twice.
void check_entrant_names(const std::vector<CustomServer>& entrants);

}  // namespace echo::bench
