#include "irrev/data/image_layouts.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>

#include "irrev/core/error.hpp"
#include "irrev/core/sha256.hpp"

namespace fs = std::filesystem;

namespace irrev::data {
namespace {
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

/// Fields of one CSV line; a field may be quoted ("a, b"), with "" for a quote inside.
bool split_csv(const std::string& line, std::vector<std::string>& fields) {
  fields.clear();
  std::string cur;
  bool quoted = false, was_quoted = false;
  for (std::size_t k = 0; k < line.size(); ++k) {
    const char c = line[k];
    if (quoted) {
      if (c == '"' && k + 1 < line.size() && line[k + 1] == '"')
        cur += '"', ++k;
      else if (c == '"')
        quoted = false;
      else
        cur += c;
    } else if (c == '"' && trim(cur).empty()) {
      quoted = was_quoted = true;
      cur.clear();
    } else if (c == ',') {
      fields.push_back(was_quoted ? cur : trim(cur));
      cur.clear();
      was_quoted = false;
    } else {
      cur += c;
    }
  }
  if (quoted) return false;
  fields.push_back(was_quoted ? cur : trim(cur));
  return true;
}

void sort_records(std::vector<ImageRecord>& out, std::vector<Reject>& rejects, std::vector<Reject>& local) {
  std::sort(out.begin(), out.end(), [](const ImageRecord& x, const ImageRecord& y) {
    return x.subject != y.subject ? x.subject < y.subject : x.path < y.path;
  });
  std::sort(local.begin(), local.end(), [](const Reject& x, const Reject& y) { return x.file < y.file; });
  rejects.insert(rejects.end(), local.begin(), local.end());
}
}  // namespace

bool has_image_extension(const std::string& file) {
  static const char* const exts[] = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"};
  const std::string ext = lower(fs::path(file).extension().string());
  return std::any_of(std::begin(exts), std::end(exts), [&](const char* e) { return ext == e; });
}

std::vector<ImageRecord> scan_flat_folder(const std::string& dir, std::vector<Reject>& rejects) {
  IRREV_CHECK(fs::is_directory(dir), "image folder '{}' does not exist or is not a folder", dir);
  std::vector<ImageRecord> out;
  std::vector<Reject> local;  // sorted before it joins `rejects`: folder order is the disk's
  for (const auto& f : fs::recursive_directory_iterator(dir, fs::directory_options::follow_directory_symlink)) {
    if (f.is_directory()) continue;
    const std::string rel = f.path().lexically_relative(dir).generic_string();  // links kept as named
    if (!f.is_regular_file() || !has_image_extension(rel)) {
      local.push_back({rel, "not an image file (jpg, jpeg, png, bmp, tif, tiff or webp)"});
      continue;
    }
    out.push_back({rel, rel, rel, 1});
  }
  sort_records(out, rejects, local);
  return out;
}

std::vector<ImageRecord> read_image_list(const std::string& list, const std::string& dir, GenderTable& genders,
                                         std::vector<Reject>& rejects) {
  std::ifstream in(list);
  IRREV_CHECK(fs::is_regular_file(list) && in.good(), "image list '{}' does not exist or cannot be read", list);
  IRREV_CHECK(fs::is_directory(dir), "image folder '{}' (the base of the list's relative paths) does not exist", dir);
  std::vector<ImageRecord> out;
  std::vector<Reject> local;
  std::map<std::string, int> seen;  // path -> first line
  std::vector<std::string> fields;
  std::string line;
  for (int line_no = 1; std::getline(in, line); ++line_no) {
    if (trim(line).empty() || trim(line)[0] == '#') continue;
    const std::string where = fmt::format("{}:{}", list, line_no);
    if (!split_csv(line, fields) || fields.size() < 2 || fields.size() > 3 || fields[0].empty() || fields[1].empty()) {
      local.push_back({where, fmt::format("expected 'path,subject[,gender]', got '{}'", line)});
      continue;
    }
    if (line_no == 1 && lower(fields[0]) == "path" && lower(fields[1]) == "subject") continue;  // a header
    const std::string& path = fields[0];
    const fs::path full = fs::path(dir) / path;
    if (!has_image_extension(path)) {
      local.push_back({where, fmt::format("'{}' is not an image file (jpg, jpeg, png, bmp, tif, tiff or webp)", path)});
      continue;
    }
    if (!fs::is_regular_file(full)) {
      local.push_back({where, fmt::format("image '{}' does not exist", full.string())});
      continue;
    }
    if (const auto [it, fresh] = seen.emplace(path, line_no); !fresh) {
      local.push_back({where, fmt::format("image '{}' is listed already on line {}", path, it->second)});
      continue;
    }
    if (fields.size() == 3 && !fields[2].empty()) {
      const std::string g = lower(fields[2]);
      if (g == "female" || g == "f")
        genders[path] = kFemale;
      else if (g == "male" || g == "m")
        genders[path] = kMale;
      else
        local.push_back({where, fmt::format("gender '{}' is neither female nor male; left unknown", fields[2])});
    }
    out.push_back({path, path, fields[1], 1});
  }
  sort_records(out, rejects, local);
  return out;
}

std::string collection_fingerprint(ImageLayout layout, const std::string& dir, const std::string& list) {
  Sha256 h;
  std::error_code ec;
  if (layout == ImageLayout::list) {
    std::ifstream in(list, std::ios::binary);
    if (!in.good()) return "missing";
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    h.update(bytes);
  }
  const std::string base = !dir.empty() ? dir : fs::path(list).parent_path().string();
  if (!fs::is_directory(base, ec)) return "missing";
  std::vector<std::string> entries;
  for (auto it = fs::recursive_directory_iterator(base, fs::directory_options::follow_directory_symlink, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec)) continue;
    const auto size = it->file_size(ec);
    const auto time = it->last_write_time(ec).time_since_epoch().count();
    entries.push_back(
        fmt::format("{}\t{}\t{}", it->path().lexically_relative(base).generic_string(), ec ? 0 : size, time));
  }
  std::sort(entries.begin(), entries.end());
  for (const auto& e : entries) h.update(e).update("\n", 1);
  return h.hex();
}

}  // namespace irrev::data
