#include "inverter_training_data.hpp"

#include "irrev/core/error.hpp"
#include "irrev/data/identity_split.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/protect/keyed_stream.hpp"

namespace irrev::pipeline::detail {
namespace F = torch::nn::functional;

TrainingSplit split_training_identities(const data::TemplateSet& set, const models::InverterTrainingConfig& cfg) {
  TrainingSplit s;
  for (std::int64_t i = 0; i < set.count; ++i) {
    const auto& subject = set.images.subjects[static_cast<std::size_t>(i)];
    if (data::is_evaluation_subject(subject, cfg.seed, cfg.eval_share)) continue;
    s.subjects.insert(subject);
    (data::subject_hash01(subject, cfg.seed + 1) < cfg.validation_share ? s.val : s.train).push_back(i);
  }
  IRREV_CHECK(!s.train.empty(), "the identity split (seed {}, eval_share {}) leaves no training images", cfg.seed,
              cfg.eval_share);
  return s;
}

namespace {

/// The third index of the keyed stream that draws the shifts (apart from the permutations' indices).
constexpr std::uint64_t kShiftStream = 0x5348494654ull;  // "SHIFT"

/// Rows of crops.h5 as uint8 N x H x W x 3 (BGR, as stored).
torch::Tensor read_crops(const h5::File& crops, const std::vector<std::int64_t>& rows) {
  const auto dims = crops.dims("crops");
  auto out = torch::empty({static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(dims[1]),
                           static_cast<std::int64_t>(dims[2]), 3},
                          torch::kUInt8);
  const auto bytes = static_cast<std::int64_t>(dims[1] * dims[2] * 3);
  for (std::size_t k = 0; k < rows.size(); ++k)
    crops.read_rows("crops", h5::Type::u8, static_cast<std::uint64_t>(rows[k]), 1,
                    out.data_ptr<std::uint8_t>() + static_cast<std::int64_t>(k) * bytes);
  return out;
}

/// uint8 BGR crops -> RGB float images in [0, 1] at `size` (area resize), N x 3 x size x size.
torch::Tensor to_images(const torch::Tensor& bgr, int size) {
  std::vector<torch::Tensor> out;
  for (std::int64_t first = 0; first < bgr.size(0); first += 256) {
    auto t = bgr.narrow(0, first, std::min<std::int64_t>(256, bgr.size(0) - first))
                 .permute({0, 3, 1, 2})
                 .to(torch::kFloat32)
                 .div(255.0)
                 .flip(1);
    if (t.size(2) != size)
      t = F::interpolate(t, F::InterpolateFuncOptions().size(std::vector<int64_t>{size, size}).mode(torch::kArea));
    out.push_back(t.contiguous());
  }
  return torch::cat(out);
}

/// Templates of altered crops. Chunks of a fixed size go to rank (chunk mod ranks) and the
/// result is summed over ranks (exact: each value is one rank's, the others add zero), so the
/// numbers do not depend on the rank count.
torch::Tensor embed_all(const dist::Communicator& comm, const torch::Tensor& bgr, const models::Extractor& x) {
  constexpr std::int64_t kChunk = 16;
  const auto n = bgr.size(0);
  const auto dim = x.embedding_size();
  auto out = torch::zeros({n, dim}, torch::kFloat32);
  for (std::int64_t c = 0, first = 0; first < n; ++c, first += kChunk) {
    if (c % comm.size() != comm.rank()) continue;
    const auto k = std::min(kChunk, n - first);
    auto e = x.embed(bgr.data_ptr<std::uint8_t>() + first * bgr.stride(0), k);
    std::copy(e.begin(), e.end(), out.data_ptr<float>() + first * dim);
  }
  if (comm.size() > 1) comm.sum_in_place(out.data_ptr<float>(), out.numel());
  return out;
}

}  // namespace

torch::Tensor shift_crops(const torch::Tensor& bgr, const std::vector<std::int64_t>& rows, int max, std::uint64_t seed) {
  const auto h = bgr.size(1), w = bgr.size(2);
  auto out = torch::empty_like(bgr);
  for (std::size_t k = 0; k < rows.size(); ++k) {
    protect::KeyedStream s(seed, static_cast<std::uint64_t>(rows[k]), kShiftStream);
    const auto span = static_cast<std::uint32_t>(2 * max + 1);
    const auto dy = static_cast<std::int64_t>(s.below(span)) - max, dx = static_cast<std::int64_t>(s.below(span)) - max;
    // Output pixel (y, x) shows input pixel (y - dy, x - dx), clamped to the crop.
    auto ys = torch::arange(h, torch::kInt64).sub(dy).clamp(0, h - 1);
    auto xs = torch::arange(w, torch::kInt64).sub(dx).clamp(0, w - 1);
    const auto i = static_cast<std::int64_t>(k);
    out[i].copy_(bgr[i].index_select(0, ys).index_select(1, xs));
  }
  return out;
}

TrainingSamples load_training_samples(const dist::Communicator& comm, const h5::File& crops, const data::TemplateSet& set,
                                      const std::vector<std::int64_t>& rows, int size,
                                      const models::InverterTrainingConfig& config, const models::Extractor& extractor) {
  TrainingSamples s;
  if (rows.empty()) return s;
  auto bgr = read_crops(crops, rows);
  auto all = torch::from_blob(const_cast<float*>(set.values.data()), {set.count, set.dim}, torch::kFloat32);
  s.images = to_images(bgr, size);
  s.templates = all.index_select(0, torch::tensor(rows, torch::kInt64)).clone();
  std::vector<torch::Tensor> images{s.images}, templates{s.templates};
  if (config.flip) {
    images.push_back(s.images.flip(3));
    templates.push_back(embed_all(comm, bgr.flip(2).contiguous(), extractor));  // N x H x W x 3: 2 is the width
  }
  if (config.shift > 0) {
    auto moved = shift_crops(bgr, rows, config.shift, config.seed);
    images.push_back(to_images(moved, size));
    templates.push_back(embed_all(comm, moved, extractor));
  }
  s.images = torch::cat(images);
  s.templates = torch::cat(templates);
  return s;
}

}  // namespace irrev::pipeline::detail
