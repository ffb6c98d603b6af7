#include "irrev/protect/permutation.hpp"

#include <algorithm>

#include "irrev/core/error.hpp"

namespace irrev::protect {

std::string to_decimal(u128 value) {
  if (value == 0) return "0";
  std::string s;
  while (value > 0) {
    s.push_back(static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  }
  std::reverse(s.begin(), s.end());
  return s;
}

u128 parse_decimal(const std::string& text, const std::string& what) {
  IRREV_CHECK(!text.empty(), "{}: empty number", what);
  u128 v = 0;
  const u128 max = ~static_cast<u128>(0);
  for (char c : text) {
    IRREV_CHECK(c >= '0' && c <= '9', "{}: '{}' is not a non-negative integer", what, text);
    IRREV_CHECK(v <= (max - static_cast<u128>(c - '0')) / 10, "{}: '{}' exceeds 128 bits", what, text);
    v = v * 10 + static_cast<u128>(c - '0');
  }
  return v;
}

u128 factorial(int n) {
  IRREV_CHECK(n >= 0 && n <= kMaxBlocks, "block count {} is outside 0..{}", n, kMaxBlocks);
  u128 f = 1;
  for (int i = 2; i <= n; ++i) f *= static_cast<u128>(i);
  return f;
}

u128 derangements(int k) {
  IRREV_CHECK(k >= 0 && k <= kMaxBlocks, "block count {} is outside 0..{}", k, kMaxBlocks);
  u128 prev2 = 1, prev1 = 0;  // D_0, D_1
  if (k == 0) return 1;
  for (int i = 2; i <= k; ++i) {
    u128 d = static_cast<u128>(i - 1) * (prev1 + prev2);
    prev2 = prev1;
    prev1 = d;
  }
  return prev1;
}

u128 binomial(int n, int k) {
  if (k < 0 || k > n) return 0;
  u128 c = 1;
  for (int i = 1; i <= k; ++i) c = c * static_cast<u128>(n - k + i) / static_cast<u128>(i);
  return c;
}

u128 count_with_complexity(int n, int k) { return binomial(n, k) * derangements(k); }

Permutation identity(int n) {
  Permutation p(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) p[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  return p;
}

bool is_permutation(const Permutation& p) {
  if (p.size() > kMaxBlocks) return false;
  std::uint64_t seen = 0;
  for (auto v : p) {
    if (v >= p.size() || (seen >> v & 1u)) return false;
    seen |= 1ull << v;
  }
  return true;
}

int complexity(const Permutation& p) {
  int k = 0;
  for (std::size_t i = 0; i < p.size(); ++i) k += p[i] != i;
  return k;
}

u128 rank(const Permutation& p) {
  IRREV_ASSERT(is_permutation(p), "rank() of a sequence that is not a permutation");
  const int n = static_cast<int>(p.size());
  u128 r = 0;
  for (int i = 0; i < n; ++i) {
    int smaller_after = 0;
    for (int j = i + 1; j < n; ++j) smaller_after += p[static_cast<std::size_t>(j)] < p[static_cast<std::size_t>(i)];
    r = r * static_cast<u128>(n - i) + static_cast<u128>(smaller_after);
  }
  return r;
}

Permutation unrank(u128 r, int n) {
  IRREV_CHECK(r < factorial(n), "rank {} is outside [0, {}!)", to_decimal(r), n);
  // Digits of the factorial number system, least significant first.
  std::vector<int> digits(static_cast<std::size_t>(n));
  for (int i = n - 1; i >= 0; --i) {
    const auto base = static_cast<u128>(n - i);
    digits[static_cast<std::size_t>(i)] = static_cast<int>(r % base);
    r /= base;
  }
  std::vector<std::uint8_t> left = identity(n);
  Permutation p;
  p.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto it = left.begin() + digits[static_cast<std::size_t>(i)];
    p.push_back(*it);
    left.erase(it);
  }
  return p;
}

Permutation inverse(const Permutation& p) {
  Permutation q(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) q[p[i]] = static_cast<std::uint8_t>(i);
  return q;
}

}  // namespace irrev::protect
