#pragma once
/// Settings that take one of a few named values are enums in the engine, each with one name
/// table beside it: `template <> struct EnumNames<E>` with `what` (the setting, for messages)
/// and `names` (in the enum's order, values 0..N-1). The job file, the command line, the
/// results' JSON and every message read that table; below the configuration layer the engine
/// compares enum values, never strings.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "irrev/core/error.hpp"

namespace irrev {

template <class E>
struct EnumNames;

/// The name of `value`, as the job file and the command line spell it.
template <class E>
std::string name_of(E value) {
  const auto& names = EnumNames<E>::names;
  const auto i = static_cast<std::size_t>(value);
  IRREV_ASSERT(i < names.size(), "{} value {} has no name", EnumNames<E>::what, i);
  return std::string(names[i]);
}

/// Every name of E, in the enum's order.
template <class E>
std::vector<std::string> names_of() {
  const auto& names = EnumNames<E>::names;
  return {names.begin(), names.end()};
}

/// The value named `name`; else an InputError "<where>: <what> must be one of ..., got '...'".
template <class E>
E enum_from_name(const std::string& name, const std::string& where) {
  const auto& names = EnumNames<E>::names;
  const auto it = std::find(names.begin(), names.end(), name);
  IRREV_CHECK(it != names.end(), "{}: {} must be one of {}, got '{}'", where, EnumNames<E>::what,
              fmt::join(names, ", "), name);
  return static_cast<E>(it - names.begin());
}

}  // namespace irrev
