// What a trading agent checkpoints (its position is rebuilt from the
// fills), and the decoding of every format it has written.
//
// Decoding never throws and leaves `out` as it was on error: a blob comes
// from the store, which a damaged disk or a bad restore can garble.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <caf/error.hpp>

namespace tfarm::actors {

struct agent_checkpoint {
  /// The format encode_agent_checkpoint() writes.
  static constexpr uint32_t version = 2;

  uint64_t epoch = 0;
  uint64_t next_seq = 1;
  uint64_t orders = 0;
  uint64_t rejected = 0;
  std::map<std::string, uint64_t> rejections;
  /// Tags of the orders working at the time, by client order id.
  std::map<std::string, std::string> tags;
  std::string strategy;
  uint32_t strategy_version = 0;
  std::string strategy_blob;
  /// Format 2: an operator stopped it, it is finishing its orders.
  bool retiring = false;

  /// The fields of format 1.
  template <class Archive>
  void fields_v1(Archive& ar) {
    ar(epoch, next_seq, orders, rejected, rejections, tags, strategy, strategy_version,
       strategy_blob);
  }

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t) {
    fields_v1(ar);
    ar(retiring);
  }
};

/// `x` in format agent_checkpoint::version.
std::string encode_agent_checkpoint(const agent_checkpoint& x);

/// Reads a blob of format `version` (1 or 2) into `out`; agent_errc::bad_state
/// for an unknown format, runtime_errc::restore_failed for a garbled blob.
caf::error decode_agent_checkpoint(const std::string& blob, uint32_t version,
                                   agent_checkpoint& out);

} // namespace tfarm::actors
