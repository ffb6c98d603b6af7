#include "irrev/protect/pe_miu.hpp"

#include <cstring>

#include "irrev/core/error.hpp"
#include "irrev/protect/samplers.hpp"

namespace irrev::protect {

int block_count(int dim, int block) {
  IRREV_CHECK(block > 0 && dim % block == 0, "block size {} does not divide the template dimension {}", block, dim);
  int n = dim / block;
  IRREV_CHECK(n >= 1 && n <= kMaxBlocks, "{} blocks of {} values: PE-MIU takes 1..{} blocks", n, block, kMaxBlocks);
  return n;
}

void apply_blocks(const float* in, int dim, int block, const Permutation& p, float* out) {
  const int n = block_count(dim, block);
  IRREV_ASSERT(static_cast<int>(p.size()) == n, "permutation of {} for {} blocks", p.size(), n);
  for (int i = 0; i < n; ++i)
    std::memcpy(out + i * block, in + p[static_cast<std::size_t>(i)] * block,
                sizeof(float) * static_cast<std::size_t>(block));
}

ProtectedTemplates protect_all(const float* templates, std::int64_t count, int dim, int block, std::uint64_t seed) {
  const int n = block_count(dim, block);
  ProtectedTemplates out;
  out.dim = dim;
  out.block = block;
  out.values.resize(static_cast<std::size_t>(count * dim));
  for (std::int64_t t = 0; t < count; ++t) {
    KeyedStream stream(seed, static_cast<std::uint64_t>(t), 0);
    Permutation p = sample_uniform(n, stream);
    apply_blocks(templates + t * dim, dim, block, p, out.values.data() + t * dim);
    out.permutations.push_back(std::move(p));
  }
  return out;
}

}  // namespace irrev::protect
