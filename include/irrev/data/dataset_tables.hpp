#pragma once
/// The tables that crops.h5 and templates.h5 share (schema in docs/hdf5_schema.md):
///   /images/{name,subject,path} strings, /images/gender int8 (0 female, 1 male, -1 unknown)
///   /images/crop_sha256 strings: the SHA-256 of each aligned crop's bytes (files from before
///   it have none), which finds the same face image under another name or in another collection
///   /pairs/{a,b} int64 row indices, /pairs/fold int32, /pairs/genuine int8
///   /rejects/{file,reason} strings
#include <cstdint>
#include <string>
#include <vector>

#include "irrev/data/h5_file.hpp"
#include "irrev/data/lfw_layout.hpp"
#include "irrev/data/reject.hpp"

namespace irrev::data {

struct ImageTable {
  std::vector<std::string> names;
  std::vector<std::string> subjects;
  std::vector<std::string> paths;
  std::vector<std::int8_t> genders;
  std::vector<std::string> crop_sha256;  ///< empty where the file predates it
  std::size_t size() const { return names.size(); }
  void push_back(const ImageRecord& r, std::int8_t gender);
};

void write_images(h5::File& f, const ImageTable& t);
ImageTable read_images(const h5::File& f);

void write_pairs(h5::File& f, const PairList& p);
/// Pairs as stored; folds and per_fold come from the file's attributes.
PairList read_pairs_table(const h5::File& f);

void write_rejects(h5::File& f, const std::vector<Reject>& rejects);
std::vector<Reject> read_rejects(const h5::File& f);

}  // namespace irrev::data
