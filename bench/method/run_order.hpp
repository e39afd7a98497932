#pragma once
// In what order echo-bench runs the repetitions of its cases (--order).
//
// random:  Google Benchmark's random interleaving decides (the default).
// rotated: repetition r runs every selected case once, starting r places
//          further down the list, so no case always runs first or always
//          after the same neighbour (tools/side-by-side's method).
//
// Google Benchmark asks for a case's repetitions one case after another;
// RotatedRuns measures in rotated order instead and hands each case its
// results in the order they were measured. Google Benchmark stays the
// reporter (names, repetition_index, aggregates); RotatedRuns owns the order.

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "case_runner.hpp"

namespace echo::bench {

class RotatedRuns {
 public:
  using Measure = std::function<CaseResult(const std::string& case_name)>;

  /// `case_names`: the cases Google Benchmark will ask for, in registration
  /// order; each is asked for `repetitions` times.
  RotatedRuns(std::vector<std::string> case_names, int repetitions, Measure measure);

  /// The next repetition of `case_name`: measures, in rotated order, every
  /// run due before it that has not run yet. A name outside the list is
  /// measured at once.
  CaseResult next(const std::string& case_name);

  /// The order runs are measured in, as case indexes (for the tests).
  static std::vector<std::size_t> order(std::size_t cases, int repetitions);

 private:
  std::vector<std::string> names_;
  std::vector<std::size_t> order_;
  std::size_t next_run_ = 0;
  Measure measure_;
  std::map<std::string, std::deque<CaseResult>> waiting_;  ///< measured, not yet asked for
};

}  // namespace echo::bench
