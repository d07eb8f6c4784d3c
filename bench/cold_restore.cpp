// cold_restore: a node starts on a database holding 100,000 actors'
// checkpoints (10,000 users with 10 heartbeat agents each) and restores every
// one of them. `seconds` runs from opening the database to the last actor
// holding its restored state; `rss_mb` is the process's resident memory then.
// The baseline, in the same run on the same file: raw SQLiteCpp reading
// every checkpoint row and raw CAF spawning one actor per row, each given
// its blob, which it decodes (no supervision, registry or store); `ratio`
// is the baseline's seconds over the node's.
#include <atomic>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "persistence/sqlite_connection.hpp"

#include "bench/bench_support.hpp"
#include "persistence/database.hpp"
#include "persistence/kinds.hpp"
#include "persistence/maintenance.hpp"
#include "persistence/sqlite_store.hpp"
#include "runtime/builtin_kinds.hpp"
#include "runtime/heartbeat.hpp"
#include "runtime/node.hpp"
#include "runtime/state_codec.hpp"

namespace tfarm::bench {

namespace {

constexpr uint64_t actor_count = 100'000;
constexpr uint64_t agents_per_user = 10;
constexpr auto restore_deadline = std::chrono::seconds{120};

double rss_mb() {
  return rss_bytes() / 1024.0 / 1024.0;
}

std::string agent_path(uint64_t i) {
  return "/user/u" + std::to_string(i / agents_per_user) + "/a" +
         std::to_string(i % agents_per_user);
}

void fill_database(const std::string& file, uint64_t actors) {
  auto db = persistence::open_database(file);
  if (!db)
    throw std::runtime_error(runtime::to_text(db.error()));
  // Raw SQLiteCpp on the connection the store would use (same PRAGMAs).
  auto& d = static_cast<persistence::sqlite_connection&>(**db).native();
  SQLite::Statement ins{d, "INSERT INTO checkpoints "
                           "(path, slot, kind, seq, format_version, blob, crc32, updated_at) "
                           "VALUES (?, 0, 'heartbeat', ?, 1, ?, ?, 0)"};
  d.exec("BEGIN");
  for (uint64_t i = 0; i < actors; ++i) {
    runtime::heartbeat::state st;
    st.beats = i + 1;
    auto blob = runtime::encode_state(st);
    ins.bind(1, agent_path(i));
    ins.bind(2, static_cast<int64_t>(i + 1));
    ins.bind(3, blob.data(), static_cast<int>(blob.size()));
    ins.bind(4, static_cast<int64_t>(runtime::crc32(blob)));
    ins.exec();
    ins.reset();
  }
  d.exec("COMMIT");
}

/// Seconds until `actors` raw CAF actors, one per checkpoint row read with
/// SQLiteCpp from `file`, have each decoded the blob it was spawned with.
double raw_restore_seconds(const std::string& file, uint64_t actors, const scenario_options& opts) {
  auto cfg = make_config(opts);
  caf::actor_system sys{*cfg};
  std::atomic<uint64_t> decoded{0};
  std::atomic<uint64_t> failed{0};
  std::vector<caf::actor> spawned;
  spawned.reserve(actors);
  auto start = now_ns();
  {
    SQLite::Database db{file, SQLite::OPEN_READONLY};
    SQLite::Statement rows{db, "SELECT path, blob FROM checkpoints WHERE kind = 'heartbeat'"};
    while (rows.executeStep()) {
      auto blob = rows.getColumn(1).getString();
      spawned.push_back(
          sys.spawn([&decoded, &failed, blob = std::move(blob)](caf::event_based_actor*) {
            runtime::heartbeat::state st;
            if (runtime::decode_state(blob, st))
              ++failed;
            ++decoded;
            return caf::behavior{[](caf::get_atom) {}};
          }));
    }
  }
  auto deadline = std::chrono::steady_clock::now() + restore_deadline;
  while (decoded < spawned.size() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  auto seconds = static_cast<double>(now_ns() - start) / 1e9;
  for (auto& a : spawned)
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  if (spawned.size() != actors || decoded != actors || failed > 0)
    throw std::runtime_error("raw baseline: " + std::to_string(decoded.load()) + " of " +
                             std::to_string(actors) + " blobs decoded, " +
                             std::to_string(failed.load()) + " failed");
  return seconds;
}

config::farm_config make_farm(const std::string& file, uint64_t actors) {
  config::farm_config farm;
  farm.node.name = "cold";
  farm.node.shutdown_timeout = std::chrono::minutes{5};
  farm.store.path = file;
  for (uint64_t u = 0; u * agents_per_user < actors; ++u) {
    config::user_spec user;
    user.name = "u" + std::to_string(u);
    for (uint64_t a = 0; a < agents_per_user && u * agents_per_user + a < actors; ++a)
      user.agents.push_back(config::agent_spec{
          "a" + std::to_string(a), "heartbeat", {{"interval", "1h"}}, {0, 0}, {}});
    farm.users.push_back(std::move(user));
  }
  for (auto path : {"/user", "/user/*"}) {
    config::supervisor_policy p;
    p.path = path;
    p.parallel_shutdown = true;
    farm.policies.add(p);
  }
  return farm;
}

} // namespace

nlohmann::json cold_restore(const scenario_options& opts) {
  temp_dir dir{opts.dir};
  auto actors = scaled(actor_count, opts);
  auto file = dir.file("cold.db");
  fill_database(file, actors);
  // The baseline reads a copy as it is now: the node writes checkpoints.
  auto raw_copy = dir.file("raw.db");
  SQLite::Database{file, SQLite::OPEN_READWRITE}.exec("VACUUM INTO '" + raw_copy + "'");
  auto start = now_ns();
  auto preload = persistence::prepare_database(file, persistence::open_options{});
  if (!preload)
    throw std::runtime_error(runtime::to_text(preload.error()));
  runtime::node_options node_opts;
  node_opts.farm = make_farm(file, actors);
  node_opts.kinds = runtime::builtin_kinds();
  persistence::add_kinds(node_opts.kinds);
  node_opts.store = persistence::sqlite_store_spec(node_opts.farm);
  node_opts.preload = std::move(*preload);
  node_opts.preload_complete = true;
  node_opts.configure = persistence::configure;
  if (opts.threads > 0)
    node_opts.farm.node.scheduler_threads = static_cast<int32_t>(opts.threads);
  auto node = runtime::node::start(std::move(node_opts));
  if (!node)
    throw std::runtime_error(runtime::to_text(node.error()));
  // Every agent restored: its registry entry carries the restored sequence.
  auto deadline = std::chrono::steady_clock::now() + restore_deadline;
  uint64_t restored = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    restored = 0;
    (*node)->context().registry().for_each([&](const runtime::registry_entry& e) {
      if (e.kind() == "heartbeat" && e.checkpoint_seq() > 0)
        ++restored;
    });
    if (restored == actors)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  auto seconds = static_cast<double>(now_ns() - start) / 1e9;
  auto rss = rss_mb();
  if (restored != actors)
    throw std::runtime_error("only " + std::to_string(restored) + " of " + std::to_string(actors) +
                             " actors restored");
  auto stop_start = now_ns();
  auto report = (*node)->stop();
  auto stop_seconds = static_cast<double>(now_ns() - stop_start) / 1e9;
  // After the node (its resident memory is measured above without it).
  auto baseline = raw_restore_seconds(raw_copy, actors, opts);
  nlohmann::json j;
  j["scenario"] = "cold_restore";
  j["actors"] = actors;
  j["seconds"] = std::round(seconds * 100) / 100;
  j["baseline"] = std::round(baseline * 100) / 100;
  j["baseline_kind"] =
      "raw SQLiteCpp read of the rows, one raw CAF actor per row decoding its blob";
  j["ratio"] = std::round(baseline / seconds * 1000) / 1000;
  j["rss_mb"] = std::round(rss);
  j["stop_seconds"] = std::round(stop_seconds * 100) / 100;
  j["stopped_cleanly"] = report.clean;
  return j;
}

} // namespace tfarm::bench
