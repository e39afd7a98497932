#include "echo/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <system_error>

namespace echo {
namespace {

std::string directory_of(const std::string& path) {
  const std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

// A name beside the target that no other writer in this or another process
// picks at the same moment.
std::string sibling_name(const std::string& path) {
  static std::atomic<unsigned> counter{0};
  const std::filesystem::path target(path);
  std::string name = ".";
  name += target.filename().string();
  name += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
  return (target.parent_path() / name).string();
}

}  // namespace

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
  struct stat existing {};
  if (::stat(path_.c_str(), &existing) == 0 && S_ISDIR(existing.st_mode)) fail(EISDIR);
  const std::string directory = directory_of(path_);
  fd_.reset(::open(directory.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666));
  if (fd_) return;
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) fail(errno);
  // No O_TMPFILE on this filesystem: a named temporary beside the target.
  std::string pattern = ".";
  pattern += std::filesystem::path(path_).filename().string();
  pattern += ".XXXXXX";
  std::string name = (std::filesystem::path(directory) / pattern).string();
  fd_.reset(::mkostemp(name.data(), O_CLOEXEC));
  if (!fd_) fail(errno);
  ::fchmod(fd_.get(), 0644);  // mkstemp's 0600 would hide results from other users
  named_temporary_ = std::move(name);
}

OutputFile::~OutputFile() {
  if (!committed_ && !named_temporary_.empty()) ::unlink(named_temporary_.c_str());
}

void OutputFile::write(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd_.get(), bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      fail(errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
}

void OutputFile::commit() {
  if (::fsync(fd_.get()) != 0) fail(errno);
  std::string staged = named_temporary_;
  if (staged.empty()) {
    // Give the unnamed file a name beside the target, then rename it over
    // the target: link() cannot replace an existing file, rename() can.
    staged = sibling_name(path_);
    const std::string self = "/proc/self/fd/" + std::to_string(fd_.get());
    if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, staged.c_str(), AT_SYMLINK_FOLLOW) != 0)
      fail(errno);
  }
  if (::rename(staged.c_str(), path_.c_str()) != 0) {
    const int error = errno;
    ::unlink(staged.c_str());
    fail(error);
  }
  committed_ = true;
  if (::close(fd_.release()) != 0) fail(errno);
  // The rename itself is durable once the directory is.
  const UniqueFd directory(::open(directory_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (directory) ::fsync(directory.get());
}

void OutputFile::fail(int error) const {
  throw OutputError("cannot write " + path_ + ": " + std::system_category().message(error));
}

}  // namespace echo
