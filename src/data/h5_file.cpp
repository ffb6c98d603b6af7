#include "irrev/data/h5_file.hpp"

#include <hdf5.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <mutex>

#include "irrev/core/error.hpp"
#include "irrev/core/text_file.hpp"

namespace irrev::h5 {
namespace {

// HDF5 prints its own error stack by default; the engine reports errors itself.
void silence_hdf5() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

hid_t native(Type t) {
  switch (t) {
    case Type::u8:
      return H5T_NATIVE_UINT8;
    case Type::i8:
      return H5T_NATIVE_INT8;
    case Type::i32:
      return H5T_NATIVE_INT32;
    case Type::i64:
      return H5T_NATIVE_INT64;
    case Type::f32:
      return H5T_NATIVE_FLOAT;
    case Type::f64:
      return H5T_NATIVE_DOUBLE;
  }
  IRREV_ASSERT(false, "unknown HDF5 element type");
  return -1;
}

/// The most specific reason on HDF5's current error stack ("data error detected by Fletcher32
/// checksum", "file write failed", ...), with the system's errno text where it set one.
std::string hdf5_reason(int err) {
  std::string reason;
  hid_t stack = H5Eget_current_stack();
  if (stack >= 0) {
    H5Ewalk2(
        stack, H5E_WALK_DOWNWARD,
        [](unsigned, const H5E_error2_t* e, void* out) -> herr_t {
          auto& r = *static_cast<std::string*>(out);
          if (e->desc && *e->desc) r = e->desc;  // the innermost description wins
          return 0;
        },
        &reason);
    H5Eclose_stack(stack);
  }
  if (err != 0) return errno_text(err) + (reason.empty() ? "" : " (HDF5: " + reason + ")");
  return reason.empty() ? "HDF5 gave no reason" : reason;
}

/// Closes an HDF5 handle with the matching close call.
struct Handle {
  hid_t id;
  herr_t (*close)(hid_t);
  ~Handle() {
    if (id >= 0) close(id);
  }
};

/// A property-list or dataspace call's result (an id or a status), which must not be negative:
/// a chunk layout or a checksum filter that silently failed would leave a dataset unchecked.
template <class T>
T checked(T result, const char* call, const std::string& name, const std::string& path) {
  IRREV_SYSTEM_CHECK(result >= 0, "HDF5 call {} failed for '{}' in '{}': {}", call, name, path, hdf5_reason(0));
  return result;
}

}  // namespace

File::File(const std::string& path, Mode mode) : m_path(path) {
  silence_hdf5();
  namespace fs = std::filesystem;
  if (mode != Mode::truncate) {
    IRREV_CHECK(fs::exists(path), "HDF5 file '{}' does not exist", path);
    IRREV_CHECK(!fs::is_directory(path), "'{}' is a folder, not an HDF5 file", path);
    IRREV_CHECK(H5Fis_hdf5(path.c_str()) > 0, "'{}' is not an HDF5 file (or its header is damaged)", path);
  } else {
    IRREV_CHECK(!fs::is_directory(path), "cannot write '{}': it is a folder", path);
  }
  // Strong close: closing the file closes every object still open in it, so a failed close
  // leaves nothing for the library's exit handler to flush again.
  Handle fapl{H5Pcreate(H5P_FILE_ACCESS), H5Pclose};
  H5Pset_fclose_degree(fapl.id, H5F_CLOSE_STRONG);
  errno = 0;
  switch (mode) {
    case Mode::read:
      m_id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.id);
      break;
    case Mode::read_write:
      m_id = H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl.id);
      break;
    case Mode::truncate:
      m_id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id);
      break;
  }
  const int err = errno;
  if (m_id < 0 && mode == Mode::read) IRREV_FAIL("cannot open HDF5 file '{}': {}", path, hdf5_reason(err));
  IRREV_SYSTEM_CHECK(m_id >= 0, "cannot open HDF5 file '{}' for writing: {}", path, hdf5_reason(err));
}

File::~File() {
  if (m_id >= 0) H5Fclose(m_id);
}

void File::close() {
  if (m_id < 0) return;
  const hid_t id = m_id;
  m_id = -1;
  errno = 0;
  const herr_t flushed = H5Fflush(id, H5F_SCOPE_LOCAL);
  const int flush_err = errno;
  const std::string flush_reason = flushed < 0 ? hdf5_reason(flush_err) : std::string{};
  errno = 0;
  const herr_t closed = H5Fclose(id);
  const int close_err = errno;
  IRREV_SYSTEM_CHECK(flushed >= 0 && closed >= 0, "cannot finish writing '{}': {}", m_path,
                     flushed < 0 ? flush_reason : hdf5_reason(close_err));
}

File::File(File&& other) noexcept : m_id(other.m_id), m_path(std::move(other.m_path)) { other.m_id = -1; }

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    if (m_id >= 0) H5Fclose(m_id);
    m_id = other.m_id;
    m_path = std::move(other.m_path);
    other.m_id = -1;
  }
  return *this;
}

bool File::has(const std::string& dataset) const {
  // Walk the path so that a missing parent group is "absent", not an error.
  std::string prefix;
  std::size_t start = dataset[0] == '/' ? 1 : 0;
  while (true) {
    std::size_t slash = dataset.find('/', start);
    prefix = dataset.substr(0, slash);
    if (H5Lexists(m_id, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (slash == std::string::npos) return true;
    start = slash + 1;
  }
}

void File::create_group(const std::string& name) {
  Handle lcpl{checked(H5Pcreate(H5P_LINK_CREATE), "H5Pcreate", name, m_path), H5Pclose};
  checked(H5Pset_create_intermediate_group(lcpl.id, 1), "H5Pset_create_intermediate_group", name, m_path);
  Handle g{H5Gcreate2(m_id, name.c_str(), lcpl.id, H5P_DEFAULT, H5P_DEFAULT), H5Gclose};
  IRREV_CHECK(g.id >= 0, "cannot create group '{}' in '{}'", name, m_path);
}

void File::create(const std::string& name, Type type, const Dims& dims, std::uint64_t chunk_rows) {
  std::vector<hsize_t> d(dims.begin(), dims.end());
  Handle space{
      checked(H5Screate_simple(static_cast<int>(d.size()), d.data(), nullptr), "H5Screate_simple", name, m_path),
      H5Sclose};
  Handle dcpl{checked(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate", name, m_path), H5Pclose};
  hsize_t row_bytes = H5Tget_size(native(type));
  bool empty = d.empty();
  for (std::size_t i = 0; i < d.size(); ++i) {
    empty = empty || d[i] == 0;
    if (i > 0) row_bytes *= d[i];
  }
  if (!empty) {
    // Chunked (Fletcher32 needs chunks): `chunk_rows` rows, or rows up to about 1 MiB.
    std::vector<hsize_t> c = d;
    c[0] = std::min<hsize_t>(chunk_rows > 0 ? chunk_rows : std::max<hsize_t>(1, (hsize_t{1} << 20) / row_bytes), d[0]);
    checked(H5Pset_chunk(dcpl.id, static_cast<int>(c.size()), c.data()), "H5Pset_chunk", name, m_path);
    checked(H5Pset_fletcher32(dcpl.id), "H5Pset_fletcher32", name, m_path);
  }
  Handle lcpl{checked(H5Pcreate(H5P_LINK_CREATE), "H5Pcreate", name, m_path), H5Pclose};
  checked(H5Pset_create_intermediate_group(lcpl.id, 1), "H5Pset_create_intermediate_group", name, m_path);
  Handle ds{H5Dcreate2(m_id, name.c_str(), native(type), space.id, lcpl.id, dcpl.id, H5P_DEFAULT), H5Dclose};
  IRREV_SYSTEM_CHECK(ds.id >= 0, "cannot create dataset '{}' in '{}': {}", name, m_path, hdf5_reason(0));
}

void File::create_growable(const std::string& name, Type type, const Dims& row_dims, std::uint64_t chunk_rows) {
  IRREV_CHECK(chunk_rows > 0, "growable dataset '{}' in '{}' needs a chunk size", name, m_path);
  std::vector<hsize_t> d{0}, max{H5S_UNLIMITED}, c{chunk_rows};
  for (auto x : row_dims) {
    d.push_back(x);
    max.push_back(x);
    c.push_back(x);
  }
  Handle space{
      checked(H5Screate_simple(static_cast<int>(d.size()), d.data(), max.data()), "H5Screate_simple", name, m_path),
      H5Sclose};
  Handle dcpl{checked(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate", name, m_path), H5Pclose};
  checked(H5Pset_chunk(dcpl.id, static_cast<int>(c.size()), c.data()), "H5Pset_chunk", name, m_path);
  checked(H5Pset_fletcher32(dcpl.id), "H5Pset_fletcher32", name, m_path);
  Handle lcpl{checked(H5Pcreate(H5P_LINK_CREATE), "H5Pcreate", name, m_path), H5Pclose};
  checked(H5Pset_create_intermediate_group(lcpl.id, 1), "H5Pset_create_intermediate_group", name, m_path);
  Handle ds{H5Dcreate2(m_id, name.c_str(), native(type), space.id, lcpl.id, dcpl.id, H5P_DEFAULT), H5Dclose};
  IRREV_SYSTEM_CHECK(ds.id >= 0, "cannot create dataset '{}' in '{}': {}", name, m_path, hdf5_reason(0));
}

void File::append_rows(const std::string& name, Type type, std::uint64_t rows, const void* data) {
  if (rows == 0) return;
  auto d = dims(name);
  const auto first = d[0];
  d[0] += rows;
  {
    Handle ds{H5Dopen2(m_id, name.c_str(), H5P_DEFAULT), H5Dclose};
    IRREV_CHECK(ds.id >= 0, "dataset '{}' is missing in '{}'", name, m_path);
    std::vector<hsize_t> extent(d.begin(), d.end());
    IRREV_SYSTEM_CHECK(H5Dset_extent(ds.id, extent.data()) >= 0, "cannot grow dataset '{}' in '{}': {}", name, m_path,
                       hdf5_reason(0));
  }
  write_rows(name, type, first, rows, data);
}

namespace {
/// Select rows [row, row+rows) of `ds` in a fresh file space, and a matching memory space.
std::pair<hid_t, hid_t> row_selection(hid_t ds, std::uint64_t row, std::uint64_t rows, const std::string& name,
                                      const std::string& path) {
  hid_t fspace = H5Dget_space(ds);
  int nd = H5Sget_simple_extent_ndims(fspace);
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(nd, 1)), 1);
  if (nd > 0) H5Sget_simple_extent_dims(fspace, dims.data(), nullptr);
  if (nd == 0) {  // scalar dataset
    return {fspace, H5Screate(H5S_SCALAR)};
  }
  if (row + rows > dims[0]) {
    H5Sclose(fspace);
    IRREV_FAIL("rows [{}, {}) are outside dataset '{}' of {} rows in '{}'", row, row + rows, name, dims[0], path);
  }
  std::vector<hsize_t> start(dims.size(), 0), count = dims;
  start[0] = row;
  count[0] = rows;
  H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
  hid_t mspace = H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr);
  return {fspace, mspace};
}
}  // namespace

void File::write_rows(const std::string& name, Type type, std::uint64_t row, std::uint64_t rows, const void* data) {
  if (rows == 0) return;
  Handle ds{H5Dopen2(m_id, name.c_str(), H5P_DEFAULT), H5Dclose};
  IRREV_CHECK(ds.id >= 0, "dataset '{}' is missing in '{}'", name, m_path);
  auto [f, m] = row_selection(ds.id, row, rows, name, m_path);
  Handle fs{f, H5Sclose}, ms{m, H5Sclose};
  errno = 0;
  const herr_t written = H5Dwrite(ds.id, native(type), ms.id, fs.id, H5P_DEFAULT, data);
  const int err = errno;
  IRREV_SYSTEM_CHECK(written >= 0, "cannot write rows of '{}' in '{}': {}", name, m_path, hdf5_reason(err));
}

void File::read_rows(const std::string& name, Type type, std::uint64_t row, std::uint64_t rows, void* data) const {
  if (rows == 0) return;
  Handle ds{H5Dopen2(m_id, name.c_str(), H5P_DEFAULT), H5Dclose};
  IRREV_CHECK(ds.id >= 0, "dataset '{}' is missing in '{}'", name, m_path);
  auto [f, m] = row_selection(ds.id, row, rows, name, m_path);
  Handle fs{f, H5Sclose}, ms{m, H5Sclose};
  IRREV_CHECK(H5Dread(ds.id, native(type), ms.id, fs.id, H5P_DEFAULT, data) >= 0,
              "cannot read '{}' from '{}': {} (a damaged file, or another type than expected)", name, m_path,
              hdf5_reason(0));
}

Dims File::dims(const std::string& name) const {
  Handle ds{H5Dopen2(m_id, name.c_str(), H5P_DEFAULT), H5Dclose};
  IRREV_CHECK(ds.id >= 0, "dataset '{}' is missing in '{}'", name, m_path);
  Handle space{H5Dget_space(ds.id), H5Sclose};
  int nd = H5Sget_simple_extent_ndims(space.id);
  std::vector<hsize_t> d(static_cast<std::size_t>(std::max(nd, 0)));
  if (nd > 0) H5Sget_simple_extent_dims(space.id, d.data(), nullptr);
  return Dims(d.begin(), d.end());
}

void File::write_strings(const std::string& name, const std::vector<std::string>& values) {
  Handle type{H5Tcopy(H5T_C_S1), H5Tclose};
  H5Tset_size(type.id, H5T_VARIABLE);
  H5Tset_cset(type.id, H5T_CSET_UTF8);
  hsize_t n = values.size();
  Handle space{checked(H5Screate_simple(1, &n, nullptr), "H5Screate_simple", name, m_path), H5Sclose};
  Handle lcpl{checked(H5Pcreate(H5P_LINK_CREATE), "H5Pcreate", name, m_path), H5Pclose};
  checked(H5Pset_create_intermediate_group(lcpl.id, 1), "H5Pset_create_intermediate_group", name, m_path);
  Handle ds{H5Dcreate2(m_id, name.c_str(), type.id, space.id, lcpl.id, H5P_DEFAULT, H5P_DEFAULT), H5Dclose};
  IRREV_SYSTEM_CHECK(ds.id >= 0, "cannot create string dataset '{}' in '{}': {}", name, m_path, hdf5_reason(0));
  std::vector<const char*> ptrs;
  ptrs.reserve(values.size());
  for (const auto& v : values) ptrs.push_back(v.c_str());
  if (n > 0) {
    errno = 0;
    const herr_t written = H5Dwrite(ds.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data());
    const int err = errno;
    IRREV_SYSTEM_CHECK(written >= 0, "cannot write strings '{}' in '{}': {}", name, m_path, hdf5_reason(err));
  }
}

std::vector<std::string> File::read_strings(const std::string& name) const {
  Handle ds{H5Dopen2(m_id, name.c_str(), H5P_DEFAULT), H5Dclose};
  IRREV_CHECK(ds.id >= 0, "dataset '{}' is missing in '{}'", name, m_path);
  Handle type{H5Tcopy(H5T_C_S1), H5Tclose};
  H5Tset_size(type.id, H5T_VARIABLE);
  H5Tset_cset(type.id, H5T_CSET_UTF8);
  Handle space{H5Dget_space(ds.id), H5Sclose};
  hssize_t n = H5Sget_simple_extent_npoints(space.id);
  std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
  std::vector<std::string> out;
  if (n == 0) return out;
  IRREV_CHECK(H5Dread(ds.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) >= 0,
              "dataset '{}' in '{}' does not hold strings", name, m_path);
  out.reserve(ptrs.size());
  for (char* p : ptrs) out.emplace_back(p ? p : "");
  H5Dvlen_reclaim(type.id, space.id, H5P_DEFAULT, ptrs.data());
  return out;
}

void File::set_attribute(const std::string& name, const std::string& value) {
  Handle type{H5Tcopy(H5T_C_S1), H5Tclose};
  H5Tset_size(type.id, std::max<std::size_t>(value.size(), 1));
  H5Tset_cset(type.id, H5T_CSET_UTF8);
  Handle space{H5Screate(H5S_SCALAR), H5Sclose};
  if (H5Aexists(m_id, name.c_str()) > 0) H5Adelete(m_id, name.c_str());
  Handle attr{H5Acreate2(m_id, name.c_str(), type.id, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
  IRREV_SYSTEM_CHECK(attr.id >= 0, "cannot create attribute '{}' in '{}': {}", name, m_path, hdf5_reason(0));
  std::string padded = value.empty() ? std::string(1, '\0') : value;
  errno = 0;
  const herr_t written = H5Awrite(attr.id, type.id, padded.data());
  const int err = errno;
  IRREV_SYSTEM_CHECK(written >= 0, "cannot write attribute '{}' in '{}': {}", name, m_path, hdf5_reason(err));
}

bool File::has_attribute(const std::string& name) const { return H5Aexists(m_id, name.c_str()) > 0; }

std::string File::attribute(const std::string& name) const {
  IRREV_CHECK(has_attribute(name), "attribute '{}' is missing in '{}'", name, m_path);
  Handle attr{H5Aopen(m_id, name.c_str(), H5P_DEFAULT), H5Aclose};
  Handle type{H5Aget_type(attr.id), H5Tclose};
  IRREV_CHECK(H5Tget_class(type.id) == H5T_STRING, "attribute '{}' in '{}' is not a string", name, m_path);
  IRREV_CHECK(H5Tis_variable_str(type.id) <= 0,
              "attribute '{}' in '{}' is a variable-length string (not written by irrev)", name, m_path);
  std::size_t size = H5Tget_size(type.id);
  std::string value(size, '\0');
  H5Aread(attr.id, type.id, value.data());
  while (!value.empty() && value.back() == '\0') value.pop_back();
  return value;
}

AtomicOutput::AtomicOutput(std::string final_path) : m_final(std::move(final_path)), m_temp(m_final + ".tmp") {
  auto parent = std::filesystem::path(m_final).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
}

AtomicOutput::~AtomicOutput() {
  if (!m_committed) {
    m_file.reset();
    std::remove(m_temp.c_str());
  }
}

File& AtomicOutput::file() {
  if (!m_file) m_file = std::make_unique<File>(m_temp, File::Mode::truncate);
  return *m_file;
}

void AtomicOutput::commit(const std::function<void(const std::string&)>& check) {
  if (m_file) m_file->close();
  sync_path(m_temp);
  if (check) check(m_temp);
  std::error_code ec;
  std::filesystem::rename(m_temp, m_final, ec);
  IRREV_SYSTEM_CHECK(!ec, "cannot rename '{}' to '{}': {}", m_temp, m_final, ec.message());
  m_committed = true;
  auto parent = std::filesystem::path(m_final).parent_path();
  sync_path(parent.empty() ? "." : parent.string());
}

}  // namespace irrev::h5
