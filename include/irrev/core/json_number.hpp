#pragma once
/// A figure read back from JSON: nlohmann writes a NaN double (a rate with nothing to count) as
/// null, so null reads as NaN again.
#include <cmath>
#include <nlohmann/json.hpp>

namespace irrev {

inline double json_number(const nlohmann::json& v) { return v.is_null() ? std::nan("") : v.get<double>(); }

}  // namespace irrev
