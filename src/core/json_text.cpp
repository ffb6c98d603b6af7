#include "irrev/core/json_text.hpp"

#include "irrev/core/error.hpp"

namespace irrev {

nlohmann::json parse_json(const std::string& text, const std::string& where) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    IRREV_FAIL("{} is not valid JSON ({}); the file is damaged or from another program", where, e.what());
  }
}

}  // namespace irrev
