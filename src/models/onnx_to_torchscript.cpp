#include "onnx_to_torchscript.hpp"

#include <fmt/ranges.h>
#include <onnx/onnx_pb.h>

#include <fstream>
#include <map>
#include <sstream>
#include <unordered_map>

#include "irrev/core/error.hpp"
#include "irrev/models/onnx_import.hpp"

namespace irrev::models {
namespace detail {
namespace {

/// Copy an ONNX tensor's values into a torch tensor (float32 or int64 as stored).
torch::Tensor to_torch(const onnx::TensorProto& t, const std::string& where) {
  std::vector<int64_t> shape(t.dims().begin(), t.dims().end());
  // A malformed file must not make a buffer of the size it claims: the dimensions are checked,
  // and every value count below against the data actually there.
  int64_t n = 1;
  for (auto d : shape) {
    IRREV_CHECK(d >= 0 && (d == 0 || n <= (int64_t{1} << 40) / d),
                "{}: tensor '{}' declares the dimensions [{}], which no model tensor has", where, t.name(),
                fmt::join(shape, ", "));
    n *= d;
  }
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT: {
      auto out = torch::empty(shape, torch::kFloat32);
      if (t.has_raw_data()) {
        IRREV_CHECK(static_cast<int64_t>(t.raw_data().size()) == n * 4,
                    "{}: tensor '{}' has {} raw bytes for {} floats", where, t.name(), t.raw_data().size(), n);
        std::memcpy(out.data_ptr<float>(), t.raw_data().data(), static_cast<std::size_t>(n) * 4);
      } else {
        IRREV_CHECK(t.float_data_size() == n, "{}: tensor '{}' has {} floats, expected {}", where, t.name(),
                    t.float_data_size(), n);
        std::copy(t.float_data().begin(), t.float_data().end(), out.data_ptr<float>());
      }
      return out;
    }
    case onnx::TensorProto::INT64: {
      auto out = torch::empty(shape, torch::kInt64);
      if (t.has_raw_data()) {
        IRREV_CHECK(static_cast<int64_t>(t.raw_data().size()) == n * 8,
                    "{}: tensor '{}' has {} raw bytes for {} int64 values", where, t.name(), t.raw_data().size(), n);
        std::memcpy(out.data_ptr<int64_t>(), t.raw_data().data(), static_cast<std::size_t>(n) * 8);
      } else {
        IRREV_CHECK(t.int64_data_size() == n, "{}: tensor '{}' has {} int64 values, expected {}", where, t.name(),
                    t.int64_data_size(), n);
        std::copy(t.int64_data().begin(), t.int64_data().end(), out.data_ptr<int64_t>());
      }
      return out;
    }
    default:
      IRREV_FAIL("{}: tensor '{}' has ONNX data type {}, which the importer does not read", where, t.name(),
                 t.data_type());
  }
}

std::string float_literal(double v) {
  std::ostringstream os;
  os.precision(9);
  os << std::showpoint << v;
  return os.str();
}

std::string int_list(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

/// Emits TorchScript for one graph, tracking how every ONNX value name is spelled in it.
class Translator {
 public:
  Translator(const onnx::ModelProto& model, std::string where) : m_graph(model.graph()), m_where(std::move(where)) {}

  torch::jit::Module run(ExtractorInfo& info) {
    torch::jit::Module module("irrev_imported_onnx");
    for (const auto& init : m_graph.initializer()) m_constants[init.name()] = to_torch(init, m_where);
    // The one graph input that is not an initializer is the image batch.
    std::string input;
    for (const auto& in : m_graph.input()) {
      if (m_constants.count(in.name())) continue;
      IRREV_CHECK(input.empty(), "{}: the importer takes one input, the graph has '{}' and '{}'", m_where, input,
                  in.name());
      input = in.name();
      const auto& dims = in.type().tensor_type().shape().dim();
      if (dims.size() == 4 && dims[2].dim_value() > 0 && dims[3].dim_value() > 0) {
        info.input_height = static_cast<int>(dims[2].dim_value());
        info.input_width = static_cast<int>(dims[3].dim_value());
      }
    }
    IRREV_CHECK(!input.empty(), "{}: the graph has no input", m_where);
    IRREV_CHECK(m_graph.output_size() == 1, "{}: the importer takes one output, the graph has {}", m_where,
                m_graph.output_size());
    m_names[input] = "x";
    for (const auto& node : m_graph.node()) emit(node);
    std::string out = value(m_graph.output(0).name(), "graph output");
    m_body << "    return " << out << "\n";

    for (const auto& [onnx_name, param] : m_params) {
      module.register_parameter(param, m_constants.at(onnx_name), /*requires_grad=*/false);
    }
    module.define("def forward(self, x):\n" + m_body.str());
    return module;
  }

 private:
  std::string value(const std::string& onnx_name, const std::string& node) {
    auto it = m_names.find(onnx_name);
    if (it != m_names.end()) return it->second;
    auto c = m_constants.find(onnx_name);
    IRREV_CHECK(c != m_constants.end(), "{}: node '{}' reads '{}', which nothing produces", m_where, node, onnx_name);
    std::string param = "p" + std::to_string(m_params.size());
    m_params.emplace(onnx_name, param);
    return m_names[onnx_name] = "self." + param;
  }

  /// Input i of node n, which must have it (a malformed model names the node, never reads past
  /// its inputs).
  std::string input(const onnx::NodeProto& n, int i, const std::string& node) {
    IRREV_CHECK(i < n.input_size(), "{}: {} node '{}' has {} inputs; it needs at least {}", m_where, n.op_type(), node,
                n.input_size(), i + 1);
    return value(n.input(i), node);
  }

  const torch::Tensor& constant(const std::string& onnx_name, const std::string& node) {
    auto c = m_constants.find(onnx_name);
    IRREV_CHECK(c != m_constants.end(), "{}: node '{}' needs '{}' to be a constant (initializer or Constant node)",
                m_where, node, onnx_name);
    return c->second;
  }

  static const onnx::AttributeProto* attr(const onnx::NodeProto& n, const std::string& name) {
    for (const auto& a : n.attribute())
      if (a.name() == name) return &a;
    return nullptr;
  }
  static std::vector<int64_t> ints(const onnx::NodeProto& n, const std::string& name, std::vector<int64_t> fallback) {
    const auto* a = attr(n, name);
    return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : std::move(fallback);
  }
  static int64_t int_attr(const onnx::NodeProto& n, const std::string& name, int64_t fallback) {
    const auto* a = attr(n, name);
    return a ? a->i() : fallback;
  }
  static double float_attr(const onnx::NodeProto& n, const std::string& name, double fallback) {
    const auto* a = attr(n, name);
    return a ? a->f() : fallback;
  }

  std::string fresh(const onnx::NodeProto& n) {
    std::string v = "v" + std::to_string(m_next++);
    m_names[n.output(0)] = v;
    return v;
  }

  void emit(const onnx::NodeProto& n) {
    const std::string& op = n.op_type();
    IRREV_CHECK(n.output_size() >= 1, "{}: node '{}' ({}) has no output", m_where, n.name(), op);
    const std::string node = n.name().empty() ? n.output(0) : n.name();
    auto in = [&](int i) { return input(n, i, node); };
    auto line = [&](const std::string& expr) { m_body << "    " << fresh(n) << " = " << expr << "\n"; };

    if (op == "Constant") {
      const auto* a = attr(n, "value");
      IRREV_CHECK(a && a->has_t(), "{}: Constant node '{}' has no tensor value", m_where, node);
      m_constants[n.output(0)] = to_torch(a->t(), m_where);
    } else if (op == "Conv") {
      emit_conv(n, node);
    } else if (op == "PRelu") {
      emit_prelu(n, node);
    } else if (op == "Relu") {
      line("torch.relu(" + in(0) + ")");
    } else if (op == "Sigmoid") {
      line("torch.sigmoid(" + in(0) + ")");
    } else if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") {
      static const std::map<std::string, std::string> sym = {
          {"Add", " + "}, {"Sub", " - "}, {"Mul", " * "}, {"Div", " / "}};
      line(in(0) + sym.at(op) + in(1));
    } else if (op == "Clip") {
      emit_clip(n, node);
    } else if (op == "Reshape") {
      emit_reshape(n, node);
    } else if (op == "Flatten") {
      int64_t axis = int_attr(n, "axis", 1);
      IRREV_CHECK(axis == 1, "{}: Flatten node '{}' has axis {}, only 1 is supported", m_where, node, axis);
      line("torch.flatten(" + in(0) + ", 1)");
    } else if (op == "Gemm") {
      emit_gemm(n, node);
    } else if (op == "MatMul") {
      line("torch.matmul(" + in(0) + ", " + in(1) + ")");
    } else if (op == "BatchNormalization") {
      double eps = float_attr(n, "epsilon", 1e-5);
      line("torch.batch_norm(" + in(0) + ", " + in(1) + ", " + in(2) + ", " + in(3) + ", " + in(4) + ", False, 0.0, " +
           float_literal(eps) + ", False)");
    } else if (op == "GlobalAveragePool") {
      line("torch.mean(" + in(0) + ", [2, 3], True)");
    } else if (op == "Identity" || op == "Dropout") {
      m_names[n.output(0)] = in(0);
    } else {
      IRREV_FAIL(
          "{}: node '{}' uses operator '{}', which the importer does not support "
          "(supported: {})",
          m_where, node, op, fmt::join(supported_onnx_ops(), " "));
    }
  }

  /// A 2-D convolution; asymmetric padding becomes an explicit pad before it.
  void emit_conv(const onnx::NodeProto& n, const std::string& node) {
    auto in = [&](int i) { return input(n, i, node); };
    auto line = [&](const std::string& expr) { m_body << "    " << fresh(n) << " = " << expr << "\n"; };
    auto k = ints(n, "kernel_shape", {});
    IRREV_CHECK(k.size() == 2, "{}: Conv node '{}' is not 2-D", m_where, node);
    const auto* ap = attr(n, "auto_pad");
    IRREV_CHECK(!ap || ap->s() == "NOTSET" || ap->s() == "VALID",
                "{}: Conv node '{}' uses auto_pad={}, which the importer does not support", m_where, node,
                ap ? ap->s() : "");
    auto pads = ints(n, "pads", {0, 0, 0, 0});
    auto strides = ints(n, "strides", {1, 1});
    auto dil = ints(n, "dilations", {1, 1});
    int64_t group = int_attr(n, "group", 1);
    IRREV_CHECK(pads.size() == 4 && strides.size() == 2 && dil.size() == 2 && group >= 1 && n.input_size() >= 2,
                "{}: Conv node '{}' has malformed attributes (pads {}, strides {}, dilations {}, group {}, {} inputs)",
                m_where, node, int_list(pads), int_list(strides), int_list(dil), group, n.input_size());
    for (auto v : pads) IRREV_CHECK(v >= 0, "{}: Conv node '{}' has a negative pad", m_where, node);
    for (auto v : strides) IRREV_CHECK(v >= 1, "{}: Conv node '{}' has a stride below 1", m_where, node);
    for (auto v : dil) IRREV_CHECK(v >= 1, "{}: Conv node '{}' has a dilation below 1", m_where, node);
    std::string x = in(0);
    std::vector<int64_t> sym = {pads[0], pads[1]};
    if (pads[0] != pads[2] || pads[1] != pads[3]) {
      // Asymmetric padding: pad explicitly (torch pads left,right,top,bottom).
      std::string padded = "v" + std::to_string(m_next++);
      m_body << "    " << padded << " = torch.constant_pad_nd(" << x << ", "
             << int_list({pads[1], pads[3], pads[0], pads[2]}) << ", 0.0)\n";
      x = padded;
      sym = {0, 0};
    }
    std::string bias = n.input_size() > 2 && !n.input(2).empty() ? in(2) : "None";
    line("torch.conv2d(" + x + ", " + in(1) + ", " + bias + ", " + int_list(strides) + ", " + int_list(sym) + ", " +
         int_list(dil) + ", " + std::to_string(group) + ")");
  }

  /// Clip: bounds from inputs (opset >= 11) or attributes (before).
  void emit_clip(const onnx::NodeProto& n, const std::string& node) {
    auto in = [&](int i) { return input(n, i, node); };
    auto line = [&](const std::string& expr) { m_body << "    " << fresh(n) << " = " << expr << "\n"; };
    double lo = -3.4e38, hi = 3.4e38;
    const auto scalar = [&](int i) {
      const auto c = constant(n.input(i), node);
      IRREV_CHECK(c.numel() == 1, "{}: Clip node '{}' has a bound of {} values, not one", m_where, node, c.numel());
      return c.item<double>();
    };
    if (n.input_size() > 1 && !n.input(1).empty()) lo = scalar(1);
    if (n.input_size() > 2 && !n.input(2).empty()) hi = scalar(2);
    lo = float_attr(n, "min", lo);  // opset < 11 keeps them as attributes
    hi = float_attr(n, "max", hi);
    line("torch.clamp(" + in(0) + ", " + float_literal(lo) + ", " + float_literal(hi) + ")");
  }

  /// Reshape to a constant shape, its first dimension following the batch.
  void emit_reshape(const onnx::NodeProto& n, const std::string& node) {
    auto in = [&](int i) { return input(n, i, node); };
    auto line = [&](const std::string& expr) { m_body << "    " << fresh(n) << " = " << expr << "\n"; };
    IRREV_CHECK(n.input_size() == 2, "{}: Reshape node '{}' has {} inputs, not 2", m_where, node, n.input_size());
    auto shape_t = constant(n.input(1), node).to(torch::kInt64).contiguous();
    IRREV_CHECK(shape_t.dim() == 1, "{}: Reshape node '{}' has a shape of {} dimensions, not a list", m_where, node,
                shape_t.dim());
    std::vector<int64_t> shape(shape_t.data_ptr<int64_t>(), shape_t.data_ptr<int64_t>() + shape_t.numel());
    IRREV_CHECK(!shape.empty(), "{}: Reshape node '{}' has an empty shape", m_where, node);
    // Exporters often freeze the batch size (fr_feature says [1, 512]); dimension 0 is the
    // batch, so it follows the input. ONNX's 0 means "copy this dimension".
    std::string dims = "[" + in(0) + ".size(0)";
    for (std::size_t i = 1; i < shape.size(); ++i) {
      dims += ", " + (shape[i] == 0 ? in(0) + ".size(" + std::to_string(i) + ")" : std::to_string(shape[i]));
    }
    line("torch.reshape(" + in(0) + ", " + dims + "])");
  }

  /// Gemm: alpha * A' * B' + beta * C.
  void emit_gemm(const onnx::NodeProto& n, const std::string& node) {
    auto in = [&](int i) { return input(n, i, node); };
    auto line = [&](const std::string& expr) { m_body << "    " << fresh(n) << " = " << expr << "\n"; };
    double alpha = float_attr(n, "alpha", 1.0), beta = float_attr(n, "beta", 1.0);
    std::string a = int_attr(n, "transA", 0) ? "torch.t(" + in(0) + ")" : in(0);
    std::string b = int_attr(n, "transB", 0) ? "torch.t(" + in(1) + ")" : in(1);
    std::string expr = float_literal(alpha) + " * torch.matmul(" + a + ", " + b + ")";
    if (n.input_size() > 2 && !n.input(2).empty()) expr += " + " + float_literal(beta) + " * " + in(2);
    line(expr);
  }

  /// PRelu with a per-channel slope ([C], [C,1,1] or one value) becomes torch.prelu, one fused
  /// op; any other slope shape keeps ONNX's broadcasting through an explicit formula.
  void emit_prelu(const onnx::NodeProto& n, const std::string& node) {
    std::string x = input(n, 0, node);
    IRREV_CHECK(n.input_size() == 2, "{}: PRelu node '{}' has {} inputs, not 2", m_where, node, n.input_size());
    auto c = m_constants.find(n.input(1));
    if (c != m_constants.end() && c->second.dim() >= 1 && c->second.numel() == c->second.size(0)) {
      std::string flat = n.input(1) + "#per_channel";
      if (!m_constants.count(flat)) m_constants[flat] = c->second.reshape({-1}).contiguous();
      m_body << "    " << fresh(n) << " = torch.prelu(" << x << ", " << value(flat, node) << ")\n";
      return;
    }
    std::string slope = value(n.input(1), node);
    m_body << "    " << fresh(n) << " = torch.clamp_min(" << x << ", 0.0) + " << slope << " * torch.clamp_max(" << x
           << ", 0.0)\n";
  }

  const onnx::GraphProto& m_graph;
  std::string m_where;
  std::unordered_map<std::string, torch::Tensor> m_constants;
  std::map<std::string, std::string> m_params;           // ONNX name -> parameter name
  std::unordered_map<std::string, std::string> m_names;  // ONNX name -> TorchScript spelling
  std::ostringstream m_body;
  int m_next = 0;
};

}  // namespace

torch::jit::Module onnx_to_torchscript(const std::string& onnx_path, ExtractorInfo& info) {
  std::ifstream in(onnx_path, std::ios::binary);
  IRREV_CHECK(in.good(), "ONNX model '{}' cannot be read", onnx_path);
  onnx::ModelProto model;
  IRREV_CHECK(model.ParseFromIstream(&in), "'{}' is not a valid ONNX model", onnx_path);
  Translator t(model, onnx_path);
  return t.run(info);
}

}  // namespace detail

std::vector<std::string> supported_onnx_ops() {
  return {"Add",      "BatchNormalization",
          "Clip",     "Constant",
          "Conv",     "Div",
          "Dropout",  "Flatten",
          "Gemm",     "GlobalAveragePool",
          "Identity", "MatMul",
          "Mul",      "PRelu",
          "Relu",     "Reshape",
          "Sigmoid",  "Sub"};
}

}  // namespace irrev::models
