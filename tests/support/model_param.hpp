#pragma once
// Names parameterised test cases after the model they run against, with the
// dashes GoogleTest does not allow in names turned into underscores.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/model_catalog.hpp"

namespace echo::testing {

/// The models a parameterised suite runs against, from the one model list.
inline std::vector<std::string> concurrent_models() {
  return model_names([](const ModelDescription& m) { return m.concurrent; });
}
inline std::vector<std::string> threaded_models() {
  return model_names([](const ModelDescription& m) { return m.threads_knob; });
}
inline std::vector<std::string> udp_models() {
  return model_names([](const ModelDescription& m) { return m.supports_udp; });
}

inline std::string model_test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (auto& c : name) c = (c == '-') ? '_' : c;
  return name;
}

}  // namespace echo::testing
