// The "backup_scheduler" kind: takes an online backup of the node's database
// every `every_ms` into `dir`, keeps at most `keep` of them and none older
// than `max_age_ms`, and audits each backup. Runs detached: a backup is
// blocking I/O and must not hold a scheduler thread.
//
// Backups are named "<db stem>-<UTC time>.db"; only files of that shape in
// `dir` are ever deleted.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "config/farm_config.hpp"
#include "config/limits.hpp"
#include "runtime/kind_params.hpp"
#include "runtime/kind_registry.hpp"
#include "runtime/managed_actor.hpp"
#include "runtime/status_fields.hpp"

namespace tfarm::persistence {

/// The backup scheduler's registry status.
struct backup_status {
  std::string db;
  std::string dir;
  int64_t every_ms = 0;
  /// Backups kept (older ones are deleted).
  int32_t keep = 0;
  uint64_t backups = 0;
  uint64_t failures = 0;
  /// The newest backup's file ("" before the first).
  std::string last_backup;
  /// The newest failure ("" if none).
  std::string last_error;
};

TFARM_STATUS_FIELDS(backup_status, "tfarm.backup_status", db, dir, every_ms, keep, backups,
                    failures, last_backup, last_error)

/// The "backup_scheduler" kind's parameters.
struct backup_params {
  /// The database to back up and the directory backups go to.
  std::string db = "tfarm.db";
  std::string dir = "backups";
  /// Between backups, milliseconds (at least backup_interval_ms_min).
  int64_t every_ms = 3'600'000;
  /// Backups kept; older ones, and any older than max_age_ms, are deleted.
  int64_t keep = config::backup_keep_default;
  int64_t max_age_ms = config::backup_max_age_ms_default;
};

TFARM_PARAM_FIELDS(backup_params, db, dir, every_ms, keep, max_age_ms)

/// The /backup child of a farm whose [backup] every is set.
runtime::child_spec backup_spec(const config::farm_config& farm);

class backup_scheduler : public runtime::managed_actor {
public:
  using params_type = backup_params;

  backup_scheduler(caf::actor_config& cfg, runtime::spawn_context ctx);

  caf::behavior make_behavior() override;

  static runtime::kind_info kind();

  /// Deletes backups of `db_stem` in `dir` ("<stem>-<UTC time><suffix>";
  /// ".db" for SQLite copies, ".dump" for pg_dump files) beyond `keep`
  /// (oldest first) or older than `max_age`; returns the deleted paths.
  static std::vector<std::string> prune(const std::string& dir, const std::string& db_stem,
                                        int32_t keep, std::chrono::milliseconds max_age,
                                        const std::string& suffix = ".db");

protected:
  std::string describe() const override;

private:
  void run_backup();

  std::string db_;
  std::string dir_;
  std::chrono::milliseconds every_;
  int32_t keep_;
  std::chrono::milliseconds max_age_;
  uint64_t backups_ = 0;
  uint64_t failures_ = 0;
  std::string last_backup_;
  std::string last_error_;
};

} // namespace tfarm::persistence
