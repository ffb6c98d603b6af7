#include "irrev/core/device.hpp"

#include <cctype>

#include "irrev/core/error.hpp"

namespace irrev {

Device Device::parse(const std::string& name, const std::string& where) {
  if (name == "cpu") return cpu();
  if (name == "cuda") return cuda();
  const std::string digits = name.rfind("cuda:", 0) == 0 ? name.substr(5) : std::string();
  bool number = !digits.empty() && digits.size() <= 4;
  for (char c : digits) number = number && std::isdigit(static_cast<unsigned char>(c));
  IRREV_CHECK(number, "{}: device '{}' is not known (use cpu, cuda or cuda:N)", where, name);
  return cuda(std::stoi(digits));
}

std::string Device::name() const {
  if (is_cpu()) return "cpu";
  return index < 0 ? "cuda" : "cuda:" + std::to_string(index);
}

}  // namespace irrev
