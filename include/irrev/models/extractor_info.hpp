#pragma once
/// What travels with every face-recognition extractor: its input geometry and normalisation
/// and its embedding size. Stored as JSON inside the TorchScript file (extra file
/// "irrev/extractor.json") or beside a foreign .pt as "<model>.json".
#include <array>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "irrev/core/enum_names.hpp"

namespace irrev::models {

/// The channel order a network takes (crops are stored BGR).
enum class ChannelOrder { bgr, rgb };

struct ExtractorInfo {
  std::string name;  ///< e.g. "fr_feature"
  int input_width = 112;
  int input_height = 112;
  ChannelOrder channel_order = ChannelOrder::bgr;  ///< order the network takes
  std::array<float, 3> mean{127.f, 127.f, 127.f};  ///< per channel, in the network's order
  std::array<float, 3> std{128.f, 128.f, 128.f};
  int embedding_size = 0;     ///< D
  std::string source;         ///< file it was imported from
  std::string source_sha256;  ///< checksum of that file

  nlohmann::json to_json() const;
  /// The record as files, models and keys carry it: to_json() as text, indented by 2.
  std::string to_text() const;
  /// From a record's value, read with the defaults of fields an older version lacked; `where`
  /// names the file for error messages.
  static ExtractorInfo from_json(const nlohmann::json& record, const std::string& where);
  /// From a record's text as read from a file.
  static ExtractorInfo parse(const std::string& text, const std::string& where);
  /// Check the fields a user can set (positive std, sizes).
  void validate(const std::string& where) const;
};

/// Whether two extractor records (ExtractorInfo::to_text, as templates, inverters and models
/// carry them) describe the same extractor: equal as values (ExtractorInfo::from_json), whatever
/// their key order or spacing, a field unknown to this version, or an absent one with its
/// default. A record that is not one is an InputError naming its file (`a_where`, `b_where`).
bool same_extractor(const std::string& a_json, const std::string& b_json,
                    const std::string& a_where = "an extractor record",
                    const std::string& b_where = "an extractor record");
/// The same for a loaded extractor's record and one a file carries.
bool same_extractor(const ExtractorInfo& a, const std::string& b_json, const std::string& b_where);

/// sha256 of a file's bytes, as lowercase hex.
std::string sha256_file(const std::string& path);

}  // namespace irrev::models

template <>
struct irrev::EnumNames<irrev::models::ChannelOrder> {
  static constexpr std::string_view what = "channel order";
  static constexpr std::array<std::string_view, 2> names{"bgr", "rgb"};
};
