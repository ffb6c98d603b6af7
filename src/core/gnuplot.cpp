#include "irrev/core/gnuplot.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "irrev/core/error.hpp"
#include "irrev/core/text_file.hpp"

namespace irrev {
namespace fs = std::filesystem;

bool gnuplot_available() { return std::system("command -v gnuplot > /dev/null 2>&1") == 0; }

void render_gnuplot(const std::string& script, const std::string& png) {
  const std::string gp = png + ".gp";
  write_text_file(gp, script, "gnuplot script");
  fs::remove(png);
  const std::string cmd = "gnuplot '" + gp + "' 2> '" + gp + ".log'";
  const int rc = std::system(cmd.c_str());
  IRREV_CHECK(rc == 0 && fs::exists(png) && fs::file_size(png) > 0,
              "gnuplot failed on '{}' (exit {}); its messages are in '{}.log'", gp, rc, gp);
  fs::remove(gp + ".log");
}

}  // namespace irrev
