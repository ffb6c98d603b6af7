#include "irrev/data/dataset_tables.hpp"

#include "irrev/core/error.hpp"

namespace irrev::data {

void ImageTable::push_back(const ImageRecord& r, std::int8_t gender) {
  names.push_back(r.name);
  subjects.push_back(r.subject);
  paths.push_back(r.path);
  genders.push_back(gender);
}

void write_images(h5::File& f, const ImageTable& t) {
  f.write_strings("images/name", t.names);
  f.write_strings("images/subject", t.subjects);
  f.write_strings("images/path", t.paths);
  f.write("images/gender", t.genders);
  if (!t.crop_sha256.empty()) f.write_strings("images/crop_sha256", t.crop_sha256);
}

ImageTable read_images(const h5::File& f) {
  ImageTable t;
  t.names = f.read_strings("images/name");
  t.subjects = f.read_strings("images/subject");
  t.paths = f.read_strings("images/path");
  t.genders = f.read<std::int8_t>("images/gender");
  if (f.has("images/crop_sha256")) {
    t.crop_sha256 = f.read_strings("images/crop_sha256");
    IRREV_CHECK(t.crop_sha256.size() == t.names.size(), "'{}': /images/crop_sha256 has {} rows for {} images", f.path(),
                t.crop_sha256.size(), t.names.size());
  }
  IRREV_CHECK(
      t.subjects.size() == t.names.size() && t.paths.size() == t.names.size() && t.genders.size() == t.names.size(),
      "'{}': the /images tables have different lengths", f.path());
  return t;
}

void write_pairs(h5::File& f, const PairList& p) {
  std::vector<std::int64_t> a, b;
  std::vector<std::int32_t> fold;
  std::vector<std::int8_t> genuine;
  for (const auto& x : p.pairs) {
    a.push_back(x.a);
    b.push_back(x.b);
    fold.push_back(x.fold);
    genuine.push_back(x.genuine ? 1 : 0);
  }
  f.write("pairs/a", a);
  f.write("pairs/b", b);
  f.write("pairs/fold", fold);
  f.write("pairs/genuine", genuine);
  f.set_attribute("pairs_folds", std::to_string(p.folds));
  f.set_attribute("pairs_per_fold", std::to_string(p.per_fold));
}

PairList read_pairs_table(const h5::File& f) {
  PairList p;
  if (!f.has("pairs/a")) return p;
  auto a = f.read<std::int64_t>("pairs/a");
  auto b = f.read<std::int64_t>("pairs/b");
  auto fold = f.read<std::int32_t>("pairs/fold");
  auto genuine = f.read<std::int8_t>("pairs/genuine");
  IRREV_CHECK(b.size() == a.size() && fold.size() == a.size() && genuine.size() == a.size(),
              "'{}': the /pairs tables have different lengths", f.path());
  p.folds = std::stoi(f.attribute("pairs_folds"));
  p.per_fold = std::stoi(f.attribute("pairs_per_fold"));
  for (std::size_t i = 0; i < a.size(); ++i) p.pairs.push_back({fold[i], genuine[i] != 0, a[i], b[i]});
  return p;
}

void write_rejects(h5::File& f, const std::vector<Reject>& rejects) {
  std::vector<std::string> files, reasons;
  for (const auto& r : rejects) {
    files.push_back(r.file);
    reasons.push_back(r.reason);
  }
  f.write_strings("rejects/file", files);
  f.write_strings("rejects/reason", reasons);
}

std::vector<Reject> read_rejects(const h5::File& f) {
  std::vector<Reject> out;
  if (!f.has("rejects/file")) return out;
  auto files = f.read_strings("rejects/file");
  auto reasons = f.read_strings("rejects/reason");
  for (std::size_t i = 0; i < files.size() && i < reasons.size(); ++i) out.push_back({files[i], reasons[i]});
  return out;
}

}  // namespace irrev::data
