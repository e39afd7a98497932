#pragma once
// --benchmark_out without a cut file. Google Benchmark opens that file
// itself and never checks a write, so on a full disk it left a JSON cut at
// 4,096 bytes and exit 0. echo-bench hands Google Benchmark /dev/null as the
// file and this reporter, which forwards every call to the reporter of the
// chosen format writing into memory; the whole text then goes through
// echo::OutputFile (every write checked, fsync, rename) at the end.

#include <benchmark/benchmark.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace echo::bench {

class BufferedFileReporter final : public benchmark::BenchmarkReporter {
 public:
  explicit BufferedFileReporter(std::unique_ptr<benchmark::BenchmarkReporter> format)
      : format_(std::move(format)) {
    format_->SetOutputStream(&text_);
    format_->SetErrorStream(&text_);
  }

  bool ReportContext(const Context& context) override { return format_->ReportContext(context); }
  void ReportRuns(const std::vector<Run>& runs) override { format_->ReportRuns(runs); }
  void Finalize() override { format_->Finalize(); }

  /// Everything reported so far, in the chosen format.
  [[nodiscard]] std::string text() const { return text_.str(); }

 private:
  std::unique_ptr<benchmark::BenchmarkReporter> format_;
  std::ostringstream text_;
};

}  // namespace echo::bench
