#include "irrev/data/lfw_layout.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "irrev/core/error.hpp"

namespace fs = std::filesystem;

namespace irrev::data {
namespace {
// "<Person>_NNNN.<ext>" where Person is the folder name.
bool parse_image_name(const std::string& subject, const std::string& file, int& number) {
  static const std::regex re(R"((.+)_(\d{4})\.(jpg|jpeg|png|JPG|JPEG|PNG))");
  std::smatch m;
  if (!std::regex_match(file, m, re) || m[1].str() != subject) return false;
  number = std::stoi(m[2].str());
  return true;
}

bool parse_int(const std::string& s, int& out) {
  if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), ::isdigit)) return false;
  out = std::stoi(s);
  return true;
}

std::vector<std::string> split_ws(const std::string& line) {
  std::istringstream is(line);
  std::vector<std::string> out;
  for (std::string t; is >> t;) out.push_back(t);
  return out;
}
}  // namespace

std::string image_key(const std::string& subject, int number) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%04d", number);
  return subject + "_" + digits + ".jpg";
}

std::vector<ImageRecord> scan_lfw_folder(const std::string& dir, std::vector<Reject>& rejects) {
  IRREV_CHECK(fs::is_directory(dir), "image folder '{}' does not exist or is not a folder", dir);
  std::vector<ImageRecord> out;
  std::vector<Reject> local;  // sorted before it joins `rejects`: folder order is the disk's
  for (const auto& person : fs::directory_iterator(dir)) {
    std::string subject = person.path().filename().string();
    if (!person.is_directory()) {
      local.push_back({subject, "not in a person folder (expected <Person>/<Person>_NNNN.jpg)"});
      continue;
    }
    for (const auto& f : fs::directory_iterator(person.path())) {
      std::string file = f.path().filename().string();
      std::string rel = fmt::format("{}/{}", subject, file);
      int number = 0;
      if (!f.is_regular_file() || !parse_image_name(subject, file, number)) {
        local.push_back({rel, "file name does not follow <Person>/<Person>_NNNN.jpg"});
        continue;
      }
      out.push_back({rel, file, subject, number});
    }
  }
  std::sort(out.begin(), out.end(), [](const ImageRecord& x, const ImageRecord& y) {
    return x.subject != y.subject ? x.subject < y.subject : x.number < y.number;
  });
  std::sort(local.begin(), local.end(), [](const Reject& x, const Reject& y) { return x.file < y.file; });
  rejects.insert(rejects.end(), local.begin(), local.end());
  return out;
}

PairList read_pairs(const std::string& path, const std::unordered_map<std::string, std::int64_t>& index_of,
                    std::vector<Reject>& rejects) {
  std::ifstream in(path);
  IRREV_CHECK(in.good(), "pairs file '{}' cannot be read", path);
  PairList list;
  std::string line;
  IRREV_CHECK(static_cast<bool>(std::getline(in, line)), "pairs file '{}' is empty", path);
  auto head = split_ws(line);
  IRREV_CHECK(head.size() == 2 && parse_int(head[0], list.folds) && parse_int(head[1], list.per_fold) &&
                  list.folds > 0 && list.per_fold > 0,
              "{}:1: expected '<folds> <pairs per fold>', got '{}'", path, line);
  const std::int64_t per_fold_lines = 2LL * list.per_fold;
  std::int64_t k = 0;  // index of the pair line, which fixes its fold and kind
  for (int line_no = 2; std::getline(in, line); ++line_no) {
    if (split_ws(line).empty()) continue;
    std::string where = fmt::format("{}:{}", path, line_no);
    if (k >= list.folds * per_fold_lines) {
      rejects.push_back({where, "more pair lines than the header announces"});
      continue;
    }
    Pair p;
    p.fold = static_cast<std::int32_t>(k / per_fold_lines);
    p.genuine = (k % per_fold_lines) < list.per_fold;
    ++k;
    auto t = split_ws(line);
    int i = 0, j = 0;
    std::string s1, s2;
    bool ok = false;
    if (p.genuine && t.size() == 3 && parse_int(t[1], i) && parse_int(t[2], j)) {
      s1 = s2 = t[0];
      ok = true;
    } else if (!p.genuine && t.size() == 4 && parse_int(t[1], i) && parse_int(t[3], j)) {
      s1 = t[0];
      s2 = t[2];
      ok = true;
    }
    if (!ok) {
      rejects.push_back({where, fmt::format("malformed {} pair line '{}'", p.genuine ? "genuine" : "impostor", line)});
      continue;
    }
    auto a = index_of.find(image_key(s1, i));
    auto b = index_of.find(image_key(s2, j));
    if (a == index_of.end() || b == index_of.end()) {
      std::string missing = a == index_of.end() ? image_key(s1, i) : image_key(s2, j);
      rejects.push_back({where, fmt::format("pair names image '{}', which has no crop", missing)});
      continue;
    }
    p.a = a->second;
    p.b = b->second;
    list.pairs.push_back(p);
  }
  if (k < list.folds * per_fold_lines) {
    rejects.push_back(
        {path, fmt::format("header announces {} pair lines, file has {}", list.folds * per_fold_lines, k)});
  }
  return list;
}

GenderTable read_gender_lists(const std::string& dir, std::vector<Reject>& rejects) {
  static const std::regex re(R"(([^\s/]+)_(\d{4})\.jpg)");
  GenderTable table;
  std::map<std::string, int> conflicts;  // ordered: rejects come out in name order
  const std::pair<const char*, std::int8_t> lists[] = {{"female_names.txt", kFemale}, {"male_names.txt", kMale}};
  for (const auto& [file, gender] : lists) {
    std::string path = (fs::path(dir) / file).string();
    std::ifstream in(path);
    IRREV_CHECK(in.good(), "gender list '{}' cannot be read", path);
    std::string line;
    for (int line_no = 1; std::getline(in, line); ++line_no) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      if (!std::regex_match(line, re)) {
        rejects.push_back({fmt::format("{}:{}", path, line_no), fmt::format("malformed gender line '{}'", line)});
        continue;
      }
      auto [it, inserted] = table.emplace(line, gender);
      if (!inserted && it->second != gender) conflicts[line] = line_no;
    }
  }
  for (const auto& [name, line_no] : conflicts) {
    table.erase(name);
    rejects.push_back({name, "listed as both female and male; gender left unknown"});
  }
  return table;
}

}  // namespace irrev::data
