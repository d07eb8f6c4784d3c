#include "actors/agent/agent_checkpoint.hpp"

#include "actors/agent/error.hpp"
#include "runtime/state_codec.hpp"

namespace tfarm::actors {

namespace {

/// A checkpoint of format 1 (before `retiring`).
struct agent_checkpoint_v1 {
  agent_checkpoint cp;

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t) {
    cp.fields_v1(ar);
  }
};

} // namespace

std::string encode_agent_checkpoint(const agent_checkpoint& x) {
  return runtime::encode_state(x);
}

caf::error decode_agent_checkpoint(const std::string& blob, uint32_t version,
                                   agent_checkpoint& out) {
  if (version == 1) {
    agent_checkpoint_v1 old;
    if (auto err = runtime::decode_state(blob, old))
      return err;
    out = std::move(old.cp);
    return {};
  }
  if (version == 2)
    return runtime::decode_state(blob, out);
  return caf::error{agent_errc::bad_state,
                    "agent state version " + std::to_string(version) + " is not known"};
}

} // namespace tfarm::actors
