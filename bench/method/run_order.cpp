#include "run_order.hpp"

namespace echo::bench {

RotatedRuns::RotatedRuns(std::vector<std::string> case_names, int repetitions, Measure measure)
    : names_(std::move(case_names)),
      order_(order(names_.size(), repetitions)),
      measure_(std::move(measure)) {}

std::vector<std::size_t> RotatedRuns::order(std::size_t cases, int repetitions) {
  std::vector<std::size_t> runs;
  if (cases == 0) return runs;
  runs.reserve(cases * static_cast<std::size_t>(repetitions));
  for (int rep = 0; rep < repetitions; ++rep) {
    const std::size_t shift = static_cast<std::size_t>(rep) % cases;
    for (std::size_t i = 0; i < cases; ++i) runs.push_back((shift + i) % cases);
  }
  return runs;
}

CaseResult RotatedRuns::next(const std::string& case_name) {
  while (true) {
    auto& queue = waiting_[case_name];
    if (!queue.empty()) {
      CaseResult result = std::move(queue.front());
      queue.pop_front();
      return result;
    }
    if (next_run_ >= order_.size()) return measure_(case_name);  // not in the schedule
    const std::string& due = names_[order_[next_run_++]];
    CaseResult result = measure_(due);
    if (due == case_name) return result;
    waiting_[due].push_back(std::move(result));
  }
}

}  // namespace echo::bench
