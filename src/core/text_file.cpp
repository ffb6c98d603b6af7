#include "irrev/core/text_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "irrev/core/error.hpp"

namespace irrev {

void sync_path(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  IRREV_SYSTEM_CHECK(fd >= 0, "cannot open '{}' to flush it: {}", path, errno_text(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  // Some file systems refuse fsync on a folder (EINVAL): there the rename is as durable as it gets.
  IRREV_SYSTEM_CHECK(rc == 0 || err == EINVAL, "cannot flush '{}' to disk: {}", path, errno_text(err));
}

void write_text_file(const std::string& path, const std::string& content, const std::string& what) {
  const std::string tmp = path + ".tmp";
  // 0666 and the process's umask, as std::ofstream: --share-group decides through the umask.
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  IRREV_SYSTEM_CHECK(fd >= 0, "cannot write the {} '{}': {}", what, path, errno_text(errno));
  const auto fail = [&](const char* step) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    IRREV_SYSTEM_CHECK(false, "cannot write the {} '{}' ({}): {}", what, path, step, errno_text(err));
  };
  std::size_t done = 0;
  while (done < content.size()) {
    const auto n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("write");
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) fail("flush");
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    IRREV_SYSTEM_CHECK(false, "cannot write the {} '{}' (close): {}", what, path, errno_text(err));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    IRREV_SYSTEM_CHECK(false, "cannot put the {} in place as '{}': {}", what, path, errno_text(err));
  }
  const auto parent = std::filesystem::path(path).parent_path();
  sync_path(parent.empty() ? "." : parent.string());
}

}  // namespace irrev
