#include "persistence/backup_scheduler.hpp"

#include <algorithm>
#include <ctime>
#include <filesystem>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "config/duration.hpp"
#include "config/limits.hpp"
#include "persistence/logger.hpp"
#include "persistence/maintenance.hpp"
#include "persistence/store_actor.hpp"
#include "runtime/error_text.hpp"
#include "runtime/status_json.hpp"

namespace tfarm::persistence {

namespace fs = std::filesystem;

namespace {

// What backups of `db` are called: "<stem>-<UTC time><suffix>", the stem
// the file's (SQLite) or the database's name (PostgreSQL, a pg_dump).
std::string stem_of(const std::string& db) {
  if (!is_postgres_url(db))
    return fs::path{db}.stem().string();
  auto name = db.substr(db.find("://") + 3);
  name = name.substr(0, name.find('?'));
  auto slash = name.find('/');
  name = slash == std::string::npos ? std::string{} : name.substr(slash + 1);
  return name.empty() ? "postgres" : name;
}

std::string suffix_of(const std::string& db) {
  return is_postgres_url(db) ? ".dump" : ".db";
}

} // namespace

runtime::child_spec backup_spec(const config::farm_config& farm) {
  backup_params p;
  p.db = farm.store.target();
  p.dir = farm.backup.dir;
  p.every_ms = farm.backup.every.count();
  p.keep = farm.backup.keep;
  p.max_age_ms = farm.backup.max_age.count();
  return runtime::spec_with("backup", "backup_scheduler", p);
}

backup_scheduler::backup_scheduler(caf::actor_config& cfg, runtime::spawn_context ctx)
    : runtime::managed_actor(cfg, std::move(ctx)) {
  auto p = runtime::params_of<backup_params>(spec());
  db_ = p.db;
  dir_ = p.dir;
  every_ = std::chrono::milliseconds{std::max<int64_t>(config::backup_interval_ms_min, p.every_ms)};
  keep_ = static_cast<int32_t>(std::min<int64_t>(p.keep, INT32_MAX));
  max_age_ = std::chrono::milliseconds{p.max_age_ms};
}

runtime::kind_info backup_scheduler::kind() {
  return runtime::make_kind<backup_scheduler, caf::detached>(
      "backup_scheduler", "online database backups on a schedule, with retention");
}

caf::behavior backup_scheduler::make_behavior() {
  delayed_send(this, every_, caf::tick_atom_v);
  return {
      [this](caf::tick_atom) {
        run_backup();
        delayed_send(this, every_, caf::tick_atom_v);
      },
  };
}

void backup_scheduler::run_backup() {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  auto out =
      (fs::path{dir_} / (stem_of(db_) + "-" + utc_stamp_compact() + suffix_of(db_))).string();
  auto x = make_audit(path(), "system", "", "");
  if (auto err = backup_database(db_, out)) {
    ++failures_;
    last_error_ = runtime::to_text(err);
    log().error("scheduled backup failed: {}", last_error_);
    x.action = "db.backup.failed";
    x.detail = last_error_;
  } else {
    ++backups_;
    last_backup_ = out;
    last_error_.clear();
    auto pruned = prune(dir_, stem_of(db_), keep_, max_age_, suffix_of(db_));
    log().info("scheduled backup written to {} ({} old backups removed)", out, pruned.size());
    x.action = "db.backup";
    x.detail =
        out + (pruned.empty() ? "" : "; removed " + std::to_string(pruned.size()) + " old backups");
  }
  if (node())
    if (auto store = caf::actor_cast<store_actor>(node()->store()))
      caf::anon_send(store, append_audit_atom_v, std::move(x));
  publish_description();
}

std::vector<std::string> backup_scheduler::prune(const std::string& dir, const std::string& db_stem,
                                                 int32_t keep, std::chrono::milliseconds max_age,
                                                 const std::string& suffix) {
  std::vector<fs::path> backups;
  std::error_code ec;
  for (auto& entry : fs::directory_iterator{dir, ec}) {
    auto name = entry.path().filename().string();
    // "<stem>-YYYYmmddTHHMMSSZ<suffix>"
    if (name.size() == db_stem.size() + 17 + suffix.size() &&
        name.compare(0, db_stem.size() + 1, db_stem + "-") == 0 &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
        name[name.size() - suffix.size() - 1] == 'Z')
      backups.push_back(entry.path());
  }
  std::sort(backups.begin(), backups.end()); // the name sorts by time
  std::vector<std::string> removed;
  auto now = fs::file_time_type::clock::now();
  for (size_t i = 0; i < backups.size(); ++i) {
    auto too_many = backups.size() - i > static_cast<size_t>(keep);
    auto age = now - fs::last_write_time(backups[i], ec);
    auto too_old = !ec && age > max_age;
    if (too_many || too_old) {
      if (fs::remove(backups[i], ec))
        removed.push_back(backups[i].string());
    }
  }
  return removed;
}

std::string backup_scheduler::describe() const {
  return runtime::status_json(backup_status{redact_url(db_), dir_, every_.count(), keep_, backups_,
                                            failures_, last_backup_, last_error_});
}

} // namespace tfarm::persistence
