#pragma once
/// JSON text read from a file, an HDF5 attribute or a message: text that does not parse is bad
/// input (an InputError, exit 2) naming where it came from, never a parser's bare message. Every
/// layer parses through this one function.
#include <nlohmann/json.hpp>
#include <string>

namespace irrev {

/// `text` parsed; `where` names its origin ("'attack.h5': its attribute 'summary_json'",
/// "extractor metadata in 'model.pt'").
nlohmann::json parse_json(const std::string& text, const std::string& where);

}  // namespace irrev
