#pragma once
/// The ways a face collection can be laid out for `ingest`, besides LFW's own
/// (`<Person>/<Person>_NNNN.jpg`, in lfw_layout.hpp):
///  - flat: a folder of images (and its subfolders), any file names, each image an anonymous
///    subject of its own, no gender: FFHQ's layout;
///  - list: a CSV file of `path,subject[,gender]` lines (paths relative to the image folder,
///    gender `female`/`male`/`f`/`m` or empty), for any other layout.
/// Entries that cannot be used (not an image, a missing file, a malformed line) are rejected
/// with the file and line; a missing folder or list stops with an InputError.
#include <string>
#include <vector>

#include "irrev/core/enum_names.hpp"
#include "irrev/data/lfw_layout.hpp"
#include "irrev/data/reject.hpp"

namespace irrev::data {

enum class ImageLayout { lfw, flat, list };

/// Whether a file name ends in an image extension OpenCV reads (jpg, jpeg, png, bmp, tif,
/// tiff, webp; any case).
bool has_image_extension(const std::string& file);

/// Every image under `dir` (recursively), sorted by path; each image's subject and name are
/// its path relative to `dir`.
std::vector<ImageRecord> scan_flat_folder(const std::string& dir, std::vector<Reject>& rejects);

/// The images a CSV list names, sorted by subject then path; a record's name is its path as
/// the list gives it (relative to `dir`, or absolute). Genders given in the list go into
/// `genders` under that name. A first line `path,subject[,gender]` is taken as a header.
std::vector<ImageRecord> read_image_list(const std::string& list, const std::string& dir, GenderTable& genders,
                                         std::vector<Reject>& rejects);

/// What a collection holds, as a SHA-256: every file under `dir` (recursively) by relative path,
/// size and modification time, and for the list layout the list's bytes too. A job's ingest is
/// up to date only while this is unchanged (an image added to the folder re-runs it). A folder
/// or list that does not exist gives "missing" (the ingest then says what is wrong).
std::string collection_fingerprint(ImageLayout layout, const std::string& dir, const std::string& list);

}  // namespace irrev::data

template <>
struct irrev::EnumNames<irrev::data::ImageLayout> {
  static constexpr std::string_view what = "image layout";
  static constexpr std::array<std::string_view, 3> names{"lfw", "flat", "list"};
};
