// Checkpoint decoding: blobs read back from the store at every restart
// (a damaged disk or a bad restore can garble them). First byte selects
// the decoder: 0 and 1 an agent's checkpoint of format 1 or 2, then each
// built-in strategy's state (version 1).
// Properties: no crash, no allocation beyond what the blob can hold; a
// blob that decodes encodes to a blob that decodes to the same again.
#include <string>
#include <vector>

#include "actors/agent/agent_checkpoint.hpp"
#include "actors/agent/strategy.hpp"
#include "fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tfarm::fuzz::require;
  namespace actors = tfarm::actors;
  if (size == 0)
    return 0;
  static const auto strategies = actors::strategy_registry::instance().names();
  std::string blob{tfarm::fuzz::text_of(data + 1, size - 1)};
  if (data[0] < 2) {
    actors::agent_checkpoint cp;
    if (actors::decode_agent_checkpoint(blob, data[0] + 1u, cp))
      return 0;
    auto again = actors::encode_agent_checkpoint(cp);
    actors::agent_checkpoint cp2;
    require(!actors::decode_agent_checkpoint(again, actors::agent_checkpoint::version, cp2),
            "an agent checkpoint it wrote decodes");
    require(actors::encode_agent_checkpoint(cp2) == again, "decoding and encoding are stable");
    return 0;
  }
  auto s = actors::strategy_registry::instance().make(strategies[data[0] % strategies.size()]);
  if (s->restore(blob, 1))
    return 0;
  auto again = s->save();
  auto s2 = actors::strategy_registry::instance().make(s->name());
  require(!s2->restore(again, s->state_version()), "a strategy state it wrote decodes");
  require(s2->save() == again, "decoding and encoding are stable");
  return 0;
}
