// session_roundtrip: submit -> acknowledgement through an exchange session
// to the in-process simulated venue, with the client order id recorded
// durably (synchronous=FULL) before each order leaves, many orders in
// flight; against the same orders sent straight to the venue (raw CAF
// request/response, no session, no store) in the same run.
#include <functional>
#include <memory>

#include <caf/event_based_actor.hpp>
#include <nlohmann/json.hpp>

#include "actors/exchange/exchange_interfaces.hpp"
#include "actors/exchange/exchange_session.hpp"
#include "bench/bench_support.hpp"
#include "bench/order_load.hpp"
#include "bench/sqlite_node.hpp"
#include "runtime/node.hpp"

namespace tfarm::bench {

namespace {

constexpr uint64_t orders_n = 40'000;
constexpr uint64_t in_flight_max = 256;

std::unique_ptr<runtime::node> start_node(const std::string& file, const scenario_options& opts) {
  auto farm = sqlite_farm(file, opts);
  auto v = unlimited_venue();
  v.market_data.interval = std::chrono::hours{1};
  v.market_data.depth = 0;
  farm.exchange.venues.push_back(v);
  farm.exchange.request_timeout = std::chrono::milliseconds{30'000};
  farm.exchange.sessions.push_back(config::session_settings{"sim", "bench"});
  return start_sqlite_node(farm);
}

} // namespace

nlohmann::json session_roundtrip(const scenario_options& opts) {
  temp_dir dir{opts.dir};
  auto count = scaled(orders_n, opts);
  auto n = start_node(dir.file("session.db"), opts);
  auto session = find_actor(*n, actors::session_path("sim", "bench"));
  auto venue = find_actor(*n, actors::venue_path("sim"));
  // Warm-up, then the measured runs; the baseline uses another account so
  // that both books stay the same size.
  order_load(*n, session, "bench", "w", std::min<uint64_t>(count, 1'000), in_flight_max);
  auto raw = order_load(*n, venue, "raw", "r", count, in_flight_max);
  auto load = order_load(*n, session, "bench", "o", count, in_flight_max);
  n->stop();
  auto value = static_cast<double>(load.ok) / load.seconds;
  auto baseline = static_cast<double>(raw.ok) / raw.seconds;
  nlohmann::json j;
  j["scenario"] = "session_roundtrip";
  j["value"] = std::llround(value);
  j["p50_us"] = std::round(percentile(load.latencies_us, 50));
  j["p99_us"] = std::round(percentile(load.latencies_us, 99));
  j["baseline"] = std::llround(baseline);
  j["baseline_p50_us"] = std::round(percentile(raw.latencies_us, 50));
  j["baseline_p99_us"] = std::round(percentile(raw.latencies_us, 99));
  j["ratio"] = std::round(value / baseline * 1000) / 1000;
  j["orders"] = load.ok;
  j["failed"] = load.failed + raw.failed;
  j["in_flight"] = in_flight_max;
  j["synchronous"] = "full";
  return j;
}

} // namespace tfarm::bench
