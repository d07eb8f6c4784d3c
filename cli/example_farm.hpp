// Where `tfarm run` and `tfarm exchange-sim serve` find their example farm
// file when none is given (-c): wherever the binary runs from, in the
// current directory's checkout, under the install prefix the binary sits
// in (after `cmake --install`), or, for a binary in its build tree, in the
// source tree it was built from.
// Pure apart from reading the file system; thread-safe.
#pragma once

#include <string>
#include <vector>

namespace tfarm::cli {

struct example_farm {
  /// The first candidate that exists ("" if none does).
  std::string path;
  /// Every place looked, in order (for the error message).
  std::vector<std::string> tried;
};

/// Where a binary was built: its source tree serves a binary still in the
/// build tree, never a copy elsewhere.
struct build_tree {
  std::string source_dir;
  std::string binary_dir;
};

/// Looks for `examples/<relative>` (e.g. "single_node/farm.toml"). `exe`
/// is the running binary's path ("" if unknown).
example_farm find_example_farm(const std::string& relative, const std::string& exe,
                               const build_tree& built);

/// The running binary's path (/proc/self/exe; "" if unknown).
std::string this_executable();

} // namespace tfarm::cli
