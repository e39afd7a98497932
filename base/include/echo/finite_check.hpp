#pragma once
// CLI11's Range lets NaN through (every comparison with NaN is false), so a
// "--duration nan" would pass and then hang. Every floating-point option of
// echo-server, echo-load and echo-bench also goes through this check.

#include <CLI/CLI.hpp>
#include <cmath>
#include <string>

namespace echo {

inline const CLI::Validator kFiniteNumber(
    [](const std::string& text) {
      try {
        return std::isfinite(std::stod(text)) ? std::string() : "not a finite number: " + text;
      } catch (const std::exception&) {
        return "not a number: " + text;
      }
    },
    "FINITE");

}  // namespace echo
