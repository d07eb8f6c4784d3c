// Test kinds for supervision tests.
//
// "probe": a persistent actor with an integer state that records what happens
// to it (construct, start with the restored value, stop) in a global event
// log, so tests can assert start and stop order. Parameters:
//   fail_start=true   fails right after starting (a start that cannot work)
//   stubborn=true     ignores exit requests (only a kill stops it)
// Messages: (add_atom, int32) -> new value, saved as a checkpoint;
// (get_atom) -> value; (close_atom) -> exits normally.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/kind_registry.hpp"
#include "runtime/managed_actor.hpp"
#include "runtime/status_fields.hpp"

namespace tfarm::test {

/// What probes did, in order ("start:/a/b:5", "stop:/a/b"). The test
/// coordinator runs everything on the test's thread, so no lock is needed;
/// threaded tests use only counts after joining.
std::vector<std::string>& probe_events();

/// Events of one type ("start", "stop"), as paths, in order.
std::vector<std::string> probe_paths(const std::string& type);

struct probe_status {
  int32_t value = 0;
};

TFARM_STATUS_FIELDS(probe_status, "tfarm.probe_status", value)

class probe : public runtime::managed_actor {
public:
  probe(caf::actor_config& cfg, runtime::spawn_context ctx);

  caf::behavior make_behavior() override;

  void on_exit() override;

  static runtime::kind_info kind();

protected:
  bool has_state() const override { return true; }
  std::string save_state() override;
  caf::error restore_state(const std::string& blob, uint32_t version) override;
  std::string describe() const override;

private:
  int32_t value_ = 0;
};

/// Built-in kinds plus "probe".
runtime::kind_registry test_kinds();

} // namespace tfarm::test
