#pragma once
/// One run per output: an advisory lock (flock) on "<output>.lock", held for the life of the
/// object. A second run that wants the same output is refused at once, with the holder's process
/// id, host and start time; the lock goes with the process that holds it (a killed run leaves no
/// stale lock behind).
#include <string>

namespace irrev {

class OutputLock {
 public:
  OutputLock() = default;
  /// Lock `output` (a file or a folder; the lock file sits beside it). An InputError when
  /// another process holds it.
  explicit OutputLock(const std::string& output);
  ~OutputLock();
  OutputLock(OutputLock&& other) noexcept;
  OutputLock& operator=(OutputLock&& other) noexcept;
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

  const std::string& path() const { return m_path; }

 private:
  /// Let go of the lock held (if any); the object then holds none.
  void release() noexcept;
  int m_fd = -1;
  std::string m_path;
};

}  // namespace irrev
