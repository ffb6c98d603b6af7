#include "irrev/models/extractor_info.hpp"

#include <nlohmann/json.hpp>

#include <fstream>

#include "irrev/core/error.hpp"
#include "irrev/core/json_text.hpp"
#include "irrev/core/sha256.hpp"

namespace irrev::models {

nlohmann::json ExtractorInfo::to_json() const {
  return {{"name", name},
          {"input_width", input_width},
          {"input_height", input_height},
          {"channel_order", name_of(channel_order)},
          {"mean", mean},
          {"std", std},
          {"embedding_size", embedding_size},
          {"source", source},
          {"source_sha256", source_sha256}};
}

std::string ExtractorInfo::to_text() const { return to_json().dump(2); }

ExtractorInfo ExtractorInfo::parse(const std::string& text, const std::string& where) {
  return from_json(parse_json(text, fmt::format("extractor metadata in '{}'", where)), where);
}

ExtractorInfo ExtractorInfo::from_json(const nlohmann::json& j, const std::string& where) {
  ExtractorInfo info;
  try {
    info.name = j.value("name", std::string{});
    info.input_width = j.at("input_width").get<int>();
    info.input_height = j.at("input_height").get<int>();
    info.channel_order =
        enum_from_name<ChannelOrder>(j.at("channel_order").get<std::string>(), "extractor '" + where + "'");
    info.mean = j.at("mean").get<std::array<float, 3>>();
    info.std = j.at("std").get<std::array<float, 3>>();
    info.embedding_size = j.value("embedding_size", 0);
    info.source = j.value("source", std::string{});
    info.source_sha256 = j.value("source_sha256", std::string{});
  } catch (const nlohmann::json::exception& e) {
    IRREV_FAIL("extractor metadata in '{}' lacks a field or has a wrong type: {}", where, e.what());
  }
  info.validate(where);
  return info;
}

void ExtractorInfo::validate(const std::string& where) const {
  IRREV_CHECK(input_width > 0 && input_height > 0, "extractor '{}': input size {}x{} is not valid", where, input_width,
              input_height);
  for (float s : std) IRREV_CHECK(s > 0, "extractor '{}': std values must be positive", where);
}

bool same_extractor(const std::string& a_json, const std::string& b_json, const std::string& a_where,
                    const std::string& b_where) {
  return same_extractor(ExtractorInfo::parse(a_json, a_where), b_json, b_where);
}

bool same_extractor(const ExtractorInfo& a, const std::string& b_json, const std::string& b_where) {
  // As values read by from_json: a field a later version adds is not read, one an older
  // version lacked takes its default, so records of every version compare by what they mean.
  // Written again by to_json, the one list of the record's fields.
  return a.to_json() == ExtractorInfo::parse(b_json, b_where).to_json();
}

std::string sha256_file(const std::string& path) { return sha256_of_file(path); }

}  // namespace irrev::models
