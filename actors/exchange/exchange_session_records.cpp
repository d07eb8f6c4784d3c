// exchange_session's records: a venue's report checked before anyone
// books it, what it tells recorded durably (fills with their order's
// status, sent again until the store takes them), and critical incidents
// (exchange_session.hpp).
#include "actors/exchange/exchange_session.hpp"

#include <algorithm>
#include <chrono>
#include <set>

#include <spdlog/logger.h>

#include "actors/exchange/detail/session_text.hpp"
#include "actors/exchange/error.hpp"
#include "actors/exchange/logger.hpp"
#include "config/limits.hpp"
#include "persistence/error.hpp"
#include "runtime/actor_registry.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::actors {

bool exchange_session::accept(order_report& rep, const std::string& from_venue) {
  auto bad_report = [&](const std::string& why) {
    incident("exchange.report_refused", "venue " + from_venue + " reported order '" +
                                            rep.client_order_id + "' of " + account_ + ": " + why +
                                            "; ignored");
    return false;
  };
  if (rep.client_order_id.empty() || rep.client_order_id.size() > config::client_order_id_chars_max)
    return bad_report("no valid client order id");
  if (!rep.account.empty() && rep.account != account_)
    return bad_report("it names account " + rep.account);
  if (rep.qty < 0 || rep.filled < 0 || rep.notional < 0 || (rep.qty > 0 && rep.filled > rep.qty))
    return bad_report("quantities out of range (qty " + std::to_string(rep.qty) + ", filled " +
                      std::to_string(rep.filled) + ")");
  rep.venue = from_venue; // who answered, whatever the report says
  auto i = orders_.find(rep.client_order_id);
  auto e = i != orders_.end() ? &i->second : nullptr;
  // Only a venue that may hold the order reports on it: where it was sent,
  // or one asked whether it has it.
  if (e != nullptr && from_venue != e->req.venue &&
      std::find(e->candidates.begin(), e->candidates.end(), from_venue) == e->candidates.end())
    return bad_report("the order was sent to " + e->req.venue + ", not to " + from_venue);
  std::vector<venue_fill> good;
  good.reserve(rep.fills.size());
  // Fills accepted so far, this report's included: a fill id repeated
  // within one report is the same fill.
  auto filled = e != nullptr ? e->fills_qty : int64_t{0};
  std::map<std::string, fill_terms> here;
  for (auto& f : rep.fills) {
    const fill_terms* before = nullptr;
    if (e != nullptr)
      if (auto k = e->fills.find(f.fill_id); k != e->fills.end())
        before = &k->second;
    if (auto k = here.find(f.fill_id); before == nullptr && k != here.end())
      before = &k->second;
    auto why =
        fill_problem(f, rep.client_order_id, e != nullptr ? &e->req : nullptr, before, filled);
    if (why.empty() && before == nullptr) {
      filled += f.qty;
      here.emplace(f.fill_id, fill_terms{f.price, f.qty, f.fee});
    }
    if (!why.empty()) {
      incident("exchange.fill_refused",
               "venue " + from_venue + " reported fill " + f.fill_id + " of order " +
                   rep.client_order_id + " (" + std::to_string(f.qty) + " at " +
                   std::to_string(f.price) + ", fee " + std::to_string(f.fee) + "): " + why +
                   "; not booked: the venue and the account must be reconciled",
               e != nullptr ? e->req.agent : std::string{});
      continue;
    }
    good.push_back(f);
  }
  rep.fills = std::move(good);
  return true;
}

void exchange_session::record(const std::string& id, order_entry* e, const order_report& rep,
                              bool complete) {
  persistence::order_update u;
  u.client_order_id = id;
  for (auto& f : rep.fills) {
    if (e != nullptr) {
      if (!e->fills.emplace(f.fill_id, fill_terms{f.price, f.qty, f.fee}).second)
        continue; // seen before, with the same content (accept() refused the rest)
      e->fills_qty += f.qty;
    }
    ++fills_;
    auto x = record_of(f, rep.venue, id);
    if (e != nullptr)
      e->unconfirmed_fills[f.fill_id] = x;
    u.fills.push_back(std::move(x));
  }
  if (e != nullptr) {
    auto status = to_string(e->progress.state);
    auto final = is_final(e->progress.state);
    if (e->fills_qty < e->progress.filled) {
      // The venue reports fills this session has not seen: its status lists
      // them all. The filled quantity waits for them (a final status does not).
      refresh(id, e->req.venue);
      if (final && status != e->recorded_status) {
        u.status = status;
        u.reason = rep.reason;
      }
    } else if (status != e->recorded_status || e->progress.filled != e->recorded_filled) {
      u.status = status;
      u.filled = e->progress.filled;
      if (final)
        u.reason = rep.reason;
    }
    if (!u.status.empty()) {
      e->recorded_status = u.status;
      if (u.filled >= 0)
        e->recorded_filled = u.filled;
      u.venue = e->req.venue;
    }
    // Every fill in u is unconfirmed too: only more unconfirmed ones than
    // u carries leave any to add.
    if (u.filled > 0 && e->unconfirmed_fills.size() > u.fills.size()) {
      // The fills this quantity counts, the store may not have yet.
      std::set<std::string> carried;
      for (auto& f : u.fills)
        carried.insert(f.venue_fill_id);
      for (auto& [fill_id, f] : e->unconfirmed_fills)
        if (carried.count(fill_id) == 0)
          u.fills.push_back(f);
    }
  } else if (complete) {
    u.status = to_string(rep.state);
    u.filled = rep.filled;
    u.venue = rep.venue;
    if (is_final(rep.state))
      u.reason = rep.reason;
  } else if (rep.filled > 0 || is_final(rep.state)) {
    // Part of the story, of an order this session no longer holds: the
    // venue's status tells all of it.
    refresh(id, rep.venue);
  }
  if (u.fills.empty() && u.status.empty())
    return;
  store_update(std::move(u), e != nullptr ? e->req.agent : std::string{});
}

void exchange_session::store_update(persistence::order_update u, std::string agent) {
  auto st = persistence::store_of(node().get());
  if (!st)
    return;
  auto id = u.client_order_id;
  std::vector<std::string> fill_ids;
  for (auto& f : u.fills)
    fill_ids.push_back(f.venue_fill_id);
  request(st, std::chrono::milliseconds{config::store_request_timeout_ms},
          persistence::update_order_atom_v, u)
      .then(
          [this, id, agent, fill_ids](persistence::order_update_result& r) {
            if (auto i = orders_.find(id); i != orders_.end())
              for (auto& fill_id : fill_ids)
                i->second.unconfirmed_fills.erase(fill_id);
            for (auto& why : r.refused)
              incident("exchange.fill_refused",
                       "the store refused what was reported of order " + id + ": " + why, agent);
          },
          // The request took a copy; this one is kept for another try.
          [this, u = std::move(u), agent](caf::error& err) mutable {
            auto permanent = err == persistence::store_errc::invalid_record ||
                             err == persistence::store_errc::fill_conflict ||
                             err == persistence::store_errc::unknown_order;
            if (permanent || unrecorded_.size() >= session_unrecorded_updates_max) {
              incident("exchange.record_failed",
                       "recording order " + u.client_order_id + " (" +
                           std::to_string(u.fills.size()) +
                           " fills) failed for good: " + runtime::to_text(err),
                       agent);
              return;
            }
            // The store is away (its database server down, a timeout): the
            // fills are asked for again at every heartbeat until recorded
            // (recording is idempotent), so none is lost while the agent
            // books them.
            exchange_log().warn("session {}: recording order {} failed, retrying: {}", path(),
                                u.client_order_id, runtime::to_text(err));
            unrecorded_.emplace_back(std::move(u), std::move(agent));
          });
}

void exchange_session::incident(const std::string& action, const std::string& detail,
                                const std::string& agent) {
  exchange_log().critical("ALERT {} {}: {}", action, path(), detail);
  if (!node())
    return;
  node()->report(runtime::incident{path(), action, detail, "critical"});
  // An agent's order (its path; other callers name an account): the agent
  // trades no further than back to flat until an operator looks.
  auto restrainer = node()->registry().find(agent_restrainer_path);
  if (agent.empty() || agent.front() != '/' || !restrainer || !restrainer->handle())
    return;
  request(caf::actor_cast<agent_restrainer_actor>(restrainer->handle()),
          std::chrono::milliseconds{timeout_ms_}, agent_restraint{agent, action + ": " + detail})
      .then([](bool) {},
            [this, agent](caf::error& err) {
              exchange_log().error("session {}: {} could not be set REDUCING: {}", path(), agent,
                                   runtime::to_text(err));
            });
}

} // namespace tfarm::actors
