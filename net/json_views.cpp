#include "net/json_views.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "actors/vault/vault_messages.hpp"
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

} // namespace tfarm::net
