// remote_throughput: orders through an exchange session on a farm node to
// its venue on an exchange node, across CAF nodes over mutual TLS (both
// nodes in this process, each with its own actor system and middleman, on
// loopback), the client order id recorded durably (synchronous=FULL)
// before each order leaves, many in flight; against the same orders sent
// straight to the remote venue's handle over the same TLS connection (raw
// CAF remote request/response of the same messages, no session, no store)
// in the same run.
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "actors/exchange/exchange_interfaces.hpp"
#include "actors/exchange/exchange_session.hpp"
#include "bench/bench_support.hpp"
#include "bench/order_load.hpp"
#include "bench/sqlite_node.hpp"
#include "net/cert_authority.hpp"
#include "net/venue_directory.hpp"
#include "runtime/ask.hpp"
#include "runtime/error_text.hpp"
#include "runtime/node.hpp"
#include "runtime/status_json.hpp"

namespace tfarm::bench {

namespace {

constexpr uint64_t remote_orders_n = 40'000;
constexpr uint64_t remote_in_flight_max = 256;
/// Longest wait for the exchange node's directory to bind its port.
constexpr int64_t directory_bind_wait_ms = 10'000;

} // namespace

nlohmann::json remote_throughput(const scenario_options& opts) {
  temp_dir dir{opts.dir};
  auto pki = dir.file("pki");
  for (auto made : {net::cert_authority::init(pki, 30),
                    net::cert_authority::issue({pki, "node", net::node_role, 30, ""})})
    if (!made)
      throw std::runtime_error(runtime::to_text(made.error()));
  config::tls_settings tls{pki + "/ca.crt", pki + "/node.crt", pki + "/node.key", ""};
  // The exchange node: the venue, offered on a port of its own.
  auto xfarm = sqlite_farm(dir.file("exchange.db"), opts);
  xfarm.node.name = "exchange";
  auto v = unlimited_venue();
  v.market_data.interval = std::chrono::hours{1};
  v.market_data.depth = 0;
  xfarm.exchange.venues.push_back(v);
  xfarm.exchange.listen = "127.0.0.1:0";
  xfarm.tls = tls;
  auto x = start_sqlite_node(xfarm);
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds{directory_bind_wait_ms};
  uint16_t port = 0;
  while (port == 0) {
    if (auto entry = x->context().registry().find("/exchanges/directory"))
      if (auto state = runtime::read_status<net::venue_directory_status>(entry->snapshot()))
        port = state->port;
    if (port == 0 && std::chrono::steady_clock::now() >= deadline)
      throw std::runtime_error("remote_throughput: the exchange node did not bind its port");
    if (port == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  // The farm node: a session whose venue is remote.
  auto farm = sqlite_farm(dir.file("farm.db"), opts);
  config::venue_settings remote;
  remote.name = "sim";
  remote.kind = "remote";
  remote.endpoint = "127.0.0.1:" + std::to_string(port);
  // The session paces orders at the venue's rate: the exchange node's
  // venue takes any rate, and so does this side.
  remote.rate_per_s = config::exchange_rate_per_s_max;
  remote.burst = config::exchange_burst_max;
  farm.exchange.venues.push_back(remote);
  farm.exchange.request_timeout = std::chrono::milliseconds{30'000};
  farm.exchange.sessions.push_back(config::session_settings{"sim", "bench"});
  farm.tls = tls;
  auto n = start_sqlite_node(farm);
  auto session = find_actor(*n, actors::session_path("sim", "bench"));
  auto connector =
      caf::actor_cast<actors::venue_directory_actor>(find_actor(*n, "/exchanges/remote"));
  auto venue = runtime::ask<caf::actor>(n->system(), connector, std::chrono::seconds{30},
                                        actors::lookup_venue_atom_v, std::string{"sim"});
  if (!venue)
    throw std::runtime_error("remote_throughput: " + runtime::to_text(venue.error()));
  auto count = scaled(remote_orders_n, opts);
  // Warm-up (the session connects; the venue proxy is resolved), then the
  // measured runs; the baseline on another account so both books match.
  order_load(*n, session, "bench", "w", std::min<uint64_t>(count, 1'000), remote_in_flight_max);
  auto raw = order_load(*n, *venue, "raw", "r", count, remote_in_flight_max);
  auto load = order_load(*n, session, "bench", "o", count, remote_in_flight_max);
  n->stop();
  x->stop();
  auto value = static_cast<double>(load.ok) / load.seconds;
  auto baseline = static_cast<double>(raw.ok) / raw.seconds;
  nlohmann::json j;
  j["scenario"] = "remote_throughput";
  j["value"] = std::llround(value);
  j["p50_us"] = std::round(percentile(load.latencies_us, 50));
  j["p99_us"] = std::round(percentile(load.latencies_us, 99));
  j["baseline"] = std::llround(baseline);
  j["baseline_kind"] = "raw CAF remote request/response to the venue, same TLS connection";
  j["baseline_p50_us"] = std::round(percentile(raw.latencies_us, 50));
  j["baseline_p99_us"] = std::round(percentile(raw.latencies_us, 99));
  j["ratio"] = std::round(value / baseline * 1000) / 1000;
  j["orders"] = load.ok;
  j["failed"] = load.failed + raw.failed;
  j["in_flight"] = remote_in_flight_max;
  j["tls"] = true;
  j["synchronous"] = "full";
  return j;
}

} // namespace tfarm::bench
