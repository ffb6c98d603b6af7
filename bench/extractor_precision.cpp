// Where the re-embedding's bf16 error comes from, and what the attack's bf16 re-embedding keeps
// of fp32: the extractor's type-I scores on real reconstructions (templates under permutations
// of complexity 0, 2, 4 and 8, through the inverter) against the fp32 extractor, for
//  - bf16 rounding emulated in fp32 at one kind of place of its TorchScript graph at a time
//    (convolution inputs, weights, biases, outputs; PReLU; residual sums), then everywhere;
//  - with --per-conv, each convolution alone (input, weights and output rounded, its bias not);
//  - autocast (the bf16-all path before) and the low-precision module (models/low_precision.hpp,
//    what bf16-all runs on the CPU), each also timed on a batch of 32.
//   extractor_precision --inverter inverter.pt --extractor fr_feature.pt --templates t.h5
//                       [--templates-n 64] [--per-conv] [--threads 2]
#include <torch/script.h>
#include <torch/torch.h>
#include <CLI/CLI.hpp>

#include <fmt/format.h>
#include <chrono>
#include <cstdio>
#include <functional>

#include "irrev/core/memory_policy.hpp"
#include "irrev/data/template_set.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/models/inverter.hpp"
#include "irrev/protect/keyed_stream.hpp"
#include "irrev/protect/pe_miu.hpp"
#include "irrev/protect/samplers.hpp"
#include "models/autocast.hpp"
#include "models/extractor_impl.hpp"
#include "models/low_precision.hpp"

using namespace irrev;
namespace jit = torch::jit;

namespace {
/// `v` rounded to bf16 and back: bf16's error, computed in fp32.
jit::Value* rounded(jit::Graph& g, jit::Value* v) {
  auto* lo = g.insert(c10::aten::to, {v, c10::IValue(static_cast<std::int64_t>(at::kBFloat16))});
  return g.insert(c10::aten::to, {lo, c10::IValue(static_cast<std::int64_t>(at::kFloat))});
}

/// Where the emulation rounds.
struct Where {
  bool conv_in = false, conv_w = false, conv_b = false, conv_out = false;
  bool prelu_in = false, prelu_w = false, prelu_out = false, add_out = false;
  int only_conv = -1;  ///< >= 0: only this convolution (input, weights, output; not its bias)
};

/// The extractor loaded from `path` with bf16 rounding inserted per `w`.
jit::Module emulated(const std::string& path, const Where& w) {
  auto m = jit::load(path);
  m.eval();
  auto g = m.get_method("forward").graph();
  std::vector<jit::Node*> nodes(g->nodes().begin(), g->nodes().end());
  int conv = -1;
  for (auto* n : nodes) {
    const bool is_conv = n->kind() == c10::aten::conv2d, is_prelu = n->kind() == c10::aten::prelu;
    if (is_conv) ++conv;
    const bool one = w.only_conv >= 0 && is_conv && conv == w.only_conv;
    const bool in = (is_conv && (w.conv_in || one)) || (is_prelu && w.prelu_in);
    const bool weight = (is_conv && (w.conv_w || one)) || (is_prelu && w.prelu_w);
    const bool bias = is_conv && w.conv_b;
    const bool out =
        (is_conv && (w.conv_out || one)) || (is_prelu && w.prelu_out) || (n->kind() == c10::aten::add && w.add_out);
    {
      jit::WithInsertPoint before(n);
      if (in) n->replaceInput(0, rounded(*g, n->input(0)));
      if (weight) n->replaceInput(1, rounded(*g, n->input(1)));
      if (bias) n->replaceInput(2, rounded(*g, n->input(2)));
    }
    if (out) {
      jit::WithInsertPoint after(n->next());
      auto* r = rounded(*g, n->output(0));
      n->output(0)->replaceAllUsesAfterNodeWith(r->node(), r);
    }
  }
  return m;
}
}  // namespace

int main(int argc, char** argv) {
  irrev::core::keep_freed_memory();  // as irrev itself runs
  CLI::App app{"the extractor's bf16 error by place in its graph, on real reconstructions"};
  std::string inverter_path, extractor_path, templates_path;
  std::int64_t n = 64;
  int threads = 2;
  bool per_conv = false;
  app.add_option("--inverter", inverter_path)->required();
  app.add_option("--extractor", extractor_path, "the extractor as TorchScript (.pt)")->required();
  app.add_option("--templates", templates_path)->required();
  app.add_option("--templates-n", n, "templates, each under 4 permutations");
  app.add_option("--threads", threads);
  app.add_flag("--per-conv", per_conv, "also each convolution alone");
  CLI11_PARSE(app, argc, argv);
  models::set_torch_threads(threads);
  torch::NoGradGuard no_grad;
  const auto set = data::read_template_set(templates_path);
  n = std::min(n, set.count);
  const auto inv = models::Inverter::load(inverter_path, Device::cpu());
  const auto ext = models::Extractor::load(extractor_path, Device::cpu());
  const int dim = set.dim, size = inv->output_size();

  // The guard's samples (as attack_throughput's): template-major under each permutation.
  std::vector<float> protected_rows, original_rows;
  protect::KeyedStream stream(2021, 0, 0);
  for (int k : {0, 2, 4, 8}) {
    const auto p = protect::sample_with_complexity(8, k, stream);
    std::vector<float> row(static_cast<std::size_t>(dim));
    for (std::int64_t i = 0; i < n; ++i) {
      protect::apply_blocks(set.row(i), dim, dim / 8, p, row.data());
      protected_rows.insert(protected_rows.end(), row.begin(), row.end());
      original_rows.insert(original_rows.end(), set.row(i), set.row(i) + dim);
    }
  }
  const std::int64_t samples = 4 * n;
  auto images = inv->invert(protected_rows.data(), samples);
  const auto x = ext->impl().from_rgb(torch::from_blob(images.data(), {samples, 3, size, size}).clone());
  const auto t = torch::from_blob(original_rows.data(), {samples, dim}).clone();

  using Forward = std::function<torch::Tensor(const torch::Tensor&)>;
  auto scores = [&](const Forward& f) {
    std::vector<torch::Tensor> parts;
    for (std::int64_t i = 0; i < samples; i += 32)
      parts.push_back(
          f(x.narrow(0, i, std::min<std::int64_t>(32, samples - i)).contiguous(at::MemoryFormat::ChannelsLast)));
    auto e = torch::cat(parts).to(torch::kFloat32).reshape({samples, -1});
    return ((e / e.norm(2, 1, true)) * t).sum(1);
  };
  const auto reference = scores([&](const torch::Tensor& b) { return ext->impl().forward(b); });
  auto report = [&](const std::string& name, const Forward& f) {
    const auto d = scores(f) - reference;
    const auto sorted = std::get<0>(d.abs().sort());
    std::printf("%-34s max=%.5f p99=%.5f mean=%.6f bias=%+.6f\n", name.c_str(), sorted[-1].item<double>(),
                sorted[static_cast<std::int64_t>(0.99 * static_cast<double>(samples - 1))].item<double>(),
                d.abs().mean().item<double>(), d.mean().item<double>());
  };
  auto timed = [&](const std::string& name, const Forward& f) {
    const auto b = x.narrow(0, 0, std::min<std::int64_t>(32, samples)).contiguous(at::MemoryFormat::ChannelsLast);
    for (int i = 0; i < 3; ++i) f(b);  // the graph executor's profiling runs
    constexpr int kCalls = 10;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kCalls; ++i) f(b);
    std::printf("%-34s %.1f ms per batch of %lld\n", name.c_str(),
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / kCalls,
                static_cast<long long>(b.size(0)));
  };

  auto emulate = [&](const std::string& name, const Where& w) {
    auto m = emulated(extractor_path, w);
    report(name, [&](const torch::Tensor& b) { return m.forward({b}).toTensor(); });
  };
  std::printf("%lld samples; score differences to the fp32 extractor\n", static_cast<long long>(samples));
  emulate("rounded: convolution inputs", {true});
  emulate("rounded: convolution weights", {false, true});
  emulate("rounded: convolution biases", {false, false, true});
  emulate("rounded: convolution outputs", {false, false, false, true});
  emulate("rounded: PReLU inputs and slopes", {false, false, false, false, true, true});
  emulate("rounded: PReLU outputs", {false, false, false, false, false, false, true});
  emulate("rounded: residual sums", {false, false, false, false, false, false, false, true});
  emulate("rounded: all of these", {true, true, true, true, true, true, true, true});
  emulate("rounded: all but the biases", {true, true, false, true, true, true, true, true});
  if (per_conv) {
    auto g = jit::load(extractor_path).get_method("forward").graph();
    int convs = 0;
    for (auto* node : g->nodes()) convs += node->kind() == c10::aten::conv2d;
    for (int c = 0; c < convs; ++c) {
      Where w;
      w.only_conv = c;
      emulate(fmt::format("rounded: convolution {} only", c), w);
    }
  }

  const Forward fp32 = [&](const torch::Tensor& b) { return ext->impl().infer(b); };
  const Forward autocast = [&](const torch::Tensor& b) {
    models::AutocastGuard guard(true, torch::kCPU, at::kBFloat16, false);
    return ext->impl().forward(b);
  };
  const Forward low = [&](const torch::Tensor& b) { return ext->impl().infer_low(b, at::kBFloat16); };
  report("bf16: autocast", autocast);
  report("bf16: low-precision module", low);
  timed("fp32: inference module", fp32);
  timed("bf16: autocast", autocast);
  timed("bf16: low-precision module", low);
}
