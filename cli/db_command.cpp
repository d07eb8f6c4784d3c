#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/app.hpp"
#include "cli/commands.hpp"
#include "cli/db_option.hpp"
#include "config/limits.hpp"
#include "persistence/database.hpp"
#include "persistence/error.hpp"
#include "persistence/maintenance.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::cli {

namespace {

constexpr int64_t day_ms = 86'400'000;

int fail(const std::string& command, const caf::error& err) {
  std::cerr << "tfarm " << command << ": error: " << runtime::to_text(err) << '\n';
  return exit_failure;
}

} // namespace

void add_db_command(CLI::App& app, const global_options& globals, int& result) {
  auto db = app.add_subcommand(
      "db", "Back up, restore and check a node's database (an SQLite file or PostgreSQL)");
  db->require_subcommand(1);
  auto file = std::make_shared<std::string>("tfarm.db");

  auto backup = db->add_subcommand(
      "backup", "Write a consistent copy, safe while a node writes, and verify it (SQLite: "
                "online backup, PRAGMA integrity_check; PostgreSQL: pg_dump's custom format, "
                "pg_restore --list)");
  auto out = std::make_shared<std::string>();
  add_db_option(backup, *file, "database to back up");
  backup->add_option("--out", *out, "backup file to write")->required();
  backup->callback([file, out, &globals, &result] {
    if (!apply_logging(globals)) {
      result = exit_usage;
      return;
    }
    persistence::register_error_names();
    if (auto err = persistence::backup_database(*file, *out)) {
      result = fail("db backup", err);
      return;
    }
    std::cout << "backup of " << shown_db(*file) << " written to " << *out
              << (persistence::is_postgres_url(*file) ? " (verified: pg_restore --list)\n"
                                                      : " (integrity check: ok)\n");
    result = exit_ok;
  });

  auto restore = db->add_subcommand(
      "restore", "Replace the database with a backup: refused while a node uses it or when the "
                 "backup fails its check; SQLite keeps the replaced file aside, PostgreSQL "
                 "restores only into an empty database");
  auto from = std::make_shared<std::string>();
  add_db_option(restore, *file, "database to replace");
  restore->add_option("--from", *from, "backup file")->required();
  restore->callback([file, from, &globals, &result] {
    if (!apply_logging(globals)) {
      result = exit_usage;
      return;
    }
    persistence::register_error_names();
    auto report = persistence::restore_database(*file, *from, persistence::operator_name());
    if (!report) {
      result = fail("db restore", report.error());
      return;
    }
    std::cout << "restored " << shown_db(*file) << " from " << *from;
    if (!report->kept_aside.empty())
      std::cout << "; the replaced database is kept at " << report->kept_aside;
    std::cout << '\n';
    result = exit_ok;
  });

  auto check = db->add_subcommand(
      "check", "The database's integrity (SQLite: PRAGMA integrity_check), the ledger and the "
               "trading invariants; prints each finding, exit 0 when clean (work the next start "
               "finishes is listed, not a "
               "problem), 1 otherwise");
  add_db_option(check, *file, "database to check");
  check->callback([file, &globals, &result] {
    if (!apply_logging(globals)) {
      result = exit_usage;
      return;
    }
    persistence::register_error_names();
    auto findings = persistence::check_database(*file);
    if (!findings) {
      result = fail("db check", findings.error());
      return;
    }
    auto name = shown_db(*file);
    for (auto& f : findings->problems)
      std::cout << name << ": " << f << '\n';
    for (auto& f : findings->pending)
      std::cout << name << ": " << f << '\n';
    auto& problems = findings->problems;
    if (!findings->pending.empty())
      std::cout << name << ": " << findings->pending.size()
                << " pending (finished when the node next starts)\n";
    if (problems.empty()) {
      std::cout << name << ": clean\n";
      result = exit_ok;
    } else {
      std::cout << name << ": " << problems.size() << " problem"
                << (problems.size() == 1 ? "" : "s") << '\n';
      result = exit_failure;
    }
  });
}

void add_audit_command(CLI::App& app, const global_options& globals, int& result) {
  auto cmd = app.add_subcommand("audit", "Show the audit log of the last N days");
  auto file = std::make_shared<std::string>("tfarm.db");
  auto days = std::make_shared<int>(7);
  auto json = std::make_shared<bool>(false);
  add_db_option(cmd, *file, "database whose audit log to show");
  cmd->add_option("--days", *days, "how many days back")
      ->capture_default_str()
      ->check(CLI::Range(1, 36'600));
  cmd->add_flag("--json", *json, "one JSON array instead of a table");
  cmd->callback([file, days, json, &globals, &result] {
    if (!apply_logging(globals)) {
      result = exit_usage;
      return;
    }
    persistence::register_error_names();
    auto since = runtime::unix_now_ms() - static_cast<int64_t>(*days) * day_ms;
    auto records = persistence::read_audit(*file, since, config::audit_query_rows_max);
    if (!records) {
      result = fail("audit", records.error());
      return;
    }
    if (*json) {
      auto arr = nlohmann::json::array();
      for (auto& r : *records)
        arr.push_back({{"id", r.id},
                       {"ts", persistence::format_utc(r.ts_ms)},
                       {"ts_ms", r.ts_ms},
                       {"actor", r.actor},
                       {"user", r.user},
                       {"action", r.action},
                       {"detail", r.detail}});
      std::cout << arr.dump(2) << '\n';
    } else {
      for (auto& r : *records)
        std::cout << persistence::format_utc(r.ts_ms) << "  " << r.actor << "  " << r.user << "  "
                  << r.action << (r.detail.empty() ? "" : "  " + r.detail) << '\n';
      std::cout << records->size() << " audit record" << (records->size() == 1 ? "" : "s")
                << " in the last " << *days << " day" << (*days == 1 ? "" : "s") << '\n';
    }
    result = exit_ok;
  });
}

} // namespace tfarm::cli
