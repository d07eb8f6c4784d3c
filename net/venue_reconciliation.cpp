#include "net/venue_reconciliation.hpp"

#include <algorithm>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "net/session_query.hpp"
#include "persistence/trading_check.hpp"
#include "runtime/ask.hpp"
#include "runtime/clock.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::net {

namespace {

/// Between two reads of the farm's record while it catches up.
constexpr int64_t catch_up_poll_ms = 20;

venue_account_check compare(const actors::venue_statement& st,
                            const persistence::venue_fill_totals& farm) {
  venue_account_check c;
  c.venue = st.venue;
  c.account = st.account;
  c.epoch = st.epoch;
  c.through_trade = st.through_trade;
  c.venue_fills = st.fills;
  c.farm_fills = farm.fills;
  c.farm_fills_after_cut = farm.later;
  std::set<std::string> assets;
  for (auto& [a, v] : st.holdings)
    assets.insert(a);
  for (auto& [a, v] : farm.holdings)
    assets.insert(a);
  auto at = [](const std::map<std::string, int64_t>& m, const std::string& a) {
    auto i = m.find(a);
    return i == m.end() ? int64_t{0} : i->second;
  };
  if (st.fills != farm.fills)
    c.detail = "the venue counts " + std::to_string(st.fills) + " fills in epoch " +
               std::to_string(st.epoch) + " through trade " + std::to_string(st.through_trade) +
               ", the farm recorded " + std::to_string(farm.fills);
  for (auto& a : assets) {
    auto venue = at(st.holdings, a);
    auto ours = at(farm.holdings, a);
    if (venue != ours)
      c.detail += (c.detail.empty() ? "" : "; ") + a + ": the venue says " + std::to_string(venue) +
                  ", the farm's fills make " + std::to_string(ours);
  }
  c.ok = c.detail.empty();
  c.orders_in_flight = st.orders_in_flight;
  c.pending = !c.ok && farm.fills < st.fills && st.orders_in_flight > 0;
  if (c.pending)
    c.detail += " (pending: the session is still learning the fate of " +
                std::to_string(st.orders_in_flight) + " orders)";
  return c;
}

} // namespace

bool venue_reconciliation::clean() const {
  if (!unreachable.empty())
    return false;
  for (auto& c : checks)
    if (!c.ok && !c.pending)
      return false;
  return true;
}

venue_reconciliation reconcile_venues(runtime::node& node, const std::string& db,
                                      std::chrono::milliseconds timeout) {
  venue_reconciliation out;
  auto sessions = find_sessions(node.context(), [](const runtime::actor_info&) { return true; });
  // A live farm keeps trading while it is asked: a fill the venue made a
  // moment ago may still be on its way to the farm's record (the farm counts
  // fewer), and a venue may fail a request now and answer the next. The
  // farm's record is read after the statement and a busy venue fills on
  // meanwhile: its fills after the statement's trade number are left out. Every session is
  // asked at once, then again those whose statements do not agree yet,
  // until they do or venue_catch_up_ms passes.
  struct outcome {
    std::vector<venue_account_check> checks;
    std::string problem;
    bool settled = false;
  };
  std::vector<outcome> results(sessions.size());
  std::vector<size_t> asking;
  for (size_t i = 0; i < sessions.size(); ++i) {
    if (sessions[i].handle)
      asking.push_back(i);
    else
      results[i].problem = "not running";
  }
  auto deadline = runtime::steady_now_ns() + venue_catch_up_ms * 1'000'000;
  while (!asking.empty()) {
    std::vector<actors::exchange_session_actor> handles;
    for (auto i : asking)
      handles.push_back(sessions[i].handle);
    auto answers = runtime::ask_all<std::vector<actors::venue_statement>>(
        node.system(), handles, timeout, actors::venue_statement_atom_v);
    std::vector<size_t> again;
    for (size_t k = 0; k < asking.size(); ++k) {
      auto& r = results[asking[k]];
      r.checks.clear();
      r.problem.clear();
      if (!answers[k]) {
        r.problem = runtime::message_of(answers[k].error());
      } else {
        for (auto& st : *answers[k]) {
          auto farm =
              persistence::fill_totals(db, st.venue, st.account, st.epoch, st.through_trade);
          if (!farm) {
            r.problem = st.venue + ": " + runtime::message_of(farm.error());
            break;
          }
          r.checks.push_back(compare(st, *farm));
        }
      }
      r.settled = r.problem.empty() &&
                  std::all_of(r.checks.begin(), r.checks.end(), [](auto& c) { return c.ok; });
      if (!r.settled)
        again.push_back(asking[k]);
    }
    asking = std::move(again);
    if (asking.empty() || runtime::steady_now_ns() >= deadline)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds{catch_up_poll_ms});
  }
  for (size_t i = 0; i < sessions.size(); ++i) {
    if (!results[i].problem.empty())
      out.unreachable.push_back(sessions[i].info.path + ": " + results[i].problem);
    for (auto& c : results[i].checks)
      out.checks.push_back(std::move(c));
  }
  return out;
}

nlohmann::json to_json(const venue_reconciliation& x) {
  auto checks = nlohmann::json::array();
  for (auto& c : x.checks)
    checks.push_back({{"venue", c.venue},
                      {"account", c.account},
                      {"epoch", c.epoch},
                      {"through_trade", c.through_trade},
                      {"venue_fills", c.venue_fills},
                      {"farm_fills", c.farm_fills},
                      {"farm_fills_after_cut", c.farm_fills_after_cut},
                      {"ok", c.ok},
                      {"pending", c.pending},
                      {"orders_in_flight", c.orders_in_flight},
                      {"detail", c.detail}});
  size_t pending = 0;
  for (auto& c : x.checks)
    pending += c.pending ? 1 : 0;
  return {{"clean", x.clean()},
          {"pending", pending},
          {"checks", checks},
          {"unreachable", x.unreachable}};
}

nlohmann::json audit_json(const venue_reconciliation& x) {
  auto first = nlohmann::json::array();
  size_t disagree = 0;
  for (auto& c : x.checks) {
    if (c.ok || c.pending)
      continue;
    if (++disagree <= venue_audit_items_max)
      first.push_back(c.venue + "/" + c.account + ": " + c.detail);
  }
  for (size_t i = 0; i < x.unreachable.size() && first.size() < venue_audit_items_max; ++i)
    first.push_back(x.unreachable[i]);
  return {{"clean", x.clean()},
          {"accounts", x.checks.size()},
          {"disagree", disagree},
          {"unreachable", x.unreachable.size()},
          {"first", first}};
}

} // namespace tfarm::net
