#include "net/json_views.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "actors/exchange/exchange_messages.hpp"
#include "actors/vault/vault_messages.hpp"
#include "runtime/actor_info.hpp"

namespace tfarm::net {

using json = nlohmann::json;

json state_of(const runtime::actor_info& a) {
  auto s = json::parse(a.state_json, nullptr, false);
  return s.is_discarded() ? json::object() : s;
}

json to_json(const actors::exchange_status& s) {
  return {{"account", s.account},
          {"primary", s.primary},
          {"backup", s.backup},
          {"active", s.active},
          {"on_backup", s.on_backup},
          {"connected", s.connected},
          {"state", s.state},
          {"latency_ewma_us", s.latency_ewma_us},
          {"latency_p99_us", s.latency_p99_us},
          {"last_test_us", s.last_test_us},
          {"last_error", s.last_error},
          {"last_error_at_ms", s.last_error_at_ms},
          {"rate_budget", s.rate_budget},
          {"queued", s.queued},
          {"consecutive_failures", s.consecutive_failures},
          {"orders", s.orders},
          {"acknowledged", s.acknowledged},
          {"rejected", s.rejected},
          {"retries", s.retries},
          {"timeouts", s.timeouts},
          {"fills", s.fills},
          {"failovers", s.failovers},
          {"failbacks", s.failbacks}};
}

json to_json(const actors::vault_status& s) {
  return {
      {"emergency", s.emergency},
      {"transfers_frozen", s.transfers_frozen},
      {"accounts", s.accounts},
      {"transactions", s.transactions},
      {"replays", s.replays},
      {"succeeded", s.succeeded},
      {"rejections", s.rejections},
      {"success_ppm", s.success_ppm},
      {"latency_us", {{"p50", s.p50_us}, {"p95", s.p95_us}, {"p99", s.p99_us}, {"max", s.max_us}}}};
}

json to_json(const actors::reconcile_report& r) {
  json ds = json::array();
  for (auto& d : r.discrepancies)
    ds.push_back({{"kind", d.kind},
                  {"account", d.account},
                  {"asset", d.asset},
                  {"expected", d.expected},
                  {"actual", d.actual},
                  {"detail", d.detail}});
  return json{{"clean", r.clean},
              {"accounts_checked", r.accounts_checked},
              {"actors_checked", r.actors_checked},
              {"discrepancies", ds},
              {"trading_pending", r.trading_pending},
              {"audit_id", r.audit_id}};
}

bool constant_time_equal(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  auto n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    auto x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    auto y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

} // namespace tfarm::net
