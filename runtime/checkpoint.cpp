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

int64_t unix_now_ms() noexcept {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace tfarm::runtime
