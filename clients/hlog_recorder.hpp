#pragma once
// Writes a run's HdrHistogram interval log (.hlog) as the run goes, one line
// per interval, like HdrHistogram's own recorders; the file appears at its
// path, whole, only on commit() (echo::OutputFile). Shared by echo-load
// --hlog and echo-bench --hlog-dir.

#include <memory>
#include <string>

#include "echo/output_file.hpp"
#include "load_engine.hpp"

namespace echo {

class HlogRecorder {
 public:
  /// Opens `path` for writing; throws OutputError if it cannot be written,
  /// so a bad path is found before the run.
  explicit HlogRecorder(const std::string& path);

  /// Adds the header (at the window's start) and one line per interval to
  /// `hooks`, after whatever they already do. The hooks run on the engine's
  /// thread, where nothing may throw: the first write error is kept for
  /// commit(). `this` must outlive the run.
  void add_to(LoadHooks& hooks);

  /// In an open-loop run, adds the whole window's latency from the actual
  /// send time as one line tagged "uncorrected" (the untagged lines are
  /// from the scheduled send time), so a percentile spectrum can show both.
  /// Closed loop: nothing, the two are the same.
  void add_uncorrected(const LoadResult& result);

  /// Puts the log at its path; throws OutputError with the first error.
  void commit();

 private:
  void write(const std::string& text);
  std::unique_ptr<OutputFile> file_;
  std::string error_;
};

}  // namespace echo
