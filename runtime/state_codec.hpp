// Encoding of actor state for checkpoints: cereal's portable binary format,
// versioned per type with CEREAL_CLASS_VERSION.
//
// Include only where a kind encodes its state (cereal is header-heavy).
// Decoding never throws: a malformed blob becomes runtime_errc::restore_failed,
// because exceptions must not cross an actor boundary; and it never
// allocates more elements than the blob has bytes
// (detail/bounded_input_archive.hpp).
#pragma once

#include <sstream>
#include <string>

#include <caf/error.hpp>
#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include "runtime/detail/bounded_input_archive.hpp"
#include "runtime/error.hpp"

namespace tfarm::runtime {

/// Serializes `x` with cereal.
template <class T>
std::string encode_state(const T& x) {
  std::ostringstream out;
  {
    cereal::PortableBinaryOutputArchive archive{out};
    archive(x);
  }
  return std::move(out).str();
}

/// Deserializes `blob` into `x`; `x` is unchanged on failure.
template <class T>
caf::error decode_state(const std::string& blob, T& x) {
  try {
    T tmp;
    {
      detail::bounded_input_archive archive{blob};
      archive(tmp);
    }
    x = std::move(tmp);
    return {};
  } catch (const std::exception& e) {
    return caf::error{runtime_errc::restore_failed, std::string{"undecodable state: "} + e.what()};
  }
}

} // namespace tfarm::runtime
