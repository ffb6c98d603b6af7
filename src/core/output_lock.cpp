#include "irrev/core/output_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <filesystem>

#include "irrev/core/error.hpp"

namespace irrev {

namespace {
std::string lock_path_of(const std::string& output) {
  auto p = std::filesystem::path(output).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();  // "runs/x/" locks as "runs/x"
  return p.string() + ".lock";
}

std::string holder_of(int fd) {
  char buf[256] = {};
  const auto n = ::pread(fd, buf, sizeof buf - 1, 0);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("an unknown process");
}
}  // namespace

OutputLock::OutputLock(const std::string& output) : m_path(lock_path_of(output)) {
  const auto parent = std::filesystem::path(m_path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  // The holder removes the file when it lets go: a lock taken on a file that was removed in
  // the meantime is taken again on the file now at the path.
  while (true) {
    m_fd = ::open(m_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    IRREV_SYSTEM_CHECK(m_fd >= 0, "cannot create the lock file '{}': {}", m_path, errno_text(errno));
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      const std::string holder = holder_of(m_fd);
      ::close(m_fd);
      m_fd = -1;
      IRREV_CHECK(err != EWOULDBLOCK,
                  "'{}' is in use by another irrev run ({}); wait for it to finish, or give this "
                  "run another output",
                  output, holder);
      IRREV_SYSTEM_CHECK(false, "cannot lock '{}': {}", m_path, errno_text(err));
    }
    struct stat held {
    }, now{};
    if (::fstat(m_fd, &held) == 0 && ::stat(m_path.c_str(), &now) == 0 && held.st_ino == now.st_ino &&
        held.st_dev == now.st_dev)
      break;
    ::close(m_fd);
  }
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  const std::time_t now = std::time(nullptr);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  const std::string me = fmt::format("process {} on {}, since {}", ::getpid(), host, when);
  if (::ftruncate(m_fd, 0) == 0) {
    [[maybe_unused]] auto written = ::pwrite(m_fd, me.data(), me.size(), 0);
  }
}

OutputLock::~OutputLock() { release(); }

void OutputLock::release() noexcept {
  if (m_fd < 0) return;
  // Removed while still held: a process that opens it next creates a fresh one.
  ::unlink(m_path.c_str());
  ::close(m_fd);
  m_fd = -1;
}

OutputLock::OutputLock(OutputLock&& other) noexcept : m_fd(other.m_fd), m_path(std::move(other.m_path)) {
  other.m_fd = -1;
}

OutputLock& OutputLock::operator=(OutputLock&& other) noexcept {
  if (this != &other) {
    release();  // the lock held so far; the object stays alive (no destructor call on it)
    m_fd = other.m_fd;
    m_path = std::move(other.m_path);
    other.m_fd = -1;
  }
  return *this;
}

}  // namespace irrev
