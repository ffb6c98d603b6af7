#pragma once
/// Readers of the LFW layout: image folders (`<Person>/<Person>_NNNN.jpg`), the View 2 pair
/// list (`pairs.txt`) and the gender lists (`female_names.txt`, `male_names.txt`).
/// Faults in the data (a malformed line, a pair naming a missing image, a name in both gender
/// lists) become Rejects; a missing folder or file stops with an InputError.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "irrev/data/reject.hpp"

namespace irrev::data {

struct ImageRecord {
  std::string path;     ///< relative to the image folder: "Person/Person_0001.jpg"
  std::string name;     ///< file name: "Person_0001.jpg"
  std::string subject;  ///< "Person"
  int number = 0;       ///< the NNNN of the file name
};

/// All images under `dir`, sorted by subject then number (the order is the image index).
/// Files that do not follow the layout are rejected.
std::vector<ImageRecord> scan_lfw_folder(const std::string& dir, std::vector<Reject>& rejects);

/// The key a pair line or gender list uses for an image: "Person_0001.jpg".
std::string image_key(const std::string& subject, int number);

struct Pair {
  std::int32_t fold = 0;
  bool genuine = false;
  std::int64_t a = -1;  ///< image index of the first image
  std::int64_t b = -1;
};

struct PairList {
  int folds = 0;
  int per_fold = 0;  ///< genuine pairs per fold (and as many impostor pairs)
  std::vector<Pair> pairs;
};

/// Read an LFW View 2 pair list and resolve its names to image indices through `index_of`
/// (keys as image_key()). Lines naming a missing image are rejected with their line number.
PairList read_pairs(const std::string& path, const std::unordered_map<std::string, std::int64_t>& index_of,
                    std::vector<Reject>& rejects);

/// Gender per image key: 0 female, 1 male. Absent keys are unknown.
using GenderTable = std::unordered_map<std::string, std::int8_t>;
constexpr std::int8_t kFemale = 0, kMale = 1, kUnknownGender = -1;

/// Read `dir`/female_names.txt and `dir`/male_names.txt. A malformed line, or a name in both
/// lists, is rejected (the name is then unknown).
GenderTable read_gender_lists(const std::string& dir, std::vector<Reject>& rejects);

}  // namespace irrev::data
