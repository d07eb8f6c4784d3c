// order_latency: the order path of order_pipeline (tick -> strategy -> risk
// gate -> durable reserve with the order's record -> session -> match ->
// fill -> durable settle with the fill -> durable release) held at a fixed offered load
// instead of a fixed window: the agents place market orders at a steady
// rate (500, 1,000, 2,000 and 4,000 orders/s in all, each load on a fresh
// node and database), and the figure is the latency from the tick whose
// callback placed an order to the fill reaching the strategy, p50 and p99
// over the measured span. An order the agent could not place because
// `window_max` orders were already working is counted as shed: the load
// is open, so a saturated path shows as shed orders and a growing p99, not
// as a lower offered rate. The baseline is twice the p50 of one raw
// SQLiteCpp transaction (two ledger entries, synchronous=FULL) measured in
// the same run on the same disk: the least an order whose money and id are
// durable before it leaves, and whose fill is settled durably, can cost.
// One JSON line per load.
#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "actors/agent/strategy.hpp"
#include "actors/vault/vault_setup.hpp"
#include "bench/bench_support.hpp"
#include "bench/pipeline_farm.hpp"
#include "bench/raw_sqlite.hpp"
#include "bench/sqlite_node.hpp"

namespace tfarm::bench {

namespace {

/// The offered loads, orders per second over all agents.
constexpr std::array<int64_t, 4> offered_loads_per_s{500, 1'000, 2'000, 4'000};
/// Orders an agent may have working before it sheds (at 4,000 orders/s and
/// ~100 ms of latency an agent has ~50 working).
constexpr int64_t window_max = 2'000;
constexpr int64_t warmup_ms = 2'000;
constexpr int64_t warmup_ms_min = 500;
constexpr int64_t measure_ms = 10'000;
constexpr int64_t measure_ms_min = 1'000;
/// Raw commits timed for the baseline.
constexpr uint64_t baseline_commits = 2'000;
constexpr uint64_t baseline_commits_min = 50;

/// Every strategy instance's samples; recorded only while `measuring`.
struct latency_samples {
  std::atomic<bool> measuring{false};
  std::atomic<uint64_t> shed{0};
  std::atomic<uint64_t> placed{0};
  std::mutex mutex;
  std::vector<double> tick_to_fill_us;

  void reset() {
    std::lock_guard<std::mutex> guard{mutex};
    tick_to_fill_us.clear();
    shed = 0;
    placed = 0;
  }
};

latency_samples& samples() {
  static latency_samples instance;
  return instance;
}

/// Places one-unit market orders, alternating sides, at `per_minute`
/// orders a minute, on ticks (the venue sends one a millisecond); notes
/// when each left the callback that placed it and, at its fill, the time
/// since.
class latency_strategy : public actors::strategy {
public:
  std::string name() const override { return "latency_bench"; }

  caf::error configure(const std::map<std::string, std::string>& params) override {
    if (auto err = actors::only_params(params, {"per_minute"}, name()))
      return err;
    return actors::int_param(params, "per_minute", 1, 60'000'000, per_minute_);
  }

  void on_tick(const actors::market_tick&, actors::strategy_context& ctx) override {
    auto now = runtime::steady_now_ns();
    if (start_ns_ == 0)
      start_ns_ = now;
    auto due = (now - start_ns_) / 1'000'000 * per_minute_ / 60'000;
    auto working = static_cast<int64_t>(ctx.open_tags.size());
    auto& s = samples();
    for (; due_ < due; ++due_) {
      if (working >= window_max) {
        if (s.measuring)
          ++s.shed;
        continue;
      }
      actors::strategy_order o;
      o.s = buy_ ? actors::side::buy : actors::side::sell;
      buy_ = !buy_;
      o.type = actors::order_type::market;
      o.qty = 1;
      o.tag = "o" + std::to_string(next_++);
      placed_at_ns_[o.tag] = now;
      ctx.place(std::move(o));
      ++working;
      if (s.measuring)
        ++s.placed;
    }
  }

  void on_fill(const actors::venue_fill&, const std::string& tag,
               actors::strategy_context&) override {
    auto i = placed_at_ns_.find(tag);
    if (i == placed_at_ns_.end())
      return;
    auto us = static_cast<double>(runtime::steady_now_ns() - i->second) / 1e3;
    placed_at_ns_.erase(i);
    auto& s = samples();
    if (s.measuring) {
      std::lock_guard<std::mutex> guard{s.mutex};
      s.tick_to_fill_us.push_back(us);
    }
  }

  std::string save() const override { return {}; }
  caf::error restore(const std::string&, uint32_t) override { return {}; }

private:
  int64_t per_minute_ = 0;
  int64_t start_ns_ = 0;
  int64_t due_ = 0;
  uint64_t next_ = 0;
  bool buy_ = true;
  std::unordered_map<std::string, int64_t> placed_at_ns_;
};

actors::register_strategy<latency_strategy> registration{"latency_bench"};

nlohmann::json run_load(const scenario_options& opts, int64_t load_per_s, double baseline_us) {
  temp_dir dir{opts.dir};
  auto per_minute = load_per_s * 60 / pipeline_agents_n;
  auto farm = pipeline_farm(dir.file("latency.db"), opts, "latency_bench",
                            {{"per_minute", std::to_string(per_minute)}});
  auto n = start_sqlite_node(farm);
  if (auto err = actors::open_configured_accounts(n->system(), actors::find_gateway(n->context()),
                                                  farm, std::chrono::seconds{60}))
    throw std::runtime_error(runtime::to_text(err));
  auto& s = samples();
  s.reset();
  // Fixed spans to measure over, not synchronization.
  std::this_thread::sleep_for(std::chrono::milliseconds{std::max<int64_t>(
      warmup_ms_min, static_cast<int64_t>(static_cast<double>(warmup_ms) * opts.scale))});
  auto span = std::chrono::milliseconds{std::max<int64_t>(
      measure_ms_min, static_cast<int64_t>(static_cast<double>(measure_ms) * opts.scale))};
  auto before = total_fills(pipeline_statuses(*n));
  auto t0 = runtime::steady_now_ns();
  s.measuring = true;
  std::this_thread::sleep_for(span);
  s.measuring = false;
  auto seconds = static_cast<double>(runtime::steady_now_ns() - t0) / 1e9;
  auto filled = total_fills(pipeline_statuses(*n)) - before;
  n->stop();
  std::vector<double> latencies;
  {
    std::lock_guard<std::mutex> guard{s.mutex};
    latencies.swap(s.tick_to_fill_us);
  }
  if (latencies.empty())
    throw std::runtime_error("no order filled at " + std::to_string(load_per_s) + " orders/s");
  auto p50 = percentile(latencies, 50);
  nlohmann::json j;
  j["scenario"] = "order_latency";
  j["offered_per_s"] = load_per_s;
  j["value"] = std::llround(p50);
  j["p50_us"] = std::llround(p50);
  j["p99_us"] = std::llround(percentile(latencies, 99));
  j["baseline"] = std::llround(2 * baseline_us);
  j["baseline_kind"] = "two raw SQLiteCpp commits (p50), synchronous=FULL";
  j["ratio"] = std::round(2 * baseline_us / p50 * 1000) / 1000;
  j["filled_per_s"] = std::llround(static_cast<double>(filled) / seconds);
  j["placed"] = s.placed.load();
  j["shed"] = s.shed.load();
  j["samples"] = latencies.size();
  j["seconds"] = std::round(seconds * 10) / 10;
  j["agents"] = pipeline_agents_n;
  j["synchronous"] = "full";
  j["goal_at_1000"] = "p50 <= 3000 us, p99 <= 10000 us";
  return j;
}

} // namespace

nlohmann::json order_latency(const scenario_options& opts) {
  double baseline_us = 0;
  {
    temp_dir dir{opts.dir};
    auto commits = raw_commit_latencies_us(
        dir.file("raw.db"), std::max(baseline_commits_min, scaled(baseline_commits, opts)));
    baseline_us = percentile(commits, 50);
  }
  auto lines = nlohmann::json::array();
  for (auto load : offered_loads_per_s)
    lines.push_back(run_load(opts, load, baseline_us));
  return lines;
}

} // namespace tfarm::bench
