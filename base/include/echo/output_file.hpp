#pragma once
// Every file a program of the suite writes (echo-bench's --benchmark_out,
// echo-load's --hgrm and --hlog) appears at its path complete or not at all.
//
// - Opening creates an unnamed file (O_TMPFILE) in the target's directory:
//   a missing or read-only directory is an error before any work is done,
//   and a process killed mid-run leaves nothing behind (the kernel frees an
//   unnamed file with its last descriptor).
// - Every write is checked: a full disk (ENOSPC) is an error naming the
//   path, never a cut file and exit 0.
// - commit() fsyncs, links the file under a temporary name beside the
//   target and renames it over the target, so a reader (or an older result
//   at that path) never sees a half-written file.
// Where the filesystem has no O_TMPFILE, a named temporary file (mkstemp)
// beside the target stands in; the destructor removes it.

#include <stdexcept>
#include <string>
#include <string_view>

#include "echo/unique_fd.hpp"

namespace echo {

/// Why an output could not be written; what() names the path and the reason.
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class OutputFile {
 public:
  /// Throws OutputError if nothing can be created beside `path`.
  explicit OutputFile(std::string path);
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  /// Without commit(), the target is untouched and the temporary is gone.
  ~OutputFile();

  /// Appends all of `bytes`, or throws OutputError.
  void write(std::string_view bytes);
  /// Makes the file durable and puts it at its path; throws OutputError.
  void commit();

  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  [[noreturn]] void fail(int error) const;

  std::string path_;
  std::string named_temporary_;  // empty when the file is unnamed (O_TMPFILE)
  UniqueFd fd_;
  bool committed_ = false;
};

}  // namespace echo
