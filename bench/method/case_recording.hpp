#pragma once
// echo-bench --hlog-dir DIR: what each repetition of a message case leaves
// there, for time series and for anyone who wants the raw distribution:
//   DIR/CASE.N.hlog  HdrHistogram interval log (echo-load --hlog's format)
//   DIR/CASE.N.json  echo-load's JSON with intervals[], plus "case" and "model"
// CASE is the case's name with '/' as '_', N the repetition (from 1, counted
// in this process). Each file appears whole or not at all (echo::OutputFile).

#include <memory>
#include <string>

#include "bench_case.hpp"
#include "case_runner.hpp"
#include "hlog_recorder.hpp"
#include "load_config.hpp"
#include "load_engine.hpp"

namespace echo::bench {

class CaseRecording {
 public:
  /// Records nothing when settings.hlog_dir is empty. Throws OutputError
  /// when the log cannot be created.
  CaseRecording(const BenchCase& bench_case, const RunSettings& settings);

  /// Cuts the window into settings.interval_s and logs each interval.
  void add_to(LoadConfig& config, LoadHooks& hooks);

  /// Puts the log and the JSON in place; throws OutputError.
  void finish(const LoadResult& result);

 private:
  std::string case_name_, model_, stem_;
  double interval_s_ = 0;
  std::unique_ptr<HlogRecorder> hlog_;
};

}  // namespace echo::bench
