// A saved actor state as the checkpoint store keeps it.
//
// The blob is opaque to the runtime (each kind encodes its own state, with
// cereal); the CRC-32 over the blob is computed when the checkpoint is made
// and verified before a restore, so a corrupted row is detected instead of
// restored. `seq` is assigned by the store: strictly increasing per path, and
// 0 means "no checkpoint".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <caf/meta/type_name.hpp>

#include "runtime/clock.hpp"

namespace tfarm::runtime {

struct checkpoint {
  std::string path;
  std::string kind;
  /// Durable sequence number (store-assigned); 0 for "none".
  uint64_t seq = 0;
  /// The kind's state format version, for migrations of old blobs.
  uint32_t format_version = 0;
  std::string blob;
  uint32_t crc32 = 0;
  /// Wall-clock time of the save, milliseconds since the Unix epoch.
  int64_t updated_at_ms = 0;

  bool empty() const noexcept { return seq == 0; }

  /// True if crc32 matches the blob.
  bool intact() const noexcept;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, checkpoint& x) {
  return f(caf::meta::type_name("tfarm.checkpoint"), x.path, x.kind, x.seq, x.format_version,
           x.blob, x.crc32, x.updated_at_ms);
}

/// CRC-32 (IEEE 802.3; zlib computes it) of `data`.
uint32_t crc32(std::string_view data) noexcept;

} // namespace tfarm::runtime
