// The trading agent's fill path: reports from its sessions, fills applied
// to the book, their settlement in the vault (exactly once, asked again
// until answered), fills that arrive after their order closed, and the
// release of an order's reservation once nothing more can fill it
// (docs/agents.md). The order path and the rest of the actor are in
// trading_agent.cpp.
#include "actors/agent/trading_agent.hpp"

#include <algorithm>
#include <chrono>

#include <spdlog/logger.h>

#include "actors/agent/logger.hpp"
#include "actors/agent/vault_refusal.hpp"
#include "actors/exchange/error.hpp"
#include "actors/exchange/fill_check.hpp"
#include "actors/vault/error.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::actors {

namespace {

/// How long a final order whose status counts fills the agent has not seen
/// keeps its reservation while its fills are asked for; then the money goes
/// back (a fill that still comes is booked from available, and reconciling
/// the venue shows the rest).
constexpr int64_t agent_missing_fills_wait_ms = 30'000;

} // namespace

void trading_agent::on_report(const order_report& rep) {
  auto i = open_.find(rep.client_order_id);
  if (i == open_.end()) {
    if (!rep.fills.empty())
      late_fills(rep);
    return;
  }
  auto coid = rep.client_order_id;
  {
    auto& o = i->second;
    o.last_news_ms = node_clock().unix_ms();
    if (!rep.venue.empty())
      o.venue = rep.venue;
  }
  for (auto& f : rep.fills) {
    auto j = open_.find(coid); // a strategy callback may have added orders
    apply_fill(coid, j->second, f, rep.venue, true);
  }
  auto& o = open_.find(coid)->second;
  o.reported_filled = std::max(o.reported_filled, rep.filled);
  if (!o.is_final) {
    if (is_final(rep.state)) {
      o.is_final = true;
      o.state = rep.state;
      if (rep.state == order_state::rejected)
        reject("venue_rejected", "venue refused " + coid + ": " + rep.reason);
    } else if (rep.state != order_state::pending && rep.state != order_state::unknown) {
      o.state = rep.state;
    }
  }
  if (o.ioc && !o.is_final &&
      (o.state == order_state::open || o.state == order_state::partially_filled))
    cancel_order(coid);
  maybe_release(coid);
  dirty_ = true;
}

void trading_agent::apply_fill(const std::string& coid, working_order& o, const venue_fill& f,
                               const std::string& venue, bool live) {
  if (!o.fills_seen.insert(f.fill_id).second)
    return;
  // The session checked the fill; the agent checks it against the order it
  // made too, since a fill it books moves its money. (An order adopted
  // from a reservation alone, its record never written, has no terms here:
  // the session and the vault check it.)
  order_request mine;
  mine.symbol = settings_.symbol;
  mine.s = o.s;
  mine.type = order_type::limit;
  mine.price = o.price;
  mine.qty = o.qty;
  auto known = o.price > 0 && o.qty > 0;
  if (auto why = fill_problem(f, coid, known ? &mine : nullptr, nullptr, o.filled); !why.empty())
    return money_incident("agent.fill_refused",
                          "fill " + f.fill_id + " of " + coid + " (" + std::to_string(f.qty) +
                              " at " + std::to_string(f.price) + ", fee " + std::to_string(f.fee) +
                              "): " + why +
                              "; not booked: the venue and the account must be reconciled");
  o.filled += f.qty;
  book_.apply(f.s, f.price, f.qty, f.fee);
  if (live && o.tick_ns != 0) {
    tick_to_fill_us_.record((node_clock().steady_ns() - o.tick_ns) / 1000);
    o.tick_ns = 0;
  }
  settle(pending_settle{coid, venue.empty() ? o.venue : venue, f});
  auto tag = o.tag;
  auto ctx = make_context();
  strategy_->on_fill(f, tag, ctx);
  run_strategy(ctx);
}

void trading_agent::settle(pending_settle ps) {
  // A live fill was checked as it arrived; one read back from the store is
  // checked here, before anything narrows its value to 64 bits.
  auto& f = ps.fill;
  if (auto why = fill_problem(f, f.client_order_id, nullptr, nullptr); !why.empty())
    return money_incident("agent.fill_refused",
                          "fill " + f.fill_id + " of " + ps.coid + " (" + std::to_string(f.qty) +
                              " at " + std::to_string(f.price) + ", fee " + std::to_string(f.fee) +
                              "): " + why + "; not booked");
  auto value64 = f.price * f.qty; // fill_problem: no overflow
  auto i = open_.find(ps.coid);
  if (i != open_.end())
    ++i->second.pending_settles;
  auto venue = ps.venue.empty() ? settings_.venue : ps.venue;
  // One key per fill: its venue, its order and the venue's fill id.
  auto r =
      vault_op_request(vault_op::settle,
                       ps.legacy_key ? "settle:" + ps.fill.fill_id
                                     : "settle:" + venue + ":" + ps.coid + ":" + ps.fill.fill_id,
                       ps.coid);
  r.fee = ps.fill.fee;
  r.fee_asset = settings_.quote;
  if (ps.fill.s == side::buy) {
    r.asset = settings_.quote;
    r.amount = value64;
    r.credit_asset = settings_.base;
    r.credit_amount = ps.fill.qty;
  } else {
    r.asset = settings_.base;
    r.amount = ps.fill.qty;
    r.credit_asset = settings_.quote;
    r.credit_amount = value64;
  }
  r.venue = venue;
  // The fill is recorded with its money: whatever became of the session's
  // own record of it (a store away, a member stopped), no settlement is
  // without its fill.
  r.fills.push_back(record_of(f, venue, ps.coid));
  request(vault_, std::chrono::milliseconds{agent_request_timeout_ms}, r)
      .then(
          [this, ps](vault_reply& rep) {
            unpaid_.erase(ps.fill.fill_id);
            if (ps.late && !rep.replayed) {
              // New to the vault, so new to the position too.
              book_.apply(ps.fill.s, ps.fill.price, ps.fill.qty, ps.fill.fee);
              dirty_ = true;
            }
            if (auto k = open_.find(ps.coid); k != open_.end()) {
              --k->second.pending_settles;
              maybe_release(ps.coid);
            }
          },
          [this, ps](caf::error& err) {
            auto k = open_.find(ps.coid);
            if (k != open_.end())
              --k->second.pending_settles;
            if (is_passing_refusal(err) && vault_reason(err) == vault_errc::insufficient_funds &&
                unpaid_.insert(ps.fill.fill_id).second)
              money_incident("agent.fill_unpaid",
                             "fill " + ps.fill.fill_id + " of " + ps.coid + " cannot be paid: " +
                                 runtime::message_of(err) + "; asked again at every beat");
            if (is_vault_refusal(err) && !is_passing_refusal(err)) {
              // The ledger and the venue disagree: operators must look.
              money_incident("agent.fill_unbooked", "the vault refused to settle fill " +
                                                        ps.fill.fill_id + " of " + ps.coid + ": " +
                                                        runtime::to_text(err));
            } else {
              note_error("settling " + ps.fill.fill_id, err);
              settle_retry_.push_back(ps);
            }
            maybe_release(ps.coid);
          });
}

void trading_agent::late_fills(const order_report& rep) {
  auto& coid = rep.client_order_id;
  auto c = closed_.find(coid);
  for (auto& f : rep.fills) {
    if (c != closed_.end() && !c->second.fills_seen.insert(f.fill_id).second)
      continue; // a replay of a fill it has
    if (c != closed_.end()) {
      // Known new: the order was closed while it could still fill.
      book_.apply(f.s, f.price, f.qty, f.fee);
      dirty_ = true;
      money_incident("agent.fill_after_close",
                     "fill " + f.fill_id + " of " + coid + " (" + std::to_string(f.qty) + " at " +
                         std::to_string(f.price) +
                         ") arrived after the order was closed; booked from available funds");
      settle(pending_settle{coid, rep.venue.empty() ? c->second.venue : rep.venue, f, false});
    } else if (coid.compare(0, prefix_.size(), prefix_) == 0) {
      // An order of this agent it no longer remembers: the vault's answer
      // tells whether the fill is new (then the position takes it).
      settle(pending_settle{coid, rep.venue, f, true});
    }
  }
}

void trading_agent::money_incident(const std::string& action, const std::string& detail) {
  agent_log().critical("ALERT {} {}: {}", action, path(), detail);
  if (node())
    node()->report(runtime::incident{path(), action, detail, "critical"});
  if (!risk_)
    return;
  trading_state_change x;
  x.level = trading_level::agent;
  x.target = path();
  x.state = trading_state::reducing;
  x.reason = action + ": " + detail;
  x.by = "system";
  request(caf::actor_cast<risk_control_actor>(risk_),
          std::chrono::milliseconds{agent_request_timeout_ms}, std::move(x))
      .then([](risk_states&) {},
            [this](caf::error& err) { note_error("going REDUCING after an incident", err); });
}

void trading_agent::close(const std::string& coid) {
  auto i = open_.find(coid);
  if (i == open_.end())
    return;
  auto& kept = closed_[coid];
  kept.venue = i->second.venue;
  kept.s = i->second.s;
  kept.fills_seen = std::move(i->second.fills_seen);
  closed_order_.push_back(coid);
  while (closed_order_.size() > agent_closed_orders_max) {
    closed_.erase(closed_order_.front());
    closed_order_.pop_front();
  }
  open_.erase(i);
  dirty_ = true;
}

void trading_agent::maybe_release(const std::string& coid) {
  auto i = open_.find(coid);
  if (i == open_.end())
    return;
  auto& o = i->second;
  if (!o.is_final || o.pending_settles > 0 || o.releasing)
    return;
  for (auto& ps : settle_retry_)
    if (ps.coid == coid)
      return;
  if (o.filled < o.reported_filled) {
    // Final, but its status counts fills not reported yet (a venue's
    // answer to a cancel can overtake its report of the fill): they can
    // still come, and must find their money reserved. Each beat asks for
    // them (poll) and tries again.
    auto now = node_clock().unix_ms();
    if (o.missing_fills_since_ms == 0)
      o.missing_fills_since_ms = now;
    if (now - o.missing_fills_since_ms < agent_missing_fills_wait_ms) {
      release_retry_.insert(coid);
      return;
    }
    agent_log().warn("agent {}: order {} is {} with {} filled, but only {} was reported in "
                     "{} ms; releasing its reservation",
                     path(), coid, to_string(o.state), o.reported_filled, o.filled,
                     agent_missing_fills_wait_ms);
  }
  o.releasing = true;
  release_retry_.erase(coid);
  auto r = vault_op_request(vault_op::release, "release:" + coid, coid);
  if (!o.unsent_status.empty()) {
    // Never sent: its record closes with its money.
    persistence::order_update u;
    u.client_order_id = coid;
    u.status = o.unsent_status;
    u.reason = o.unsent_reason;
    r.order_updates.push_back(std::move(u));
  }
  request(vault_, std::chrono::milliseconds{agent_request_timeout_ms}, r)
      .then([this, coid](vault_reply&) { close(coid); },
            [this, coid](caf::error& err) {
              auto k = open_.find(coid);
              if (k == open_.end())
                return;
              if (is_vault_refusal(err) && !is_passing_refusal(err)) {
                // Nothing left to release (never reserved, released before).
                close(coid);
                return;
              }
              note_error("releasing " + coid, err);
              k->second.releasing = false;
              release_retry_.insert(coid);
            });
}

bool trading_agent::close_if_unknown(const std::string& coid, const caf::error& err) {
  auto i = open_.find(coid);
  if (i == open_.end() || exchange_reason(err) != exchange_errc::unknown_order || i->second.sending)
    return false;
  // Every venue that might hold it says it never saw it: never placed, or
  // lost with a venue that restarted. Nothing more can fill.
  agent_log().warn("agent {}: order {} is known to no venue; closing it", path(), coid);
  i->second.is_final = true;
  i->second.state = order_state::cancelled;
  maybe_release(coid);
  return true;
}

void trading_agent::poll(const std::string& coid) {
  auto i = open_.find(coid);
  if (i == open_.end() || !session_)
    return;
  i->second.last_news_ms = node_clock().unix_ms();
  request(session_, std::chrono::milliseconds{agent_request_timeout_ms}, order_status_atom_v, coid)
      .then([this](order_report& rep) { on_report(rep); },
            [this, coid](caf::error& err) {
              auto k = open_.find(coid);
              if (k == open_.end())
                return;
              if (!close_if_unknown(coid, err))
                note_error("asking about " + coid, err);
            });
}

} // namespace tfarm::actors
