#include "hlog_recorder.hpp"

#include <chrono>
#include <sstream>
#include <utility>

#include "hdr_interval_log.hpp"

namespace echo {

HlogRecorder::HlogRecorder(const std::string& path) : file_(std::make_unique<OutputFile>(path)) {}

void HlogRecorder::write(const std::string& text) {
  if (!error_.empty()) return;
  try {
    file_->write(text);
  } catch (const OutputError& error) {
    error_ = error.what();
  }
}

void HlogRecorder::add_to(LoadHooks& hooks) {
  hooks.on_measure_start = [this, before = std::move(hooks.on_measure_start)] {
    if (before) before();
    const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
    std::ostringstream text;
    write_hlog_header(text, std::chrono::duration<double>(since_epoch).count());
    write(text.str());
  };
  hooks.on_interval = [this, before = std::move(hooks.on_interval)](
                          const IntervalSummary& interval, const LatencyHistogram& histogram) {
    if (before) before(interval, histogram);
    std::ostringstream text;
    write_hlog_interval(text, interval.start_s, interval.length_s, histogram);
    write(text.str());
  };
}

void HlogRecorder::add_uncorrected(const LoadResult& result) {
  if (!result.config.open_loop()) return;
  std::ostringstream text;
  write_hlog_interval(text, 0, result.elapsed_s, result.totals.uncorrected, "uncorrected");
  write(text.str());
}

void HlogRecorder::commit() {
  if (!error_.empty()) throw OutputError(error_);
  file_->commit();
}

}  // namespace echo
