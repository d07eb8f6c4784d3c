#include "cli/example_farm.hpp"

#include <filesystem>
#include <system_error>

namespace tfarm::cli {

namespace fs = std::filesystem;

example_farm find_example_farm(const std::string& relative, const std::string& exe,
                               const build_tree& built) {
  example_farm x;
  x.tried.push_back((fs::path{"examples"} / relative).string());
  if (!exe.empty()) {
    // <prefix>/bin/tfarm -> <prefix>/share/tfarm/examples
    auto prefix = fs::path{exe}.parent_path().parent_path();
    x.tried.push_back((prefix / "share" / "tfarm" / "examples" / relative).string());
  }
  auto in_build_tree = !exe.empty() && !built.binary_dir.empty() &&
                       exe.compare(0, built.binary_dir.size() + 1, built.binary_dir + "/") == 0;
  if (in_build_tree && !built.source_dir.empty())
    x.tried.push_back((fs::path{built.source_dir} / "examples" / relative).string());
  for (auto& candidate : x.tried) {
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) {
      x.path = candidate;
      break;
    }
  }
  return x;
}

std::string this_executable() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string{} : p.string();
}

} // namespace tfarm::cli
