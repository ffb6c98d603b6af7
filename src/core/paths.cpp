#include "irrev/core/paths.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "irrev/core/error.hpp"

namespace irrev {
namespace fs = std::filesystem;

void require_input_file(const std::string& path, const std::string& what) {
  IRREV_CHECK(!path.empty(), "{}: no file given", what);
  IRREV_CHECK(fs::exists(path), "{} '{}' does not exist", what, path);
  IRREV_CHECK(fs::is_regular_file(path), "{} '{}' is not a file", what, path);
  IRREV_CHECK(::access(path.c_str(), R_OK) == 0, "{} '{}' cannot be read: {}", what, path, errno_text(errno));
}

void require_input_folder(const std::string& path, const std::string& what) {
  IRREV_CHECK(!path.empty(), "{}: no folder given", what);
  IRREV_CHECK(fs::is_directory(path), "{} '{}' is not a folder (or does not exist)", what, path);
}

void require_output_folder(const std::string& path, const std::string& what) {
  IRREV_CHECK(!path.empty(), "{}: no folder given", what);
  IRREV_CHECK(!fs::exists(path) || fs::is_directory(path), "{} '{}' exists and is not a folder", what, path);
  std::error_code ec;
  fs::create_directories(path, ec);
  IRREV_CHECK(!ec, "{} '{}' cannot be made: {}", what, path, ec.message());
  // A file made and removed: the only test that also holds for root and read-only mounts.
  const auto probe = (fs::path(path) / (".irrev-write-test-" + std::to_string(::getpid()))).string();
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  IRREV_CHECK(fd >= 0, "{} '{}' is not writable: {}", what, path, errno_text(errno));
  ::close(fd);
  ::unlink(probe.c_str());
}

void require_output_file(const std::string& path, const std::string& what) {
  IRREV_CHECK(!path.empty(), "{}: no file given", what);
  IRREV_CHECK(!fs::is_directory(path), "{} '{}' is a folder; give a file name", what, path);
  const auto parent = fs::path(path).parent_path();
  require_output_folder(parent.empty() ? "." : parent.string(), what + ": the folder of");
  IRREV_CHECK(!fs::exists(path) || ::access(path.c_str(), W_OK) == 0, "{} '{}' exists and cannot be replaced: {}", what,
              path, errno_text(errno));
}

}  // namespace irrev
