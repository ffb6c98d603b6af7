#pragma once
/// SHA-256 of bytes, incrementally: the checksums that files and checkpoints carry to prove
/// they are whole.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace irrev {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256& update(const void* data, std::size_t bytes);
  Sha256& update(const std::string& s) { return update(s.data(), s.size()); }
  template <class T>
  Sha256& update(const std::vector<T>& v) {
    return update(v.data(), v.size() * sizeof(T));
  }
  /// The digest as lowercase hex; the object cannot be updated after.
  std::string hex();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// sha256 of a file's bytes, as lowercase hex (an InputError when it cannot be read).
std::string sha256_of_file(const std::string& path);

}  // namespace irrev
