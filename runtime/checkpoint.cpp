#include "runtime/checkpoint.hpp"

#include <chrono>
#include <zlib.h>

namespace tfarm::runtime {

uint32_t crc32(std::string_view data) noexcept {
  // zlib's implementation processes several bytes per step: checksums sit on
  // the path of every checkpoint save and restore.
  return static_cast<uint32_t>(
      ::crc32_z(0L, reinterpret_cast<const Bytef*>(data.data()), data.size()));
}

bool checkpoint::intact() const noexcept {
  return runtime::crc32(blob) == crc32;
}

} // namespace tfarm::runtime
