// Small builders of store records for persistence tests.
#pragma once

#include <string>

#include "runtime/checkpoint.hpp"

namespace tfarm::test {

inline runtime::checkpoint make_checkpoint(const std::string& path, const std::string& blob) {
  runtime::checkpoint cp;
  cp.path = path;
  cp.kind = "probe";
  cp.format_version = 1;
  cp.blob = blob;
  cp.crc32 = runtime::crc32(blob);
  return cp;
}

} // namespace tfarm::test
