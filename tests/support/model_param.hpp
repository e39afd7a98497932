#pragma once
// Names parameterised test cases after the model they run against, with the
// dashes GoogleTest does not allow in names turned into underscores.

#include <gtest/gtest.h>

#include <string>

namespace echo::testing {

inline std::string model_test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (auto& c : name) c = (c == '-') ? '_' : c;
  return name;
}

}  // namespace echo::testing
