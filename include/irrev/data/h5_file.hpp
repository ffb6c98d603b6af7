#pragma once
/// A thin wrapper of the HDF5 C API (in the spirit of HighFive): every call that returns an
/// error code is checked at this boundary and turned into an irrev::Error naming the file and
/// the dataset. Datasets are row-major; dimension 0 is the item axis ("row i of a dataset with
/// dims {N, 112, 112, 3} is the 112*112*3 bytes at offset i*112*112*3").
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace irrev::h5 {

using Dims = std::vector<std::uint64_t>;

/// Element types the engine stores.
enum class Type { u8, i8, i32, i64, f32, f64 };

template <class T>
constexpr Type type_of();
template <>
constexpr Type type_of<std::uint8_t>() {
  return Type::u8;
}
template <>
constexpr Type type_of<std::int8_t>() {
  return Type::i8;
}
template <>
constexpr Type type_of<std::int32_t>() {
  return Type::i32;
}
template <>
constexpr Type type_of<std::int64_t>() {
  return Type::i64;
}
template <>
constexpr Type type_of<float>() {
  return Type::f32;
}
template <>
constexpr Type type_of<double>() {
  return Type::f64;
}

/// An open HDF5 file (RAII, move-only). Every dataset of numbers it creates carries HDF5's
/// Fletcher32 checksum, which HDF5 verifies on every read: a damaged file is refused, never
/// read as other numbers. A file written to must be close()d, which checks that everything
/// reached the disk (a full disk fails there); the destructor closes without checking.
class File {
 public:
  enum class Mode { read, truncate, read_write };
  File(const std::string& path, Mode mode);
  ~File();
  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  const std::string& path() const { return m_path; }
  /// Flush and close, checked: a SystemError naming the file and the system's reason (such as
  /// "No space left on device") when the data did not all reach the disk.
  void close();
  bool has(const std::string& dataset) const;
  /// Create group `name` (and its parents).
  void create_group(const std::string& name);

  /// Create a dataset of `dims`; chunked by `chunk_rows` rows along dimension 0 when > 0.
  void create(const std::string& name, Type type, const Dims& dims, std::uint64_t chunk_rows = 0);
  /// Create a dataset of no rows yet that grows along dimension 0 (rows of `row_dims`), chunked
  /// by `chunk_rows` rows: for rows written as they come, when their number is known only at the end.
  void create_growable(const std::string& name, Type type, const Dims& row_dims, std::uint64_t chunk_rows);
  /// Append `rows` rows to a growable dataset.
  void append_rows(const std::string& name, Type type, std::uint64_t rows, const void* data);
  /// Write rows [row, row + rows) of a dataset created before; `data` holds rows * row_size values.
  void write_rows(const std::string& name, Type type, std::uint64_t row, std::uint64_t rows, const void* data);
  void read_rows(const std::string& name, Type type, std::uint64_t row, std::uint64_t rows, void* data) const;
  Dims dims(const std::string& name) const;

  template <class T>
  void write(const std::string& name, const std::vector<T>& values, Dims dims = {}) {
    if (dims.empty()) dims = {values.size()};
    create(name, type_of<T>(), dims);
    if (!values.empty()) write_rows(name, type_of<T>(), 0, dims[0], values.data());
  }
  template <class T>
  std::vector<T> read(const std::string& name, Dims* dims_out = nullptr) const {
    Dims d = dims(name);
    std::uint64_t n = 1;
    for (auto x : d) n *= x;
    std::vector<T> out(n);
    if (n > 0) read_rows(name, type_of<T>(), 0, d.empty() ? 1 : d[0], out.data());
    if (dims_out) *dims_out = d;
    return out;
  }

  /// Variable-length UTF-8 strings, one per row.
  void write_strings(const std::string& name, const std::vector<std::string>& values);
  std::vector<std::string> read_strings(const std::string& name) const;

  /// String attributes on the root group (provenance, schema version, JSON metadata).
  void set_attribute(const std::string& name, const std::string& value);
  std::string attribute(const std::string& name) const;
  bool has_attribute(const std::string& name) const;

 private:
  std::int64_t m_id = -1;
  std::string m_path;
};

/// Write to `final_path + ".tmp"` and rename over `final_path` on commit(): a stage that dies
/// half-way, or whose disk fills, never leaves a file that looks finished, and the file it
/// replaces stays until the new one is whole.
class AtomicOutput {
 public:
  explicit AtomicOutput(std::string final_path);
  ~AtomicOutput();
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;
  /// The temporary file, created (truncated) on the first call.
  File& file();
  const std::string& temp_path() const { return m_temp; }
  /// `check` runs on the closed temporary file before it replaces the final one (a checkpoint
  /// reads itself back there).
  void commit(const std::function<void(const std::string& temp_path)>& check = {});

 private:
  std::string m_final;
  std::string m_temp;
  std::unique_ptr<File> m_file;
  bool m_committed = false;
};

}  // namespace irrev::h5
