// The in-memory checkpoint store: the checkpoint_store_actor interface over a
// map, for nodes without a database and for tests. persistence/ implements
// the same interface over SQLite.
//
// The data lives in a memory_checkpoint_backend owned by the node context, so
// it survives restarts of the store actor (but not of the process).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "runtime/checkpoint.hpp"
#include "runtime/interfaces.hpp"
#include "runtime/managed_actor.hpp"
#include "runtime/status_fields.hpp"

namespace tfarm::runtime {

/// Thread-safe map of the newest checkpoint per path.
class memory_checkpoint_backend {
public:
  /// Stores `x` under a new sequence number (greater than any before) and
  /// returns that number.
  uint64_t save(checkpoint x);

  /// The newest checkpoint of `path` (empty() if none).
  checkpoint load(const std::string& path) const;

  /// The newest checkpoints of `path`, newest first (at most
  /// checkpoint_versions_kept).
  std::vector<checkpoint> load_versions(const std::string& path) const;

  std::size_t size() const;

private:
  mutable std::mutex mtx_;
  uint64_t last_seq_ = 0;
  /// Newest first.
  std::map<std::string, std::vector<checkpoint>> by_path_;
};

struct memory_store_status {
  /// Checkpoints held; saves and loads answered.
  uint64_t checkpoints = 0;
  uint64_t saves = 0;
  uint64_t loads = 0;
};

TFARM_STATUS_FIELDS(memory_store_status, "tfarm.memory_store_status", checkpoints, saves, loads)

class memory_checkpoint_store : public basic_managed_actor<checkpoint_store_actor::base> {
public:
  using super = basic_managed_actor<checkpoint_store_actor::base>;

  memory_checkpoint_store(caf::actor_config& cfg, spawn_context ctx);

  behavior_type make_behavior() override;

protected:
  std::string describe() const override;

private:
  std::shared_ptr<memory_checkpoint_backend> backend_;
  uint64_t saves_ = 0;
  uint64_t loads_ = 0;
};

} // namespace tfarm::runtime
