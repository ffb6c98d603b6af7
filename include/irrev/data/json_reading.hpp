#pragma once
/// JSON read from files (an HDF5 attribute, a text file such as summary.json): a damaged or
/// foreign file is bad input, so every failure here is an InputError (exit 2) naming the file
/// and the attribute, never a parser's bare message.
#include <nlohmann/json.hpp>
#include <string>

#include "irrev/core/error.hpp"
#include "irrev/core/json_text.hpp"  // parse_json
#include "irrev/data/h5_file.hpp"

namespace irrev::data {

/// The JSON an HDF5 file's attribute holds.
nlohmann::json json_attribute(const h5::File& f, const std::string& name);

/// The JSON a text file holds.
nlohmann::json json_file(const std::string& path);

/// A JSON value converted to T (a missing key or a wrong type becomes an InputError naming
/// `where`: the file was not written by this irrev, or was altered).
template <class T>
T json_as(const nlohmann::json& j, const std::string& where) {
  try {
    return j.get<T>();
  } catch (const nlohmann::json::exception& e) {
    IRREV_FAIL("{} does not hold what irrev writes there ({}); the file is damaged or from another program", where,
               e.what());
  }
}

/// The JSON of an attribute, converted to T.
template <class T>
T json_attribute_as(const h5::File& f, const std::string& name) {
  return json_as<T>(json_attribute(f, name), fmt::format("'{}': its attribute '{}'", f.path(), name));
}

}  // namespace irrev::data
