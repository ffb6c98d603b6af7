#include "low_precision.hpp"

#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>

#include <vector>

#include "frozen_copy.hpp"
#include "irrev/core/error.hpp"

namespace irrev::models {

namespace jit = torch::jit;

namespace {

/// The tensor a frozen graph's value holds, or an undefined tensor where it is not a constant.
torch::Tensor constant_tensor(jit::Value* v) {
  auto iv = jit::toIValue(v);
  return iv && iv->isTensor() ? iv->toTensor() : torch::Tensor();
}

jit::Value* cast(jit::Graph& g, jit::Value* v, at::ScalarType dtype) {
  return g.insert(c10::aten::to, {v, c10::IValue(static_cast<std::int64_t>(dtype))});
}

/// Convolution `n`'s bias: its `dtype` rounding inside, the remainder added to the output.
void split_bias(jit::Graph& g, jit::Node* n, const torch::Tensor& bias, at::ScalarType dtype) {
  const auto head = bias.to(dtype);
  const auto tail = (bias - head.to(bias.scalar_type())).to(dtype).reshape({-1, 1, 1});
  jit::WithInsertPoint before(n);
  n->replaceInput(2, g.insertConstant(head));
  jit::WithInsertPoint after(n->next());
  auto* sum = g.insert(c10::aten::add_, {n->output(0), g.insertConstant(tail)});
  n->output(0)->replaceAllUsesAfterNodeWith(sum->node(), sum);
}

}  // namespace

jit::Module low_precision_module(const jit::Module& module, at::ScalarType dtype) {
  auto frozen = frozen_copy(module);
  auto graph = frozen.get_method("forward").graph();
  IRREV_CHECK(graph->inputs().size() == 2 && graph->outputs().size() == 1,
              "low-precision extractor: the network has {} inputs and {} outputs, one of each was expected",
              graph->inputs().size() - 1, graph->outputs().size());
  std::vector<jit::Node*> nodes(graph->nodes().begin(), graph->nodes().end());
  for (auto* n : nodes) {
    for (std::size_t i = 0; i < n->inputs().size(); ++i) {
      const auto t = constant_tensor(n->input(i));
      if (!t.defined() || !t.is_floating_point() || t.scalar_type() == dtype) continue;
      if (n->kind() == c10::aten::conv2d && i == 2) {
        split_bias(*graph, n, t, dtype);
      } else {
        jit::WithInsertPoint before(n);
        n->replaceInput(i, graph->insertConstant(t.to(dtype)));
      }
    }
  }
  auto* x = graph->inputs()[1];  // inputs()[0] is the module itself
  {
    jit::WithInsertPoint at_start(*graph->nodes().begin());
    auto* low = cast(*graph, x, dtype);
    x->replaceAllUsesAfterNodeWith(low->node(), low);
  }
  {
    jit::WithInsertPoint at_end(graph->return_node());
    graph->return_node()->replaceInput(0, cast(*graph, graph->outputs()[0], at::kFloat));
  }
  jit::EliminateDeadCode(graph);
  return frozen;
}

}  // namespace irrev::models
