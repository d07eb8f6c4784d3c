// console_command: `info /store` from a console client (an actor system of
// its own, CAF remote messaging over loopback) to a node's console, one
// command at a time, vs the same client asking a published actor that
// answers the same reply at once, in the same run.
//
// The baseline is raw CAF request/response across two actor systems with
// the same bytes each way, so the ratio is what the console adds: the
// token check, parsing, the registry snapshot, the JSON and the hop through
// the inspector to a worker. Three rounds alternating; the median round of
// each side is reported.
//
// console_command_tls: the same command to a node whose console is mutual
// TLS (CAF's openssl module, an operator certificate), vs the same console
// on a plain node in the same run: the ratio is what TLS costs.
#include <algorithm>
#include <chrono>
#include <cmath>

#include <caf/io/middleman.hpp>

#include "bench/bench_support.hpp"
#include "bench/sqlite_node.hpp"
#include "net/cert_authority.hpp"
#include "net/console_actor.hpp"
#include "net/console_client.hpp"
#include "net/node_console.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::bench {

namespace {

constexpr const char* token = "bench-console-token-000";
constexpr int rounds = 3;
constexpr uint64_t commands_per_round = 4'000;

struct round_result {
  double per_s = 0;
  double p50_us = 0;
  double p99_us = 0;
};

round_result run_round(net::console_client& client, uint64_t n) {
  std::vector<double> lat;
  lat.reserve(n);
  auto began = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < n; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = client.call({"info", "/store"});
    if (!r || r->status != 0)
      throw std::runtime_error("console_command: " + (r ? r->text : runtime::to_text(r.error())));
    lat.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  round_result x;
  x.per_s = secs > 0 ? static_cast<double>(n) / secs : 0;
  x.p50_us = percentile(lat, 50);
  x.p99_us = percentile(lat, 99);
  return x;
}

round_result median(std::vector<round_result> xs) {
  std::sort(xs.begin(), xs.end(),
            [](const round_result& a, const round_result& b) { return a.per_s < b.per_s; });
  return xs[xs.size() / 2];
}

// A warm-up, then `rounds` rounds alternating (the baseline first); the
// scenario's line from the median round of each side.
nlohmann::json compare(const char* scenario, net::console_client& ours, net::console_client& raw,
                       uint64_t per_round) {
  run_round(ours, std::max<uint64_t>(1, per_round / 4));
  run_round(raw, std::max<uint64_t>(1, per_round / 4));
  std::vector<round_result> a;
  std::vector<round_result> b;
  for (int r = 0; r < rounds; ++r) {
    b.push_back(run_round(raw, per_round));
    a.push_back(run_round(ours, per_round));
  }
  auto ma = median(a);
  auto mb = median(b);
  nlohmann::json j;
  j["scenario"] = scenario;
  j["value"] = std::llround(ma.per_s);
  j["p50_us"] = std::round(ma.p50_us);
  j["p99_us"] = std::round(ma.p99_us);
  j["baseline"] = std::llround(mb.per_s);
  j["baseline_p50_us"] = std::round(mb.p50_us);
  j["baseline_p99_us"] = std::round(mb.p99_us);
  j["ratio"] = mb.per_s > 0 ? std::round(ma.per_s / mb.per_s * 1000) / 1000 : 0.0;
  j["commands"] = per_round;
  return j;
}

net::console_client_options client_options(uint16_t port) {
  net::console_client_options x;
  x.port = port;
  x.token = token;
  x.operator_name = "bench";
  x.attempts = 3;
  return x;
}

} // namespace

nlohmann::json console_command_tls(const scenario_options& opts) {
  // Two nodes of one process, the same farm: one serves its console over
  // mutual TLS, the other plain; one client each, rounds alternating.
  temp_dir dir{opts.dir};
  auto pki = dir.file("pki");
  for (auto made : {net::cert_authority::init(pki, 30),
                    net::cert_authority::issue({pki, "node", net::node_role, 30, ""}),
                    net::cert_authority::issue({pki, "op", net::operator_role, 30, ""})})
    if (!made)
      throw std::runtime_error(runtime::to_text(made.error()));
  auto start = [&](const std::string& db, const config::tls_settings& tls) {
    auto farm = sqlite_farm(dir.file(db), opts);
    farm.console.port = config::console_port_default; // loads the middleman
    farm.tls = tls;
    return start_sqlite_node(farm);
  };
  auto secured = start("tls.db", {pki + "/ca.crt", pki + "/node.crt", pki + "/node.key", ""});
  auto plain = start("plain.db", {});
  config::console_settings x;
  x.port = 0;
  net::console_options copts;
  copts.admin_token = token;
  auto c1 = net::node_console::start(*secured, x, copts);
  auto c2 = net::node_console::start(*plain, x, copts);
  if (!c1 || !c2)
    throw std::runtime_error(runtime::to_text(c1 ? c2.error() : c1.error()));
  auto tls_opts = client_options((*c1)->port());
  tls_opts.tls = {pki + "/ca.crt", pki + "/op.crt", pki + "/op.key", ""};
  net::console_client ours{tls_opts};
  net::console_client raw{client_options((*c2)->port())};
  for (auto* c : {&ours, &raw})
    if (auto err = c->connect())
      throw std::runtime_error(runtime::to_text(err));
  auto j = compare("console_command_tls", ours, raw, scaled(commands_per_round, opts));
  (*c1)->stop();
  (*c2)->stop();
  secured->stop();
  plain->stop();
  return j;
}

nlohmann::json console_command(const scenario_options& opts) {
  temp_dir dir{opts.dir};
  auto farm = sqlite_farm(dir.file("console.db"), opts);
  farm.console.port = config::console_port_default; // loads the middleman
  auto n = start_sqlite_node(farm);
  config::console_settings x;
  x.port = 0;
  net::console_options copts;
  copts.admin_token = token;
  auto console = net::node_console::start(*n, x, copts);
  if (!console)
    throw std::runtime_error(runtime::to_text(console.error()));
  net::console_client ours{client_options((*console)->port())};
  if (auto err = ours.connect())
    throw std::runtime_error(runtime::to_text(err));
  auto sample = ours.call({"info", "/store"});
  if (!sample || sample->status != 0)
    throw std::runtime_error("console_command: no sample reply");
  // The baseline: an actor on the node's system that answers the same reply.
  auto reply = *sample;
  auto echo = n->system().spawn([reply]() -> net::console_actor::behavior_type {
    return {[reply](net::console_request&) { return reply; }};
  });
  auto echo_port = n->system().middleman().publish(echo, 0, "127.0.0.1", true);
  if (!echo_port)
    throw std::runtime_error(runtime::to_text(echo_port.error()));
  net::console_client raw{client_options(*echo_port)};
  if (auto err = raw.connect())
    throw std::runtime_error(runtime::to_text(err));
  auto j = compare("console_command", ours, raw, scaled(commands_per_round, opts));
  j["reply_bytes"] = reply.text.size() + reply.json.size();
  n->system().middleman().unpublish(echo, *echo_port);
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
  (*console)->stop();
  n->stop();
  return j;
}

} // namespace tfarm::bench
