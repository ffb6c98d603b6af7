#include "irrev/pipeline/protect_stage.hpp"

#include "irrev/core/output_lock.hpp"
#include "irrev/core/paths.hpp"
#include "irrev/data/h5_file.hpp"
#include "irrev/data/template_set.hpp"
#include "irrev/protect/pe_miu.hpp"

namespace irrev::pipeline {

std::int64_t run_protect(const ProtectOptions& o) {
  require_output_file(o.out, "protected templates output (--out)");
  const OutputLock lock(o.out);  // one run per output
  auto t = data::read_template_set(o.templates);
  const int n = protect::block_count(t.dim, o.block);
  auto p = protect::protect_all(t.values.data(), t.count, t.dim, o.block, o.seed);
  std::vector<std::uint8_t> perms;
  std::vector<std::string> ranks;
  std::vector<std::int32_t> complexity;
  for (const auto& perm : p.permutations) {
    perms.insert(perms.end(), perm.begin(), perm.end());
    ranks.push_back(protect::to_decimal(protect::rank(perm)));
    complexity.push_back(protect::complexity(perm));
  }
  h5::AtomicOutput output(o.out);
  {
    h5::File& f = output.file();
    f.set_attribute("schema", "irrev.protected/1");
    f.set_attribute("templates", o.templates);
    f.set_attribute("extractor", t.extractor_json);
    f.set_attribute("block", std::to_string(o.block));
    f.set_attribute("seed", std::to_string(o.seed));
    f.write("templates", p.values, {static_cast<std::uint64_t>(t.count), static_cast<std::uint64_t>(t.dim)});
    f.write("permutation/blocks", perms, {static_cast<std::uint64_t>(t.count), static_cast<std::uint64_t>(n)});
    f.write_strings("permutation/rank", ranks);
    f.write("permutation/complexity", complexity);
    data::write_images(f, t.images);
    if (!t.pairs.pairs.empty()) data::write_pairs(f, t.pairs);
  }
  output.commit();
  return t.count;
}

}  // namespace irrev::pipeline
