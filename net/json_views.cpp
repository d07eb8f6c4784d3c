#include "net/json_views.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "actors/vault/vault_messages.hpp"
#include "net/security_control.hpp"
#include "persistence/security_state.hpp"
#include "runtime/actor_info.hpp"

namespace tfarm::net {

using json = nlohmann::json;

json state_of(const runtime::actor_info& a) {
  auto s = json::parse(a.state_json, nullptr, false);
  if (s.is_discarded() || !s.is_object())
    return json{{"status_error", a.path + ": its status is not a JSON object"}};
  return s;
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

nlohmann::json to_json(const persistence::security_state& x) {
  nlohmann::json j{{"locked_down", x.locked_down},
                   {"pending", x.pending},
                   {"admin_token", x.admin_token_sha256.empty() ? "configured" : "rotated"}};
  if (x.lockdown_at_ms > 0) {
    j["reason"] = x.lockdown_reason;
    j["by"] = x.lockdown_by;
    j["since_ms"] = x.lockdown_at_ms;
  }
  if (!x.admin_token_sha256.empty()) {
    j["token_rotated_at_ms"] = x.token_rotated_at_ms;
    j["token_rotated_by"] = x.token_rotated_by;
  }
  return j;
}

nlohmann::json to_json(const security_outcome& x) {
  auto steps = nlohmann::json::array();
  for (auto& s : x.steps)
    steps.push_back({{"name", s.name}, {"ok", s.ok}, {"detail", s.detail}});
  nlohmann::json j{{"ok", x.ok}, {"steps", steps}, {"state", to_json(x.state)}};
  if (!x.new_token.empty())
    j["admin_token"] = x.new_token;
  return j;
}

} // namespace tfarm::net
