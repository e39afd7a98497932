#pragma once
// Diagnostics go to standard error, one line each, prefixed with the program
// name; standard output carries only the ready line.

#include <cstdio>
#include <string_view>

namespace echo {

inline void log_warning(std::string_view what) {
  std::fprintf(stderr, "echo-server: %.*s\n", static_cast<int>(what.size()), what.data());
}

}  // namespace echo
