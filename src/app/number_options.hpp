#pragma once
// Numeric command-line options, checked as the job file's keys are (core/numbers.hpp): the whole
// token, within the field's type (no wrap: `--seed -1` is refused, not 18446744073709551615), no
// NaN or infinity; and range checks whose messages a person reads ("must be at least 1").
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <string>
#include <type_traits>

#include "irrev/core/numbers.hpp"

namespace irrev::app {

/// `--flag VALUE` into `field`: a number parsed by parse_number<T> (a command-line mistake,
/// exit 2, when it is not one); any other type as CLI11 reads it. The default shown is the
/// field's value.
template <class T>
CLI::Option* add_value(CLI::App* sub, const std::string& flag, T& field, const std::string& help) {
  if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
    return sub
        ->add_option_function<std::string>(
            flag,
            [&field, flag](const std::string& s) {
              try {
                field = parse_number<T>(s, flag);
              } catch (const Error& e) {
                throw CLI::ValidationError(e.what());
              }
            },
            help)
        ->type_name(std::is_integral_v<T> ? "INT" : "FLOAT")
        ->default_str(fmt::format("{}", field));
  } else {
    return sub->add_option(flag, field, help);
  }
}

/// A number's lower and upper bounds, checked on the option's text before it is parsed.
inline CLI::Validator number_between(double lo, double hi, const std::string& words) {
  return CLI::Validator(
      [lo, hi, words](std::string& s) -> std::string {
        double v = 0;
        try {
          v = parse_number<double>(s, "");
        } catch (const Error&) {
          return fmt::format("'{}' is not a number", s);
        }
        return v >= lo && v <= hi ? std::string() : fmt::format("{} must be {}", s, words);
      },
      words);
}
inline CLI::Validator positive() {
  return number_between(std::numeric_limits<double>::min(), std::numeric_limits<double>::max(), "positive");
}
inline CLI::Validator non_negative() { return number_between(0, std::numeric_limits<double>::max(), "0 or more"); }
template <class T>
CLI::Validator in_range(T lo, T hi) {
  return number_between(static_cast<double>(lo), static_cast<double>(hi), fmt::format("from {} to {}", lo, hi));
}

}  // namespace irrev::app
