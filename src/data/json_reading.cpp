#include "irrev/data/json_reading.hpp"

#include <fstream>
#include <sstream>

namespace irrev::data {

nlohmann::json json_attribute(const h5::File& f, const std::string& name) {
  IRREV_CHECK(f.has_attribute(name), "'{}' has no attribute '{}' (not a file this step writes, or damaged)", f.path(),
              name);
  return parse_json(f.attribute(name), fmt::format("'{}': its attribute '{}'", f.path(), name));
}

nlohmann::json json_file(const std::string& path) {
  std::ifstream in(path);
  IRREV_CHECK(in.good(), "cannot read '{}'", path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_json(text.str(), fmt::format("'{}'", path));
}

}  // namespace irrev::data
