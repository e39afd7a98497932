#pragma once
// The one check every numeric option of echo-server, echo-load and
// echo-bench goes through before its range: plain decimal notation and
// nothing else. CLI11 on its own reads "0x50" as 80, "010" as octal in some
// versions, and lets NaN and infinity through Range (every comparison with
// NaN is false: a "--duration nan" would pass and then hang). A value that is
// not decimal is bad usage (exit 2) naming the option, never a crash or a
// different number than the user wrote.

#include <CLI/CLI.hpp>
#include <string>

namespace echo {

/// True for digits with at most one decimal point between digits: "0",
/// "42", "0.5", "12.25". Not "", "+1", "-1", ".5", "1.", "1e3", "0x10",
/// "nan", "inf" or anything with spaces.
inline bool is_plain_decimal(const std::string& text) {
  std::size_t digits_before = 0, digits_after = 0, points = 0;
  for (const char c : text) {
    if (c == '.') {
      ++points;
    } else if (c >= '0' && c <= '9') {
      ++(points == 0 ? digits_before : digits_after);
    } else {
      return false;
    }
  }
  return digits_before > 0 && points <= 1 && (points == 0 || digits_after > 0);
}

inline const CLI::Validator kDecimal(
    [](const std::string& text) {
      return is_plain_decimal(text)
                 ? std::string()
                 : "not a decimal number: '" + text + "' (digits, at most one '.')";
    },
    "DECIMAL");

}  // namespace echo
