#include "irrev/protect/keyed_stream.hpp"

namespace irrev::protect {
namespace {
constexpr std::uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;  // Philox multipliers
constexpr std::uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;  // Weyl key increments

inline void mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& hi, std::uint32_t& lo) {
  std::uint64_t p = static_cast<std::uint64_t>(a) * b;
  hi = static_cast<std::uint32_t>(p >> 32);
  lo = static_cast<std::uint32_t>(p);
}
}  // namespace

std::array<std::uint32_t, 4> philox4x32(std::array<std::uint32_t, 4> c, std::array<std::uint32_t, 2> k) {
  for (int round = 0; round < 10; ++round) {
    std::uint32_t hi0, lo0, hi1, lo1;
    mulhilo(kM0, c[0], hi0, lo0);
    mulhilo(kM1, c[2], hi1, lo1);
    c = {hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0};
    k[0] += kW0;
    k[1] += kW1;
  }
  return c;
}

KeyedStream::KeyedStream(std::uint64_t seed, std::uint64_t template_index, std::uint64_t permutation_index)
    : m_key{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)},
      // 32 bits of block number leave 96 bits for the indices: 48 each.
      m_counter{
          0, static_cast<std::uint32_t>(template_index),
          static_cast<std::uint32_t>(((template_index >> 32) & 0xFFFFu) | ((permutation_index >> 32 & 0xFFFFu) << 16)),
          static_cast<std::uint32_t>(permutation_index)} {}

std::uint32_t KeyedStream::next_u32() {
  if (m_used == 4) {
    m_block = philox4x32(m_counter, m_key);
    ++m_counter[0];
    m_used = 0;
  }
  return m_block[static_cast<std::size_t>(m_used++)];
}

std::uint32_t KeyedStream::below(std::uint32_t bound) {
  std::uint64_t m = static_cast<std::uint64_t>(next_u32()) * bound;
  auto low = static_cast<std::uint32_t>(m);
  if (low < bound) {
    const std::uint32_t threshold = (0u - bound) % bound;
    while (low < threshold) {
      m = static_cast<std::uint64_t>(next_u32()) * bound;
      low = static_cast<std::uint32_t>(m);
    }
  }
  return static_cast<std::uint32_t>(m >> 32);
}

}  // namespace irrev::protect
