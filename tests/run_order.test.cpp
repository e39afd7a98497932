// echo-bench --order rotated: repetition r starts r cases further down the
// list, and each case gets its own results back in the order they were
// measured, whatever order Google Benchmark asks in.

#include "run_order.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <vector>

namespace echo::bench {
namespace {

TEST(RotatedRuns, EachRepetitionStartsOneCaseFurtherOn) {
  EXPECT_EQ(RotatedRuns::order(3, 4),
            (std::vector<std::size_t>{0, 1, 2, 1, 2, 0, 2, 0, 1, 0, 1, 2}));
  EXPECT_TRUE(RotatedRuns::order(0, 3).empty());
  EXPECT_EQ(RotatedRuns::order(1, 2), (std::vector<std::size_t>{0, 0}));
}

TEST(RotatedRuns, MeasuresInRotatedOrderWhileAskedOneCaseAfterAnother) {
  std::vector<std::string> measured;
  RotatedRuns runs({"a", "b", "c"}, 3, [&measured](const std::string& name) {
    CaseResult result;
    result.ok = true;
    result.error = name + std::to_string(measured.size());  // which run this was
    measured.push_back(name);
    return result;
  });
  // Google Benchmark without interleaving: every repetition of a, then b, then c.
  std::vector<std::string> handed;
  for (const char* name : {"a", "b", "c"}) {
    for (int rep = 0; rep < 3; ++rep) handed.push_back(runs.next(name).error);
  }
  EXPECT_EQ(measured, (std::vector<std::string>{"a", "b", "c", "b", "c", "a", "c", "a", "b"}));
  // Each case's repetitions are its measurements, in measured order.
  EXPECT_EQ(handed,
            (std::vector<std::string>{"a0", "a5", "a7", "b1", "b3", "b8", "c2", "c4", "c6"}));
  // A case outside the schedule is measured when asked for.
  EXPECT_EQ(runs.next("d").error, "d9");
}

}  // namespace
}  // namespace echo::bench
