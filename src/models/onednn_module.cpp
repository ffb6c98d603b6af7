#include "onednn_module.hpp"

#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>

#include <vector>

#include "frozen_copy.hpp"
#include "irrev/core/error.hpp"

namespace irrev::models {

namespace jit = torch::jit;

jit::Module onednn_module(const jit::Module& module) {
  auto frozen = frozen_copy(module);
  auto graph = frozen.get_method("forward").graph();
  std::vector<jit::Node*> nodes(graph->nodes().begin(), graph->nodes().end());
  for (auto* n : nodes) {
    if (n->kind() != c10::aten::conv2d) continue;
    // conv2d(input, weight, bias, stride, padding, dilation, groups) ->
    // mkldnn_convolution(input, weight, bias, padding, stride, dilation, groups)
    IRREV_CHECK(n->inputs().size() == 7 && n->input(4)->type()->kind() == c10::TypeKind::ListType,
                "oneDNN extractor: a convolution of an unexpected form (string padding?)");
    jit::WithInsertPoint before(n);
    auto* call =
        graph->insert(c10::Symbol::fromQualString("aten::mkldnn_convolution"),
                      {n->input(0), n->input(1), n->input(2), n->input(4), n->input(3), n->input(5), n->input(6)});
    n->output(0)->replaceAllUsesWith(call);
  }
  jit::EliminateDeadCode(graph);
  return frozen;
}

}  // namespace irrev::models
