#include "case_recording.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include "echo/output_file.hpp"
#include "load_report.hpp"

namespace echo::bench {

CaseRecording::CaseRecording(const BenchCase& bench_case, const RunSettings& settings)
    : case_name_(bench_case.name()),
      model_(bench_case.entrant()),
      interval_s_(settings.interval_s) {
  if (settings.hlog_dir.empty()) return;
  static std::map<std::string, int> repetitions;  // cases run one at a time, on one thread
  std::string file = case_name_;
  std::replace(file.begin(), file.end(), '/', '_');
  stem_ = settings.hlog_dir + "/" + file + "." + std::to_string(++repetitions[case_name_]);
  hlog_ = std::make_unique<HlogRecorder>(stem_ + ".hlog");
}

void CaseRecording::add_to(LoadConfig& config, LoadHooks& hooks) {
  if (!hlog_) return;
  config.interval_s = interval_s_;
  hlog_->add_to(hooks);
}

void CaseRecording::finish(const LoadResult& result) {
  if (!hlog_) return;
  hlog_->add_uncorrected(result);
  hlog_->commit();
  RunInfo info;
  info.version = ECHO_VERSION;
  info.command = "echo-bench --case " + case_name_;
  info.failures = failure_reasons(result);
  info.bench_case = case_name_;
  info.model = model_;
  std::ostringstream text;
  write_json(text, &result, info);
  OutputFile json(stem_ + ".json");
  json.write(text.str());
  json.commit();
}

}  // namespace echo::bench
