// What the harnesses share: libFuzzer's entry point and how a harness
// states a property every input must keep. A broken property aborts, so
// that libFuzzer keeps the input as a finding (and the replay test of the
// normal build fails on it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace tfarm::fuzz {

/// Aborts, naming the property, unless `ok`.
inline void require(bool ok, const char* property) {
  if (!ok) {
    std::fprintf(stderr, "property broken: %s\n", property);
    std::abort();
  }
}

/// The input as text.
inline std::string_view text_of(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

} // namespace tfarm::fuzz
