// One configuration problem, located in its file, as people read them.
//
// Printed as `FILE:LINE:COLUMN: error: MESSAGE` (the format compilers use, so
// editors jump to it). Problems without a position (an unreadable file, an
// environment variable) omit LINE:COLUMN.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tfarm::config {

struct diagnostic {
  /// File name as given by the user, or "environment".
  std::string file;
  /// 1-based; 0 when the problem has no position.
  uint32_t line = 0;
  uint32_t column = 0;
  std::string message;
};

/// Renders `FILE:LINE:COLUMN: error: MESSAGE`.
std::string to_string(const diagnostic& x);

/// Orders diagnostics by file, line and column, keeping discovery order
/// for equal positions.
void sort_diagnostics(std::vector<diagnostic>& xs);

bool operator==(const diagnostic& x, const diagnostic& y);

} // namespace tfarm::config
