// checkpoint_durable: 1,000 actors save 200-byte states through the store
// actor (synchronous=FULL), each with up to two saves outstanding; against raw SQLiteCpp inserts of
// the same rows into the same table, in transactions of the store's average group-commit size, in
// the same run, on the same disk. fsync times on shared disks drift, so three rounds alternate
// store and raw and the medians are reported.
#include <algorithm>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "persistence/sqlite_connection.hpp"
#include <nlohmann/json.hpp>

#include "bench/bench_support.hpp"
#include "bench/pg_bench.hpp"
#include "persistence/database.hpp"
#include "persistence/kinds.hpp"
#include "persistence/sqlite_store.hpp"
#include "runtime/builtin_kinds.hpp"
#include "runtime/managed_actor.hpp"

namespace tfarm::bench {

namespace {

constexpr uint64_t actor_count = 1'000;
constexpr uint64_t saves_per_actor = 60;
constexpr int rounds = 3;
constexpr size_t state_bytes = 200;
constexpr uint64_t saves_in_flight_max = 2;

struct ack_log {
  std::mutex mtx;
  std::vector<double> latencies_us;
};

// Saves its state `saves` times, keeping `saves_in_flight_max` saves
// outstanding: like an actor that checkpoints as its state changes and does
// not stop working while the store commits.
class saver : public runtime::managed_actor {
public:
  saver(caf::actor_config& cfg, runtime::spawn_context ctx, uint64_t saves, ack_log* log,
        caf::actor done)
      : runtime::managed_actor(cfg, std::move(ctx)), to_send_(saves), log_(log),
        done_(std::move(done)) {}

  caf::behavior make_behavior() override {
    return {[this](caf::tick_atom) {
      for (uint64_t i = 0; i < saves_in_flight_max && to_send_ > 0; ++i)
        save();
    }};
  }

protected:
  bool has_state() const override { return true; }

  std::string save_state() override {
    auto s = std::string(state_bytes, 's');
    auto n = std::to_string(to_send_);
    std::copy(n.begin(), n.end(), s.begin());
    return s;
  }

  void checkpoint_saved(uint64_t) override {
    // One store answers in order: the oldest save is the one acknowledged.
    latencies_.push_back(static_cast<double>(now_ns() - sent_ns_.front()) / 1000.0);
    sent_ns_.pop_front();
    if (to_send_ > 0) {
      save();
      return;
    }
    if (!sent_ns_.empty())
      return;
    {
      std::lock_guard<std::mutex> guard{log_->mtx};
      log_->latencies_us.insert(log_->latencies_us.end(), latencies_.begin(), latencies_.end());
    }
    anon_send(done_, caf::ok_atom_v);
  }

private:
  void save() {
    --to_send_;
    sent_ns_.push_back(now_ns());
    save_checkpoint();
  }

  uint64_t to_send_;
  ack_log* log_;
  caf::actor done_;
  std::deque<int64_t> sent_ns_;
  std::vector<double> latencies_;
};

// Raw SQLiteCpp: the same rows, the same table, transactions of `batch`.
double raw_rows_per_s(const std::string& file, uint64_t rows, uint64_t batch) {
  auto db = persistence::open_database(file);
  if (!db)
    throw std::runtime_error(runtime::to_text(db.error()));
  // Raw SQLiteCpp on the connection the store would use (same PRAGMAs).
  auto& d = static_cast<persistence::sqlite_connection&>(**db).native();
  SQLite::Statement ins{d, "INSERT OR REPLACE INTO checkpoints "
                           "(path, slot, kind, seq, format_version, blob, crc32, updated_at) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"};
  std::string blob(state_bytes, 's');
  auto crc = static_cast<int64_t>(runtime::crc32(blob));
  auto start = now_ns();
  for (uint64_t i = 0; i < rows;) {
    d.exec("BEGIN IMMEDIATE");
    for (uint64_t j = 0; j < batch && i < rows; ++j, ++i) {
      ins.bind(1, "/bench/a-" + std::to_string(i % actor_count));
      ins.bind(2, static_cast<int>((i / actor_count) % 2));
      ins.bind(3, "saver");
      ins.bind(4, static_cast<int64_t>(i + 1));
      ins.bind(5, 1);
      ins.bind(6, blob.data(), static_cast<int>(blob.size()));
      ins.bind(7, crc);
      ins.bind(8, static_cast<int64_t>(i));
      ins.exec();
      ins.reset();
    }
    d.exec("COMMIT");
  }
  return static_cast<double>(rows) / (static_cast<double>(now_ns() - start) / 1e9);
}

struct round_result {
  double value = 0;
  double baseline = 0;
  uint64_t batch = 0;
};

// One round: the store on `target`, then `raw(rows, batch)` in the store's
// average batch size.
round_result one_round(caf::actor_system& sys, const std::string& target,
                       const std::function<double(uint64_t, uint64_t)>& raw, uint64_t actors,
                       ack_log& log) {
  auto kinds = runtime::builtin_kinds();
  persistence::add_kinds(kinds);
  auto ctx = std::make_shared<runtime::node_context>(
      "bench", std::move(kinds), config::policy_set{}, config::runbook_limits{}, 1);
  runtime::child_spec store_spec{
      "store", "sqlite_store", {{"db", target}, {"synchronous", "full"}}, {}};
  auto store = ctx->kinds()
                   .find("sqlite_store")
                   ->spawn(sys, nullptr,
                           runtime::spawn_context{
                               "/store", store_spec, ctx, ctx->registry().add("/store", "s"), {}});
  if (!store)
    throw std::runtime_error(runtime::to_text(store.error()));
  round_result result;
  {
    caf::scoped_actor self{sys};
    // The store has opened its database before the clock starts.
    self->request(caf::actor_cast<persistence::store_actor>(*store), std::chrono::seconds{30},
                  persistence::flush_atom_v)
        .receive([](bool) {},
                 [](caf::error& err) { throw std::runtime_error(runtime::to_text(err)); });
    std::vector<caf::actor> savers;
    for (uint64_t i = 0; i < actors; ++i) {
      auto path = "/bench/a-" + std::to_string(i);
      runtime::child_spec spec{"a-" + std::to_string(i), "saver", {}, {}};
      savers.push_back(sys.spawn<saver>(
          runtime::spawn_context{path, spec, ctx, ctx->registry().add(path, "saver"), {}},
          saves_per_actor, &log, caf::actor_cast<caf::actor>(self)));
    }
    auto start = now_ns();
    for (auto& s : savers)
      self->send(s, caf::tick_atom_v);
    for (uint64_t i = 0; i < actors; ++i)
      self->receive([](caf::ok_atom) {},
                    caf::after(std::chrono::seconds{120}) >>
                        [] { throw std::runtime_error("savers did not finish"); });
    result.value = static_cast<double>(actors * saves_per_actor) /
                   (static_cast<double>(now_ns() - start) / 1e9);
    for (auto& s : savers)
      self->send_exit(s, caf::exit_reason::kill);
    self->monitor(*store);
    self->send_exit(*store, caf::exit_reason::user_shutdown);
    self->receive([](caf::down_msg&) {});
  }
  auto stats = nlohmann::json::parse(ctx->registry().find("/store")->snapshot().state_json);
  auto commits = stats["commits"].get<uint64_t>();
  auto rows = stats["rows"].get<uint64_t>();
  result.batch = std::max<uint64_t>(1, commits > 0 ? rows / commits : 1);
  ctx->set_store({});
  result.baseline = raw(actors * saves_per_actor, result.batch);
  return result;
}

nlohmann::json run(const scenario_options& opts, bool pg) {
  temp_dir dir{opts.dir};
  auto cfg = make_config(opts);
  persistence::configure(*cfg);
  caf::actor_system sys{*cfg};
  auto actors = scaled(actor_count, opts);
  ack_log log;
  std::vector<double> values;
  std::vector<double> baselines;
  std::vector<double> batches;
  for (int r = 0; r < rounds; ++r) {
    auto round = std::to_string(r);
    auto target = pg ? pg_bench_database("cp" + round) : dir.file("store-" + round + ".db");
    auto raw = [&](uint64_t rows, uint64_t batch) {
      return pg ? raw_pg_checkpoint_rows_per_s(pg_bench_database("cpraw" + round), rows, batch,
                                               actors, state_bytes)
                : raw_rows_per_s(dir.file("raw-" + round + ".db"), rows, batch);
    };
    auto x = one_round(sys, target, raw, actors, log);
    values.push_back(x.value);
    baselines.push_back(x.baseline);
    batches.push_back(static_cast<double>(x.batch));
  }
  auto value = percentile(values, 50);
  auto baseline = percentile(baselines, 50);
  nlohmann::json j;
  j["scenario"] = pg ? "checkpoint_durable_pg" : "checkpoint_durable";
  j["value"] = std::llround(value);
  j["baseline"] = std::llround(baseline);
  j["ratio"] = std::round(value / baseline * 1000) / 1000;
  j["p99_ack_us"] = std::round(percentile(log.latencies_us, 99));
  j["p50_ack_us"] = std::round(percentile(log.latencies_us, 50));
  j["checkpoints"] = actors * saves_per_actor * rounds;
  j["avg_batch"] = std::llround(percentile(batches, 50));
  j["synchronous"] = pg ? "synchronous_commit=on, fsync=on" : "full";
  if (pg)
    j["baseline_kind"] = "raw libpq, pipeline mode, one transaction per batch";
  return j;
}

} // namespace

nlohmann::json checkpoint_durable(const scenario_options& opts) {
  return run(opts, false);
}

nlohmann::json checkpoint_durable_pg(const scenario_options& opts) {
  return run(opts, true);
}

} // namespace tfarm::bench
