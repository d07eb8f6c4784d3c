// order_pipeline: the whole order path, sustained: market tick -> strategy
// decision -> risk gate -> durable vault reservation -> exchange session
// (order recorded durably before it leaves) -> match at the simulated venue
// -> fill -> durable settlement -> agent -> durable release, with
// synchronous=FULL. Trading agents (one user, account and session each)
// keep a window of market orders working, topped up on every tick and
// fill. The figure is completed orders per second over the measured span;
// p50/p99 are tick to fill seen by the agent. The baseline is raw SQLiteCpp
// inserting ledger rows in the store's average group-commit size, in the
// same run, on the same disk.
#include <algorithm>
#include <thread>

#include <caf/scoped_actor.hpp>
#include <nlohmann/json.hpp>

#include "actors/agent/agent_interfaces.hpp"
#include "actors/agent/strategy.hpp"
#include "actors/vault/vault_setup.hpp"
#include "bench/bench_support.hpp"
#include "bench/pg_bench.hpp"
#include "bench/pipeline_farm.hpp"
#include "bench/raw_sqlite.hpp"
#include "bench/sqlite_node.hpp"
#include "runtime/node.hpp"

namespace tfarm::bench {

namespace {

/// Orders each agent keeps working.
constexpr int64_t window_per_agent = 32;
constexpr auto warmup = std::chrono::seconds{2};
/// The measured span: at least 10 s sustained (scaled down for smoke runs).
constexpr int64_t measure_ms = 10'000;
constexpr int64_t measure_ms_min = 1'000;

/// Keeps `window` market orders of one unit working, alternating sides so
/// that the position stays near zero.
class pipeline_strategy : public actors::strategy {
public:
  std::string name() const override { return "pipeline_bench"; }

  caf::error configure(const std::map<std::string, std::string>& params) override {
    if (auto err = actors::only_params(params, {"window"}, name()))
      return err;
    return actors::int_param(params, "window", 1, 10'000, window_);
  }

  void on_start(actors::strategy_context& ctx) override { top_up(ctx); }
  void on_tick(const actors::market_tick&, actors::strategy_context& ctx) override { top_up(ctx); }
  void on_fill(const actors::venue_fill&, const std::string&,
               actors::strategy_context& ctx) override {
    top_up(ctx);
  }

  std::string save() const override { return {}; }
  caf::error restore(const std::string&, uint32_t) override { return {}; }

private:
  void top_up(actors::strategy_context& ctx) {
    auto working = static_cast<int64_t>(ctx.open_tags.size());
    for (auto i = working; i < window_; ++i) {
      actors::strategy_order o;
      o.s = buy_ ? actors::side::buy : actors::side::sell;
      buy_ = !buy_;
      o.type = actors::order_type::market;
      o.qty = 1;
      o.tag = "p";
      ctx.place(o);
    }
  }

  int64_t window_ = window_per_agent;
  bool buy_ = true;
};

actors::register_strategy<pipeline_strategy> registration{"pipeline_bench"};

uint64_t store_counter(runtime::node& n, const char* key) {
  auto j = nlohmann::json::parse(n.context().registry().find("/store")->snapshot().state_json);
  return j.value(key, uint64_t{0});
}

nlohmann::json run(const scenario_options& opts, bool pg) {
  temp_dir dir{opts.dir};
  auto farm = pipeline_farm(pg ? pg_bench_database("pipeline") : dir.file("pipeline.db"), opts,
                            "pipeline_bench", {{"window", std::to_string(window_per_agent)}});
  auto n = start_sqlite_node(farm);
  if (auto err = actors::open_configured_accounts(n->system(), actors::find_gateway(n->context()),
                                                  farm, std::chrono::seconds{60}))
    throw std::runtime_error(runtime::to_text(err));
  std::this_thread::sleep_for(warmup); // a fixed span to measure over, not synchronization
  auto span = std::chrono::milliseconds{std::max<int64_t>(
      measure_ms_min, static_cast<int64_t>(static_cast<double>(measure_ms) * opts.scale))};
  auto before = pipeline_statuses(*n);
  auto commits0 = store_counter(*n, "commits");
  auto rows0 = store_counter(*n, "rows");
  auto t0 = runtime::steady_now_ns();
  std::this_thread::sleep_for(span);
  auto after = pipeline_statuses(*n);
  auto seconds = static_cast<double>(runtime::steady_now_ns() - t0) / 1e9;
  auto commits = store_counter(*n, "commits") - commits0;
  auto rows = store_counter(*n, "rows") - rows0;
  n->stop();
  auto filled = total_fills(after) - total_fills(before);
  uint64_t sent = 0;
  uint64_t rejected = 0;
  std::vector<double> p50s;
  double p99 = 0;
  for (size_t i = 0; i < after.size(); ++i) {
    sent += after[i].orders - before[i].orders;
    rejected += after[i].rejected - before[i].rejected;
    p50s.push_back(static_cast<double>(after[i].tick_to_fill_p50_us));
    p99 = std::max(p99, static_cast<double>(after[i].tick_to_fill_p99_us));
  }
  auto batch = std::max<uint64_t>(1, commits > 0 ? rows / commits : 1);
  auto baseline_rows = std::max<uint64_t>(rows, scaled(100'000, opts));
  auto baseline =
      pg ? raw_pg_ledger_rows_per_s(pg_bench_database("pipelineraw"), baseline_rows, batch, 1'000)
         : raw_ledger_rows_per_s(dir.file("raw.db"), baseline_rows, batch, 1'000);
  auto value = static_cast<double>(filled) / seconds;
  nlohmann::json j;
  j["scenario"] = pg ? "order_pipeline_pg" : "order_pipeline";
  if (pg)
    j["baseline_kind"] = "raw libpq, pipeline mode, one transaction per batch";
  j["value"] = std::llround(value);
  j["baseline"] = std::llround(baseline);
  j["ratio"] = std::round(value / baseline * 1000) / 1000;
  j["p50_us"] = std::round(percentile(p50s, 50));
  j["p99_us"] = std::round(p99);
  j["seconds"] = std::round(seconds * 10) / 10;
  j["orders_sent"] = sent;
  j["rejected"] = rejected;
  j["agents"] = pipeline_agents_n;
  j["in_flight"] = pipeline_agents_n * window_per_agent;
  j["store_rows_per_order"] =
      filled > 0 ? std::round(static_cast<double>(rows) / static_cast<double>(filled) * 10) / 10
                 : 0.0;
  // The same run in rows: what the store wrote durably per second against
  // what raw SQLite writes (`ratio` divides orders by rows, so
  // it cannot pass 1 / store_rows_per_order even at raw speed).
  j["store_rows_per_s"] = std::llround(static_cast<double>(rows) / seconds);
  j["row_ratio"] = std::round(static_cast<double>(rows) / seconds / baseline * 1000) / 1000;
  j["avg_batch_rows"] = batch;
  j["synchronous"] = pg ? "synchronous_commit=on, fsync=on" : "full";
  j["target"] = 50'000;
  return j;
}

} // namespace

nlohmann::json order_pipeline(const scenario_options& opts) {
  return run(opts, false);
}

nlohmann::json order_pipeline_pg(const scenario_options& opts) {
  return run(opts, true);
}

} // namespace tfarm::bench
