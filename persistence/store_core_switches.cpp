// store_core's farm-wide switches (farm_switch.hpp, store_core.hpp).
#include "persistence/cluster_store.hpp"
#include "persistence/detail/store_rows.hpp"
#include "persistence/store_core.hpp"

namespace tfarm::persistence {

using detail::invalid;

caf::error store_core::validate(const farm_switch& x) {
  if (x.name.empty() || x.name.size() > switch_name_chars_max)
    return invalid("a switch needs a name of 1 to " + std::to_string(switch_name_chars_max) +
                   " characters");
  if (x.state.size() > switch_state_chars_max)
    return invalid("switch " + x.name + ": state longer than " +
                   std::to_string(switch_state_chars_max) + " characters");
  if (x.reason.size() > switch_reason_chars_max || x.by.size() > switch_by_chars_max)
    return invalid("switch " + x.name + ": reason over " + std::to_string(switch_reason_chars_max) +
                   " or author over " + std::to_string(switch_by_chars_max) + " characters");
  return {};
}

caf::expected<bool> store_core::put_switch(const farm_switch& x) {
  if (auto err = validate(x))
    return err;
  if (x.state.empty()) {
    auto del = db_->prepare("DELETE FROM farm_switches WHERE name = ?");
    del->bind(1, x.name);
    del->exec();
    return true;
  }
  auto up = db_->prepare(
      "INSERT INTO farm_switches (name, state, reason, set_by, set_at) VALUES (?, ?, ?, ?, " +
      server_now_ms_sql(db_->dialect()) +
      ") ON CONFLICT (name) DO UPDATE SET state = excluded.state, reason = excluded.reason, "
      "set_by = excluded.set_by, set_at = excluded.set_at");
  up->bind(1, x.name);
  up->bind(2, x.state);
  up->bind(3, x.reason);
  up->bind(4, x.by);
  up->exec();
  return true;
}

std::vector<farm_switch> store_core::load_switches(const std::string& prefix) {
  // A prefix match without LIKE's wildcards: names hold '_' and '%' freely.
  auto q = db_->prepare("SELECT name, state, reason, set_by, set_at FROM farm_switches "
                        "WHERE substr(name, 1, length(?)) = ? ORDER BY name");
  q->bind(1, prefix);
  q->bind(2, prefix);
  std::vector<farm_switch> result;
  while (q->step())
    result.push_back(farm_switch{q->text(0), q->text(1), q->text(2), q->text(3), q->int64(4)});
  return result;
}

} // namespace tfarm::persistence
