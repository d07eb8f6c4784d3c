// farm_scale: one node running 1,000, 3,000 and 10,000 trading agents at
// the runbook's default limits (10 agents a user; one vault account and one
// exchange session per 5 agents) on one simulated venue's market data (a
// step every 100 ms, its default), each size on a fresh node and database,
// 30 s measured once every agent runs. Per size: the node's resident memory
// per agent (what the process grew by from before the node started, with
// every session, account and supervisor it took), the CPU it used per
// agent, and the p99 from a book top's stamp at the venue to the strategy's
// callback on it in the agent (tick to decision); `running` counts the
// agents running at the end (all of them, or the goal is not met). The baseline is a raw CAF
// actor's resident memory in the same run: as many event-based actors, each holding a small state,
// spawned in a fresh actor system; ratio = raw bytes / agent bytes. One
// JSON line per size.
#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <random>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <nlohmann/json.hpp>

#include "actors/agent/strategy.hpp"
#include "actors/vault/vault_setup.hpp"
#include "bench/bench_support.hpp"
#include "bench/sqlite_node.hpp"
#include "runtime/clock.hpp"

namespace tfarm::bench {

namespace {

/// Agents per size (scaled, at least agents_min).
constexpr std::array<uint64_t, 3> farm_sizes{1'000, 3'000, 10'000};
constexpr uint64_t agents_min = 10;
constexpr uint64_t agents_per_account = 5;
constexpr uint64_t agents_per_user = 10; // max_agents_per_user_default
constexpr int64_t measure_ms = 30'000;
constexpr int64_t measure_ms_min = 1'000;
/// How long every agent may take to be running.
constexpr auto start_deadline = std::chrono::minutes{3};
/// Tick-to-decision samples kept (a uniform sample of all of them, so that
/// the samples' memory is fixed before the node starts).
constexpr size_t reservoir_samples = 200'000;
/// Goals of the order-path issue at 10,000 agents.
constexpr double goal_bytes_per_agent = 2.0 * 1024 * 1024 * 1024 / 10'000;
constexpr double goal_cores = 1.0;

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return s(u.ru_utime) + s(u.ru_stime);
}

/// Every strategy instance's tick-to-decision samples.
struct decision_samples {
  std::atomic<bool> measuring{false};
  std::mutex mutex;
  std::vector<double> kept;
  uint64_t seen = 0;
  std::minstd_rand rng{7};

  void reset() {
    std::lock_guard<std::mutex> guard{mutex};
    kept.clear();
    kept.reserve(reservoir_samples);
    seen = 0;
  }

  void add(double us) {
    std::lock_guard<std::mutex> guard{mutex};
    ++seen;
    if (kept.size() < reservoir_samples) {
      kept.push_back(us);
      return;
    }
    auto k = std::uniform_int_distribution<uint64_t>{0, seen - 1}(rng);
    if (k < reservoir_samples)
      kept[k] = us;
  }
};

decision_samples& samples() {
  static decision_samples instance;
  return instance;
}

/// Decides on every tick and places nothing: the agent's own cost, not the
/// order path's (order_pipeline and order_latency measure that).
class scale_strategy : public actors::strategy {
public:
  std::string name() const override { return "scale_bench"; }

  caf::error configure(const std::map<std::string, std::string>& params) override {
    return actors::only_params(params, {}, name());
  }

  void on_tick(const actors::market_tick& t, actors::strategy_context&) override {
    ++ticks_;
    auto& s = samples();
    if (t.ts_us > 0 && s.measuring)
      s.add(static_cast<double>(runtime::unix_now_us() - t.ts_us));
  }

  std::string save() const override { return std::to_string(ticks_); }
  caf::error restore(const std::string&, uint32_t) override { return {}; }

private:
  uint64_t ticks_ = 0;
};

actors::register_strategy<scale_strategy> registration{"scale_bench"};

std::string user_name(uint64_t u) {
  return "u" + std::to_string(u);
}

std::string account_name(uint64_t a) {
  return "a" + std::to_string(a);
}

config::farm_config scale_farm(const std::string& db, const scenario_options& opts,
                               uint64_t agents) {
  auto farm = sqlite_farm(db, opts);
  // Every agent winds down and saves once more on a clean stop.
  farm.node.shutdown_timeout = std::chrono::minutes{5};
  farm.vault.assets = {"USD", "BTC"};
  farm.vault.request_timeout = std::chrono::milliseconds{60'000};
  auto v = unlimited_venue();
  farm.exchange.venues.push_back(v);
  for (uint64_t u = 0; u * agents_per_user < agents; ++u) {
    config::user_spec user;
    user.name = user_name(u);
    for (uint64_t i = u * agents_per_user; i < std::min(agents, (u + 1) * agents_per_user); ++i) {
      auto account = account_name(i / agents_per_account);
      if (i % agents_per_account == 0) {
        user.accounts.push_back(
            config::account_spec{account, {{"USD", int64_t{1} << 40}, {"BTC", int64_t{1} << 30}}});
        farm.exchange.sessions.push_back(config::session_settings{"sim", account});
      }
      config::agent_spec a;
      a.id = "s" + std::to_string(i % agents_per_user);
      a.kind = "trading_agent";
      a.params = {{"strategy", "scale_bench"},
                  {"venue", "sim"},
                  {"account", account},
                  {"symbol", "BTC-USD"}};
      user.agents.push_back(std::move(a));
    }
    farm.users.push_back(std::move(user));
  }
  return farm;
}

/// Agents whose registry entry says running.
uint64_t agents_running(runtime::node& n, uint64_t agents) {
  uint64_t running = 0;
  for (uint64_t i = 0; i < agents; ++i) {
    auto e = n.context().registry().find("/user/" + user_name(i / agents_per_user) + "/s" +
                                         std::to_string(i % agents_per_user));
    if (!e || !e->handle())
      continue;
    auto state = nlohmann::json::parse(e->snapshot().state_json, nullptr, false);
    if (state.is_object() && state.value("state", "") == "running")
      ++running;
  }
  return running;
}

/// Resident bytes per raw CAF actor holding a small state, `n` of them.
double raw_actor_bytes(const scenario_options& opts, uint64_t n) {
  malloc_trim(0);
  auto before = rss_bytes();
  double after = 0;
  {
    caf::actor_system sys{*make_config(opts)};
    std::vector<caf::actor> spawned;
    spawned.reserve(n);
    for (uint64_t i = 0; i < n; ++i)
      spawned.push_back(sys.spawn([i](caf::event_based_actor*) {
        auto ticks = std::make_shared<std::array<int64_t, 8>>();
        (*ticks)[0] = static_cast<int64_t>(i);
        return caf::behavior{[ticks](int64_t x) { (*ticks)[1] += x; }};
      }));
    for (auto& a : spawned)
      caf::anon_send(a, int64_t{1});
    after = rss_bytes();
    for (auto& a : spawned)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }
  malloc_trim(0);
  return (after - before) / static_cast<double>(n);
}

nlohmann::json run_size(const scenario_options& opts, uint64_t agents) {
  temp_dir dir{opts.dir};
  auto farm = scale_farm(dir.file("scale.db"), opts, agents);
  auto& s = samples();
  s.reset();
  auto raw = raw_actor_bytes(opts, agents);
  malloc_trim(0);
  auto rss_before = rss_bytes();
  auto started_at = std::chrono::steady_clock::now();
  auto n = start_sqlite_node(farm);
  if (auto err = actors::open_configured_accounts(n->system(), actors::find_gateway(n->context()),
                                                  farm, std::chrono::seconds{120}))
    throw std::runtime_error(runtime::to_text(err));
  // Waits on a condition with a deadline: every agent running (short of
  // that, the line says how many were, and `start_seconds` the deadline).
  auto deadline = started_at + start_deadline;
  while (agents_running(*n, agents) < agents && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{500});
  auto start_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at).count();
  auto span = std::chrono::milliseconds{std::max<int64_t>(
      measure_ms_min, static_cast<int64_t>(static_cast<double>(measure_ms) * opts.scale))};
  auto cpu0 = cpu_seconds();
  auto t0 = runtime::steady_now_ns();
  s.measuring = true;
  // A fixed span to measure over, not synchronization.
  std::this_thread::sleep_for(span);
  s.measuring = false;
  auto seconds = static_cast<double>(runtime::steady_now_ns() - t0) / 1e9;
  auto cores = (cpu_seconds() - cpu0) / seconds;
  auto rss = rss_bytes() - rss_before;
  auto running = agents_running(*n, agents);
  auto stop_start = runtime::steady_now_ns();
  auto report = n->stop();
  auto stop_seconds = static_cast<double>(runtime::steady_now_ns() - stop_start) / 1e9;
  std::vector<double> latencies;
  uint64_t ticks = 0;
  {
    std::lock_guard<std::mutex> guard{s.mutex};
    latencies.swap(s.kept);
    ticks = s.seen;
  }
  if (latencies.empty())
    throw std::runtime_error("no agent saw a tick with " + std::to_string(agents) + " agents");
  auto per_agent = rss / static_cast<double>(agents);
  nlohmann::json j;
  j["scenario"] = "farm_scale";
  j["agents"] = agents;
  j["sessions"] = (agents + agents_per_account - 1) / agents_per_account;
  j["running"] = running;
  j["value"] = std::llround(per_agent);
  j["rss_bytes_per_agent"] = std::llround(per_agent);
  j["rss_mb"] = std::llround(rss / 1024 / 1024);
  j["cores"] = std::round(cores * 1000) / 1000;
  j["cpu_us_per_agent_per_s"] = std::round(cores * 1e6 / static_cast<double>(agents) * 10) / 10;
  j["tick_to_decision_p50_us"] = std::llround(percentile(latencies, 50));
  j["tick_to_decision_p99_us"] = std::llround(percentile(latencies, 99));
  j["ticks_per_s"] = std::llround(static_cast<double>(ticks) / seconds);
  j["start_seconds"] = std::round(start_s * 10) / 10;
  j["seconds"] = std::round(seconds * 10) / 10;
  j["stop_seconds"] = std::round(stop_seconds * 10) / 10;
  j["stopped_cleanly"] = report.clean;
  j["baseline"] = std::llround(raw);
  j["baseline_kind"] = "resident bytes of one raw CAF actor with a small state";
  j["ratio"] = std::round(raw / per_agent * 1000) / 1000;
  j["goal_at_10000"] = "<= " + std::to_string(std::llround(goal_bytes_per_agent)) +
                       " bytes an agent (2 GB), <= " + std::to_string(goal_cores).substr(0, 3) +
                       " core, every agent running";
  return j;
}

} // namespace

nlohmann::json farm_scale(const scenario_options& opts) {
  auto lines = nlohmann::json::array();
  for (auto size : farm_sizes) {
    auto agents = std::max<uint64_t>(agents_min, scaled(size, opts));
    lines.push_back(run_size(opts, agents));
  }
  return lines;
}

} // namespace tfarm::bench
