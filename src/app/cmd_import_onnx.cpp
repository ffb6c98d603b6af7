// irrev import-onnx: ONNX face-recognition model -> TorchScript with irrev metadata
#include <filesystem>

#include "commands.hpp"
#include "irrev/core/error.hpp"
#include "irrev/core/paths.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/models/onnx_import.hpp"
#include "number_options.hpp"

namespace irrev::app {

Command add_import_onnx(CLI::App& app, const GlobalOptions& /*g*/) {
  auto* sub = app.add_subcommand("import-onnx", "Turn an ONNX extractor into TorchScript (.pt)");
  auto in = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto norm = std::make_shared<OnnxNormOptions>();
  sub->add_option("model", *in, "ONNX model file")->required();
  add_value(sub, "--out", *out, "Output TorchScript file")->required();
  add_onnx_norm_options(*sub, *norm);
  return {sub, [in, out, norm](const dist::Communicator& comm) -> int {
#ifdef IRREV_WITH_ONNX
            auto info = to_extractor_info(*norm);
            if (info.name.empty()) info.name = std::filesystem::path(*in).stem().string();
            if (comm.is_master()) {
              require_input_file(*in, "ONNX model");
              require_output_file(*out, "TorchScript output (--out)");  // before the translation, not after
              info = models::import_onnx(*in, *out, info);
            }
            print_master(comm, info.to_text());
            return 0;
#else
            IRREV_FAIL("this build has no ONNX importer (configure with IRREV_ENABLE_ONNX=ON)");
#endif
          }};
}

}  // namespace irrev::app
