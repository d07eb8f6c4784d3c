#include "runtime/checkpoint.hpp"

#include <array>
#include <chrono>

namespace tfarm::runtime {

namespace {

constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k)
      c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}

constexpr auto crc_table = make_crc_table();

} // namespace

uint32_t crc32(std::string_view data) noexcept {
  uint32_t c = 0xFFFFFFFFu;
  for (auto ch : data)
    c = crc_table[(c ^ static_cast<unsigned char>(ch)) & 0xFFu] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

bool checkpoint::intact() const noexcept {
  return runtime::crc32(blob) == crc32;
}

int64_t unix_now_ms() noexcept {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace tfarm::runtime
