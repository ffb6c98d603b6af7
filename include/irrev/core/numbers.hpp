#pragma once
/// Numbers from text a user wrote (a command-line option, a job file's key), checked in one
/// place for both fronts: whole and exact, within the target type, never wrapped (`--seed -1` is
/// not 18446744073709551615) and never NaN or infinite. Errors are InputErrors naming `where`.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "irrev/core/error.hpp"

namespace irrev {

/// T's range in words: "a whole number from 0 to 18446744073709551615", "a finite number".
template <class T>
std::string range_text() {
  if constexpr (std::is_integral_v<T>)
    return fmt::format("a whole number from {} to {}", std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
  else
    return "a finite number";
}

/// An integer read as int64 (TOML's integers) as a T.
template <class T>
T narrow_integer(std::int64_t v, const std::string& where) {
  static_assert(std::is_integral_v<T>);
  const bool fits = std::is_signed_v<T> ? v >= static_cast<std::int64_t>(std::numeric_limits<T>::min()) &&
                                              v <= static_cast<std::int64_t>(std::numeric_limits<T>::max())
                                        : v >= 0 && static_cast<std::uint64_t>(v) <= std::numeric_limits<T>::max();
  IRREV_CHECK(fits, "{}: {} is out of range: it takes {}", where, v, range_text<T>());
  return static_cast<T>(v);
}

/// A floating-point value as a T (finite).
template <class T>
T narrow_floating(double v, const std::string& where) {
  static_assert(std::is_floating_point_v<T>);
  const auto out = static_cast<T>(v);
  IRREV_CHECK(std::isfinite(out), "{}: {} is not {}", where, v, range_text<T>());
  return out;
}

/// `text`, all of it, as a T.
template <class T>
T parse_number(const std::string& text, const std::string& where) {
  static_assert(std::is_arithmetic_v<T> && !std::is_same_v<T, bool>);
  T out{};
  const char* end = text.data() + text.size();
  const auto r = std::from_chars(text.data(), end, out);
  const bool whole = !text.empty() && r.ec == std::errc() && r.ptr == end;
  if constexpr (std::is_integral_v<T>) {
    IRREV_CHECK(whole, "{}: '{}' is not {}", where, text, range_text<T>());
  } else {
    IRREV_CHECK(whole && std::isfinite(out), "{}: '{}' is not {}", where, text, range_text<T>());
  }
  return out;
}

}  // namespace irrev
