#include "actors/exchange/exchange_session.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <tuple>
#include <utility>

#include <spdlog/logger.h>

#include "actors/exchange/detail/session_text.hpp"
#include "actors/exchange/error.hpp"
#include "actors/exchange/logger.hpp"
#include "actors/exchange/market_data_check.hpp"
#include "config/limits.hpp"
#include "persistence/error.hpp"
#include "runtime/actor_registry.hpp"
#include "runtime/checkpoint.hpp"
#include "runtime/clock.hpp"
#include "runtime/error_text.hpp"
#include "runtime/status_json.hpp"

namespace tfarm::actors {

namespace {

/// Where the session's venues live in the tree.
const std::string venues_path = "/exchanges/venues";
const std::string sessions_path = "/exchanges/sessions";

/// What an order no venue knows became, and why: cancelled if a venue
/// acknowledged it (`venue` has lost it since), else never placed.
std::pair<order_state, std::string> lost_order(bool acknowledged, const std::string& venue) {
  if (acknowledged)
    return {order_state::cancelled, "known to no venue any more: venue " + venue +
                                        " acknowledged it and has lost it since (a venue reset)"};
  return {order_state::rejected, "never placed: no venue has it, and no attempt is on its way"};
}

// True while a copy of an order expiring at `expires_at_ms` may still be
// placed by a venue whose clock is behind ours (`now_ms`).
bool in_send_window(int64_t expires_at_ms, int64_t now_ms) {
  return expires_at_ms > 0 && now_ms <= expires_at_ms + config::order_clock_skew_ms;
}

std::string may_still_arrive(const std::string& venue, int64_t expires_at_ms, int64_t now_ms) {
  return "no venue has it yet; a copy sent before may still reach venue " + venue + " for " +
         std::to_string(expires_at_ms + config::order_clock_skew_ms - now_ms) +
         " ms (its expiry and the clock skew allowed): ask again later";
}

} // namespace

using detail::fail;
using detail::text_of;

std::string venue_path(const std::string& venue) {
  return runtime::child_path(venues_path, venue);
}

std::string session_path(const std::string& venue, const std::string& account) {
  return runtime::child_path(runtime::child_path(sessions_path, venue), account);
}

session_params session_params_for(const config::exchange_settings& ex,
                                  const config::session_settings& s) {
  session_params p;
  p.account = s.account;
  p.primary = s.venue;
  auto venue = [&](const std::string& name) -> const config::venue_settings* {
    for (auto& v : ex.venues)
      if (v.name == name)
        return &v;
    return nullptr;
  };
  if (auto* v = venue(s.venue)) {
    p.backup = v->backup;
    p.rate_per_s = v->rate_per_s;
    p.burst = v->burst;
    p.primary_credentials = v->credentials;
    p.primary_remote = v->kind == "remote";
    if (auto* b = venue(v->backup)) {
      p.backup_credentials = b->credentials;
      p.backup_remote = b->kind == "remote";
    }
  }
  p.timeout_ms = ex.request_timeout.count();
  p.retry_max = ex.retry_max;
  p.backoff_min_ms = ex.backoff_min.count();
  p.backoff_max_ms = ex.backoff_max.count();
  p.backoff_jitter_ppm = static_cast<uint32_t>(ex.backoff_jitter * 1e6 + 0.5);
  p.failover_after = ex.failover_after;
  p.failback = ex.failback;
  p.probe_interval_ms = ex.probe_interval.count();
  p.latency_window_ms = ex.latency_window.count();
  p.failback_probes = ex.failback_probes;
  p.master_key_file = ex.master_key_file;
  return p;
}

exchange_session::exchange_session(caf::actor_config& cfg, runtime::spawn_context ctx)
    : super(cfg, std::move(ctx)), params_(runtime::params_of<session_params>(spec())),
      account_(params_.account.empty() ? spec().id : params_.account), primary_(params_.primary),
      backup_(params_.backup), active_(primary_), master_key_file_(params_.master_key_file),
      timeout_ms_(params_.timeout_ms),
      retry_max_(static_cast<uint32_t>(std::min<int64_t>(params_.retry_max, UINT32_MAX))),
      failover_after_(
          static_cast<uint32_t>(std::clamp<int64_t>(params_.failover_after, 1, UINT32_MAX))),
      auto_failback_(params_.failback == "auto"),
      probe_interval_ms_(std::max<int64_t>(params_.probe_interval_ms, 1)),
      latency_window_ns_(
          std::max<int64_t>(params_.latency_window_ms, config::exchange_latency_window_ms_min) *
          1'000'000),
      failback_probes_(
          static_cast<uint32_t>(std::clamp<int64_t>(params_.failback_probes, 1, UINT32_MAX))),
      bucket_(params_.rate_per_s, params_.burst, now_us()),
      jitter_(static_cast<uint64_t>(node_clock().steady_ns())) {
  backoff_.min = config::milliseconds{params_.backoff_min_ms};
  backoff_.max = config::milliseconds{params_.backoff_max_ms};
  backoff_.jitter_ppm = params_.backoff_jitter_ppm;
  for (auto& name : {primary_, backup_}) {
    if (name.empty())
      continue;
    venue_link v;
    v.name = name;
    auto primary = name == primary_;
    v.credentials = primary ? params_.primary_credentials : params_.backup_credentials;
    v.remote = primary ? params_.primary_remote : params_.backup_remote;
    v.ready = !v.credentials && !v.remote;
    venues_.emplace(name, std::move(v));
  }
  set_down_handler([this](caf::down_msg& msg) {
    for (auto& [name, v] : venues_) {
      if (v.handle && v.handle.address() == msg.source) {
        v.handle = venue_actor{};
        v.ready = !v.credentials && !v.remote;
        // Its next incarnation needs a logon (or a lookup) again.
        if (v.credentials || v.remote)
          reconnect_later(name);
        if (name == active_)
          note_failure(name, fail(exchange_errc::disconnected,
                                  "venue " + name + " went down: " + runtime::to_text(msg.reason)));
      }
    }
    for (auto& [symbol, subs] : subscribers_)
      subs.erase(std::remove_if(subs.begin(), subs.end(),
                                [&](const caf::actor& a) { return a.address() == msg.source; }),
                 subs.end());
  });
}

runtime::kind_info exchange_session::kind() {
  return runtime::make_kind<exchange_session>(
      "exchange_session",
      "exchange session: rate limit, retries, unknown-order resolution, failover, market data");
}

exchange_session::behavior_type exchange_session::make_behavior() {
  for (auto& [name, v] : venues_)
    connect(v);
  exchange_log().info("session {}: {} on {}{}", path(), account_, primary_,
                      backup_.empty() ? "" : " (backup " + backup_ + ")");
  delayed_send(this, std::chrono::milliseconds{probe_interval_ms_}, session_timer_atom_v,
               std::string{"heartbeat"}, uint64_t{0});
  return {
      [this](order_request& r) -> caf::result<order_report> {
        // Before the promise: making it takes the sender out of the message.
        auto owner = caf::actor_cast<caf::actor>(current_sender());
        auto rp = make_response_promise<order_report>();
        submit(r, std::move(owner), rp);
        return rp;
      },
      [this](cancel_order_atom, std::string& id) -> caf::result<order_report> {
        auto i = orders_.find(id);
        if (i != orders_.end() && i->second.at != phase::done) {
          auto& e = i->second;
          if (e.at == phase::queued && e.sends == 0 && !e.pinned) {
            // Waiting for rate budget, never sent: it never leaves.
            return cancel_unsent(id);
          }
          // On its way to a venue (or being recorded, or its fate being
          // read): the cancel follows its acknowledgement.
          e.cancel_requested = true;
          return current_report(id, e);
        }
        auto venue = i != orders_.end() ? i->second.req.venue : active_;
        auto h = handle(venue);
        if (!h)
          return fail(exchange_errc::disconnected, "venue " + venue + " is not reachable");
        auto rp = make_response_promise<order_report>();
        request(h, std::chrono::milliseconds{timeout_ms_}, cancel_order_atom_v, account_, id)
            .then(
                [this, rp, venue](order_report& rep) mutable {
                  if (!accept(rep, venue)) {
                    rp.deliver(fail(exchange_errc::invalid_order,
                                    "venue " + venue +
                                        " answered the cancel with a malformed "
                                        "report"));
                    return;
                  }
                  update(rep, false);
                  rp.deliver(rep);
                },
                [this, rp, venue, id, h](caf::error& err) mutable {
                  if (exchange_reason(err) != exchange_errc::invalid_order) {
                    if (is_retryable(err))
                      note_failure(venue, err);
                    rp.deliver(err);
                    return;
                  }
                  // Final already (a fill or an earlier cancel won the
                  // race), or not cancellable: its status tells which. A
                  // final order's cancel is answered with its report.
                  request(h, std::chrono::milliseconds{timeout_ms_}, order_status_atom_v, account_,
                          id)
                      .then(
                          [this, rp, venue, id, err](order_report& rep) mutable {
                            if (rep.client_order_id != id || !accept(rep, venue) ||
                                !is_final(rep.state)) {
                              rp.deliver(err);
                              return;
                            }
                            update(rep, true);
                            rp.deliver(rep);
                          },
                          [rp, err](caf::error&) mutable { rp.deliver(err); });
                });
        return rp;
      },
      [this](order_status_atom, std::string& id) -> caf::result<order_report> {
        auto i = orders_.find(id);
        if (i != orders_.end()) {
          // Whoever asks about an order follows it from now on: an agent
          // that restarted adopts its orders by asking about them.
          if (auto asker = caf::actor_cast<caf::actor>(current_sender()))
            i->second.owner = std::move(asker);
          auto at = i->second.at;
          if (at != phase::done && at != phase::waiting) {
            // Being recorded, queued, sent, or its fate being read: only the
            // answers to those attempts can tell; a venue's "never saw it"
            // now could be overtaken by an attempt still on its way. (A
            // waiting order, whose resolution ran out, is asked about
            // below: an answer settles it.)
            return current_report(id, i->second);
          }
        }
        std::vector<std::string> where;
        if (i != orders_.end() && !i->second.req.venue.empty())
          where.push_back(i->second.req.venue);
        for (auto& name : {active_, primary_, backup_})
          if (!name.empty() && std::find(where.begin(), where.end(), name) == where.end())
            where.push_back(name);
        auto sends = i != orders_.end() ? i->second.sends : 0;
        auto rp = make_response_promise<order_report>();
        query_venues(id, std::move(where), 0, sends, rp);
        return rp;
      },
      [this](session_status_atom) -> caf::result<exchange_status> {
        publish_description();
        return status_now();
      },
      [this](session_test_atom) -> caf::result<exchange_status> {
        auto h = handle(active_);
        if (!h)
          return fail(exchange_errc::disconnected, "venue " + active_ + " is not reachable");
        auto rp = make_response_promise<exchange_status>();
        auto venue = active_;
        ping(
            venue, h, true,
            [this, rp](int64_t ns) mutable {
              last_test_us_ = std::max<int64_t>(ns / 1000, 1);
              rp.deliver(status_now());
            },
            [rp, venue](caf::error& err) mutable {
              rp.deliver(
                  caf::error{exchange_reason(err),
                             "venue " + venue + " did not answer the test: " + text_of(err)});
            });
        return rp;
      },
      [this](venue_statement_atom) -> caf::result<std::vector<venue_statement>> {
        struct gather {
          std::vector<venue_statement> got;
          size_t outstanding = 0;
          caf::error failed;
        };
        auto rp = make_response_promise<std::vector<venue_statement>>();
        auto g = std::make_shared<gather>();
        auto done = [this, g, rp]() mutable {
          if (--g->outstanding > 0)
            return;
          if (g->failed) {
            rp.deliver(g->failed);
            return;
          }
          uint64_t in_flight = 0;
          for (auto& [id, e] : orders_)
            in_flight += e.at == phase::sent || e.at == phase::resolving ? 1 : 0;
          for (auto& x : g->got)
            x.orders_in_flight = in_flight;
          rp.deliver(std::move(g->got));
        };
        std::vector<std::pair<std::string, venue_actor>> asked;
        for (auto& [name, v] : venues_)
          if (auto h = handle(name))
            asked.emplace_back(name, h);
        if (asked.empty()) {
          rp.deliver(std::vector<venue_statement>{});
          return rp;
        }
        g->outstanding = asked.size();
        for (auto& [name, h] : asked)
          request(h, std::chrono::milliseconds{timeout_ms_}, venue_statement_atom_v, account_)
              .then(
                  [g, done](venue_statement& x) mutable {
                    g->got.push_back(std::move(x));
                    done();
                  },
                  [g, done, name = name](caf::error& err) mutable {
                    g->failed = fail(exchange_errc::disconnected,
                                     "venue " + name + " gave no statement: " + text_of(err));
                    done();
                  });
        return rp;
      },
      [this](logoff_atom, std::string& reason) -> caf::result<uint32_t> {
        logged_off_ = "logged off: " + (reason.empty() ? std::string{"security lockdown"} : reason);
        last_error_ = "session " + account_ + ": " + logged_off_;
        last_error_at_ms_ = node_clock().unix_ms();
        exchange_log().warn("session {}: {}; new orders are refused until it recovers", path(),
                            logged_off_);
        uint32_t n = 0;
        for (auto& [name, v] : venues_) {
          n += v.credentials && v.ready ? 1 : 0;
          log_off(v);
        }
        drain();
        return n;
      },
      [this](session_recover_atom) -> caf::result<exchange_status> {
        exchange_log().warn("session {}: recovering connections", path());
        consecutive_failures_ = 0;
        logged_off_.clear();
        for (auto& [name, v] : venues_) {
          if (v.handle)
            demonitor(v.handle.address());
          v.handle = venue_actor{};
          v.ready = !v.credentials && !v.remote;
          v.auth_error.clear();
          v.resolve_failures = 0;
          connect(v);
        }
        auto rp = make_response_promise<exchange_status>();
        recover_when_ready(rp);
        return rp;
      },
      [this](md_subscribe_atom, std::vector<std::string>& symbols,
             caf::actor& who) -> caf::result<std::vector<book_top>> {
        for (auto& symbol : symbols) {
          auto& subs = subscribers_[symbol];
          if (who && std::find(subs.begin(), subs.end(), who) == subs.end()) {
            subs.push_back(who);
            monitor(who);
          }
        }
        auto h = handle(active_);
        if (!h)
          return fail(exchange_errc::disconnected, "venue " + active_ + " is not reachable");
        auto rp = make_response_promise<std::vector<book_top>>();
        request(h, std::chrono::milliseconds{timeout_ms_}, md_subscribe_atom_v, symbols,
                caf::actor_cast<caf::actor>(this))
            .then([rp](std::vector<book_top>& tops) mutable { rp.deliver(tops); },
                  [rp](caf::error& err) mutable { rp.deliver(err); });
        return rp;
      },
      [this](order_update_atom, order_report& rep) {
        // Only a venue of this session may report fills to it.
        auto from = current_sender();
        std::string venue;
        for (auto& [name, v] : venues_)
          if (v.handle && v.handle.address() == from)
            venue = name;
        if (venue.empty()) {
          incident("exchange.report_refused",
                   "an order report about " + rep.client_order_id +
                       " came from an actor that is none of this session's venues; ignored");
          return;
        }
        if (!accept(rep, venue))
          return;
        auto i = orders_.find(rep.client_order_id);
        auto owner = i != orders_.end() ? i->second.owner : caf::actor{};
        update(rep, false); // may drop the entry of a final order
        if (owner)
          report_to(owner, rep);
      },
      [this](book_top& top) {
        if (top.venue != active_)
          return;
        if (auto why = top_problem(top); !why.empty())
          return refuse_market_data(top.venue, why);
        if (auto i = subscribers_.find(top.symbol); i != subscribers_.end())
          for (auto& s : i->second)
            caf::anon_send(s, top);
      },
      [this](trade_tick& t) {
        if (t.venue != active_)
          return;
        if (auto why = trade_problem(t); !why.empty())
          return refuse_market_data(t.venue, why);
        if (auto i = subscribers_.find(t.symbol); i != subscribers_.end())
          for (auto& s : i->second)
            caf::anon_send(s, t);
      },
      [this](session_timer_atom, std::string& what, uint64_t gen) {
        if (!from_self())
          return; // a timer only the actor itself sends
        on_timer(what, gen);
      },
  };
}

// -- orders ----------------------------------------------------------------------------

caf::error exchange_session::validate(const order_request& r) const {
  auto bad = [&](const std::string& why) {
    return fail(exchange_errc::invalid_order, "order " + r.client_order_id + ": " + why);
  };
  if (!logged_off_.empty())
    return fail(exchange_errc::authentication_failed, "session " + account_ + ": " + logged_off_ +
                                                          "; order " + r.client_order_id +
                                                          " refused");
  if (r.client_order_id.empty() || r.client_order_id.size() > config::client_order_id_chars_max)
    return fail(exchange_errc::invalid_order,
                "client order id must be 1 to " +
                    std::to_string(config::client_order_id_chars_max) + " characters");
  for (auto c : r.client_order_id)
    if (c < 0x21 || c > 0x7e)
      return bad("client order id must be printable ASCII without spaces");
  if (r.symbol.empty())
    return bad("no symbol");
  if (r.qty <= 0)
    return bad("quantity must be positive, got " + std::to_string(r.qty));
  if (r.type == order_type::limit && r.price <= 0)
    return bad("limit price must be positive, got " + std::to_string(r.price));
  if (r.type == order_type::market && r.price != 0)
    return bad("a market order has no price (got " + std::to_string(r.price) + ")");
  if (r.price > 0 && r.qty > std::numeric_limits<int64_t>::max() / r.price)
    return bad("price x quantity (" + std::to_string(r.price) + " x " + std::to_string(r.qty) +
               ") exceeds the largest notional (2^63 - 1 minor units)");
  return {};
}

void exchange_session::submit(order_request& r, caf::actor owner, report_promise rp) {
  auto recorded_at = std::exchange(r.recorded_at_ms, 0);
  if (auto err = validate(r)) {
    ++rejected_;
    close_unsent(r.client_order_id, recorded_at, err);
    rp.deliver(err);
    return;
  }
  r.account = account_;
  if (auto i = orders_.find(r.client_order_id); i != orders_.end()) {
    auto& e = i->second;
    if (e.req.symbol != r.symbol || e.req.s != r.s || e.req.type != r.type ||
        e.req.price != r.price || e.req.qty != r.qty) {
      rp.deliver(fail(exchange_errc::duplicate_order, "client order id " + r.client_order_id +
                                                          " is in use by another order of " +
                                                          account_));
      return;
    }
    // The same order again (a caller's retry): answered like the first.
    if (e.at == phase::done) {
      rp.deliver(e.last);
    } else if (e.at == phase::waiting) {
      // Its status could not be read before: try again for this caller.
      e.waiters.push_back(std::move(rp));
      e.attempts = 0;
      e.candidate = 0;
      resolve(r.client_order_id);
    } else {
      e.waiters.push_back(std::move(rp));
    }
    return;
  }
  if (queue_.size() >= config::exchange_queue_orders_max) {
    auto err =
        fail(exchange_errc::rate_limited,
             "session " + account_ + "@" + active_ + ": " + std::to_string(queue_.size()) +
                 " orders wait for rate budget already (" + std::to_string(bucket_.rate_per_s()) +
                 "/s, queue limit " + std::to_string(config::exchange_queue_orders_max) + ")");
    close_unsent(r.client_order_id, recorded_at, err);
    rp.deliver(err);
    return;
  }
  auto st = persistence::store_of(node().get());
  if (!st) {
    rp.deliver(fail(exchange_errc::venue_unavailable,
                    "no store on this node: orders cannot be recorded before they leave"));
    return;
  }
  auto id = r.client_order_id;
  auto& e = orders_[id];
  auto now_ms = node_clock().unix_ms();
  e.req = r;
  e.req.venue = active_;
  e.req.expires_at_ms = now_ms + config::order_send_window_ms;
  e.owner = std::move(owner);
  e.waiters.push_back(std::move(rp));
  ++orders_sent_;
  if (recorded_at > 0 && recorded_at <= now_ms &&
      now_ms - recorded_at < config::order_send_window_ms / 2) {
    // Recorded with its reservation a moment ago, by the caller that made
    // it: it leaves now, its copies expiring when the record says.
    e.req.expires_at_ms = recorded_at + config::order_send_window_ms;
    queue_order(id);
    return;
  }
  persistence::order_record rec;
  rec.client_order_id = id;
  rec.agent = r.agent.empty() ? account_ : r.agent;
  rec.account = account_;
  rec.venue = active_;
  rec.symbol = r.symbol;
  rec.side = to_string(r.s);
  rec.type = to_string(r.type);
  rec.price = r.price;
  rec.qty = r.qty;
  rec.status = to_string(order_state::pending);
  // The record's time is the base of the order's expiry: another member
  // that takes the account over judges copies in flight by it.
  rec.created_at_ms = now_ms;
  request(st, std::chrono::milliseconds{config::store_request_timeout_ms},
          persistence::record_order_atom_v, std::move(rec))
      .then([this, id](bool fresh) { recorded(id, fresh); },
            [this, id](caf::error& err) {
              auto i = orders_.find(id);
              if (i == orders_.end())
                return;
              // Not recorded (or not known to be): nothing left; the caller
              // may retry with the same id, which the store then settles.
              auto waiters = std::move(i->second.waiters);
              orders_.erase(i);
              auto why = caf::error{exchange_errc::venue_unavailable,
                                    "order " + id +
                                        " not sent: recording it failed: " + runtime::to_text(err)};
              for (auto& w : waiters)
                w.deliver(why);
            });
}

void exchange_session::close_unsent(const std::string& id, int64_t recorded_at,
                                    const caf::error& why) {
  if (recorded_at == 0)
    return; // not recorded by the caller: nothing recorded to close
  persistence::order_update u;
  u.client_order_id = id;
  u.status = to_string(order_state::rejected);
  u.reason = "refused by session " + account_ + " before it left: " + runtime::to_text(why);
  tell_store<persistence::order_update_result>("recording the status of order " + id,
                                               persistence::update_order_atom_v, std::move(u));
}

void exchange_session::recorded(const std::string& id, bool fresh) {
  auto i = orders_.find(id);
  if (i == orders_.end())
    return;
  if (fresh) {
    queue_order(id);
    return;
  }
  // The store knew the id: either this order left before (a restart, a
  // caller's retry) or the id belongs to another order. The stored row
  // tells which.
  auto st = persistence::store_of(node().get());
  request(st, std::chrono::milliseconds{config::store_request_timeout_ms},
          persistence::load_order_atom_v, id)
      .then(
          [this, id](persistence::order_record& row) {
            auto j = orders_.find(id);
            if (j == orders_.end())
              return;
            auto& e = j->second;
            if (row.account != account_ || row.symbol != e.req.symbol ||
                row.side != to_string(e.req.s) || row.type != to_string(e.req.type) ||
                row.price != e.req.price || row.qty != e.req.qty) {
              // Another order's id: its row is left alone.
              auto waiters = std::move(e.waiters);
              orders_.erase(j);
              auto err =
                  fail(exchange_errc::duplicate_order,
                       "client order id " + id + " was used before for another order (" +
                           row.account + ": " + row.side + " " + std::to_string(row.qty) + " " +
                           row.symbol + " " + row.type + " at " + std::to_string(row.price) + ")");
              for (auto& w : waiters)
                w.deliver(err);
              return;
            }
            exchange_log().info("session {}: order {} was recorded before; asking the venues first",
                                path(), id);
            // Sent nowhere else than where it was recorded to go, unless a
            // venue has it: then that venue's answer stands.
            e.req.venue = row.venue.empty() ? active_ : row.venue;
            // Every copy expires when the first one does.
            if (row.created_at_ms > 0)
              e.req.expires_at_ms = row.created_at_ms + config::order_send_window_ms;
            e.pinned = true;
            e.candidates = {e.req.venue};
            for (auto& name : {primary_, backup_})
              if (!name.empty() && name != e.req.venue)
                e.candidates.push_back(name);
            e.candidate = 0;
            e.attempts = 0;
            resolve(id);
          },
          [this, id](caf::error& err) {
            // The stored row may be another live order's: left as it is.
            auto j = orders_.find(id);
            if (j == orders_.end())
              return;
            auto waiters = std::move(j->second.waiters);
            orders_.erase(j);
            auto why = caf::error{exchange_errc::venue_unavailable,
                                  "order " + id + " not sent: its earlier record cannot be read: " +
                                      runtime::to_text(err)};
            exchange_log().warn("session {}: {}", path(), runtime::to_text(why));
            for (auto& w : waiters)
              w.deliver(why);
          });
}

void exchange_session::queue_order(const std::string& id) {
  auto& e = orders_[id];
  if (e.cancel_requested) {
    // Cancelled while it was recorded, refused before processing, or found
    // at no venue: no venue has it, so it never leaves.
    cancel_unsent(id);
    return;
  }
  e.at = phase::queued;
  auto v = link(active_);
  if (queue_.empty() && v != nullptr && v->ready && bucket_.try_take(now_us())) {
    send_order(id);
    return;
  }
  e.queued_ns = node_clock().steady_ns();
  queue_.push_back(id);
  drain();
}

void exchange_session::drain() {
  auto l = link(active_);
  if (l == nullptr)
    return;
  auto& v = *l;
  if (!v.auth_error.empty()) {
    auto err = fail(exchange_errc::authentication_failed, v.auth_error);
    while (!queue_.empty()) {
      auto id = queue_.front();
      queue_.pop_front();
      give_up(id, err);
    }
    return;
  }
  if (!v.ready) { // a logon or connection is on its way; it drains when done
    if (v.remote && !v.handle)
      handle(active_);
    expire_queue();
    if (!queue_.empty() && !drain_armed_) {
      drain_armed_ = true;
      delayed_send(this, std::chrono::milliseconds{std::min(probe_interval_ms_, timeout_ms_)},
                   session_timer_atom_v, std::string{"drain"}, uint64_t{0});
    }
    return;
  }
  while (!queue_.empty()) {
    if (!bucket_.try_take(now_us()))
      break;
    auto id = queue_.front();
    queue_.pop_front();
    if (orders_.count(id) > 0)
      send_order(id);
  }
  if (!queue_.empty() && !drain_armed_) {
    drain_armed_ = true;
    auto wait = std::max<int64_t>(bucket_.wait_us(now_us()), 1);
    delayed_send(this, std::chrono::microseconds{wait}, session_timer_atom_v, std::string{"drain"},
                 uint64_t{0});
  }
}

void exchange_session::expire_queue() {
  // Never sent, so refusing is safe; waiting for ever is not an answer.
  auto limit_ms = timeout_ms_ * (static_cast<int64_t>(retry_max_) + 1);
  auto now = node_clock().steady_ns();
  while (!queue_.empty()) {
    auto id = queue_.front();
    auto i = orders_.find(id);
    if (i != orders_.end() && now - i->second.queued_ns < limit_ms * 1'000'000)
      break;
    queue_.pop_front();
    if (i != orders_.end())
      give_up(id, fail(exchange_errc::disconnected,
                       "order " + id + " not sent: venue " + active_ + " was not usable for " +
                           std::to_string(limit_ms) + " ms (request_timeout x (retry_max + 1))"));
  }
}

void exchange_session::reconnect_later(const std::string& venue) {
  auto l = link(venue);
  if (l == nullptr)
    return;
  ++l->resolve_failures;
  delayed_send(this,
               std::chrono::microseconds{backoff_us(std::min<uint32_t>(l->resolve_failures, 20))},
               session_timer_atom_v, "resolve:" + venue, uint64_t{0});
}

void exchange_session::send_order(const std::string& id) {
  auto& e = orders_[id];
  if (!e.pinned && e.req.expires_at_ms > 0 && node_clock().unix_ms() >= e.req.expires_at_ms) {
    // No copy of it can be at a venue (every attempt before was refused),
    // and this one would arrive too late: never placed.
    give_up(id, fail(exchange_errc::order_expired,
                     "order " + id + " not sent: it waited more than " +
                         std::to_string(config::order_send_window_ms) +
                         " ms (order_send_window_ms) to leave; a stale order is not placed"));
    return;
  }
  e.at = phase::sent;
  // An order that may have reached a venue goes nowhere else: a second
  // venue cannot refuse it as a duplicate.
  if (!e.pinned)
    e.req.venue = active_;
  e.candidates = {e.req.venue};
  e.candidate = 0;
  e.sent_ns = node_clock().steady_ns();
  auto gen = e.timer_gen = ++next_gen_;
  auto h = handle(e.req.venue);
  if (!h) {
    send_failed(id, fail(exchange_errc::disconnected, "venue " + e.req.venue + " is not running"));
    return;
  }
  ++e.sends;
  auto venue = e.req.venue;
  request(h, std::chrono::milliseconds{timeout_ms_}, e.req)
      .then(
          [this, id, gen, venue](order_report& rep) {
            if (rep.client_order_id != id || !accept(rep, venue)) {
              // Not an answer about this order: its status decides.
              auto i = orders_.find(id);
              if (i != orders_.end() && i->second.timer_gen == gen)
                send_failed(id, fail(exchange_errc::timeout, "venue " + venue + " answered order " +
                                                                 id + " with a malformed report"));
              return;
            }
            auto i = orders_.find(id);
            if (i != orders_.end() && i->second.timer_gen == gen)
              acknowledged(id, rep);
            else
              update(rep, false);
          },
          [this, id, gen](caf::error& err) {
            auto i = orders_.find(id);
            if (i != orders_.end() && i->second.timer_gen == gen)
              send_failed(id, err);
          });
}

void exchange_session::acknowledged(const std::string& id, order_report& rep) {
  auto& e = orders_[id];
  note_success(node_clock().steady_ns() - e.sent_ns);
  ++acknowledged_;
  if (rep.state == order_state::rejected)
    ++rejected_;
  // The first answer to a new order lists every fill it has.
  finish(id, rep, true);
}

void exchange_session::send_failed(const std::string& id, const caf::error& err) {
  auto& e = orders_[id];
  auto reason = exchange_reason(err);
  note_failure(e.req.venue, err);
  bool maybe_taken = err == caf::sec::request_timeout || err == caf::sec::request_receiver_down ||
                     reason == exchange_errc::timeout || reason == exchange_errc::duplicate_order;
  if (maybe_taken) {
    // The venue may have the order: its status decides, never a resend.
    ++timeouts_;
    exchange_log().warn("session {}: order {} is unknown after '{}'; reading its status", path(),
                        id, text_of(err));
    e.progress.state = order_state::unknown;
    e.pinned = true;
    e.candidates = {e.req.venue};
    e.candidate = 0;
    e.attempts = 0;
    e.at = phase::resolving;
    arm(id, e, backoff_us(1));
    return;
  }
  if (is_retryable(err) && e.attempts < retry_max_) {
    // Refused before processing: safe to send again (the venue may change
    // if the session failed over meanwhile).
    ++e.attempts;
    ++retries_;
    e.at = phase::queued;
    arm(id, e, backoff_us(e.attempts));
    return;
  }
  if (is_retryable(err))
    give_up(id,
            caf::error{reason, "order " + id + " not placed after " +
                                   std::to_string(e.attempts + 1) + " attempts: " + text_of(err)});
  else
    give_up(id, err);
}

void exchange_session::query_venues(std::string id, std::vector<std::string> where, size_t k,
                                    uint64_t sends, report_promise rp) {
  if (k < where.size() && !handle(where[k])) {
    // A venue that cannot be asked might hold it: "unknown_order" would be
    // a guess, and callers release money on it.
    rp.deliver(fail(exchange_errc::disconnected, "venue " + where[k] +
                                                     " is not reachable to say "
                                                     "whether it has order " +
                                                     id));
    return;
  }
  if (k >= where.size()) {
    closed_unknown(id, sends, std::move(rp));
    return;
  }
  auto venue = where[k];
  auto h = handle(venue);
  request(h, std::chrono::milliseconds{timeout_ms_}, order_status_atom_v, account_, id)
      .then(
          [this, rp, venue, id](order_report& rep) mutable {
            if (rep.client_order_id != id || !accept(rep, venue)) {
              rp.deliver(fail(exchange_errc::venue_unavailable,
                              "venue " + venue + " answered the status of " + id +
                                  " with a malformed report"));
              return;
            }
            update(rep, true);
            rp.deliver(rep);
          },
          [this, id, where, k, sends, rp](caf::error& err) mutable {
            if (exchange_reason(err) == exchange_errc::unknown_order)
              query_venues(std::move(id), std::move(where), k + 1, sends, std::move(rp));
            else
              rp.deliver(err);
          });
}

order_report exchange_session::current_report(const std::string& id, const order_entry& e) const {
  order_report rep;
  rep.client_order_id = id;
  rep.account = account_;
  rep.venue = e.req.venue;
  rep.symbol = e.req.symbol;
  rep.s = e.req.s;
  rep.qty = e.req.qty;
  rep.filled = e.progress.filled;
  rep.notional = e.progress.notional;
  switch (e.at) {
  case phase::recording:
  case phase::queued:
  case phase::sent:
    rep.state = e.progress.state == order_state::unknown ? order_state::pending : e.progress.state;
    break;
  case phase::resolving:
  case phase::waiting:
    rep.state = order_state::unknown;
    break;
  case phase::done:
    rep.state = e.progress.state;
    break;
  }
  rep.ts_ms = node_clock().unix_ms();
  return rep;
}

void exchange_session::closed_unknown(const std::string& id, uint64_t sends, report_promise rp) {
  if (auto i = orders_.find(id); i != orders_.end()) {
    auto& e = i->second;
    if (e.sends != sends || (e.at != phase::done && e.at != phase::waiting)) {
      // An attempt went out since the query began: its answer decides, not
      // this one.
      rp.deliver(current_report(id, e));
      return;
    }
    auto rep = current_report(id, e);
    auto now_ms = node_clock().unix_ms();
    if (e.at == phase::waiting && in_send_window(e.req.expires_at_ms, now_ms)) {
      rep.reason = may_still_arrive(e.req.venue, e.req.expires_at_ms, now_ms);
      rp.deliver(rep);
      return;
    }
    std::tie(rep.state, rep.reason) = lost_order(e.at == phase::done, e.req.venue);
    exchange_log().warn("session {}: order {}: {}", path(), id, rep.reason);
    finish(id, rep, false);
    rp.deliver(rep);
    return;
  }
  // Not held by this session (it restarted, or the order finished before):
  // no attempt of this incarnation is on its way, and those of an earlier
  // one reached the venues before this query did. The record decides.
  auto st = persistence::store_of(node().get());
  if (!st) {
    rp.deliver(
        fail(exchange_errc::unknown_order, "no venue of " + account_ + " knows order " + id));
    return;
  }
  request(st, std::chrono::milliseconds{config::store_request_timeout_ms},
          persistence::load_order_atom_v, id)
      .then(
          [this, id, rp](persistence::order_record& row) mutable {
            order_report rep;
            rep.client_order_id = id;
            rep.account = row.account;
            rep.venue = row.venue;
            rep.symbol = row.symbol;
            rep.s = row.side == "buy" ? side::buy : side::sell;
            rep.qty = row.qty;
            rep.filled = row.filled;
            rep.ts_ms = node_clock().unix_ms();
            if (persistence::is_final_status(row.status)) {
              rep.state = row.status == "filled"      ? order_state::filled
                          : row.status == "cancelled" ? order_state::cancelled
                                                      : order_state::rejected;
              rep.reason = row.reason;
              rp.deliver(rep);
              return;
            }
            auto acknowledged = row.status == "open" || row.status == "partially_filled";
            auto expires = row.created_at_ms > 0 ? row.created_at_ms + config::order_send_window_ms
                                                 : int64_t{0};
            auto now_ms = node_clock().unix_ms();
            if (!acknowledged && in_send_window(expires, now_ms)) {
              // A member that ran the account before may have sent it just
              // before it stopped: that copy can still arrive.
              rep.state = order_state::unknown;
              rep.reason = may_still_arrive(row.venue, expires, now_ms);
              rp.deliver(rep);
              return;
            }
            std::tie(rep.state, rep.reason) = lost_order(acknowledged, row.venue);
            exchange_log().warn("session {}: order {}: {}", path(), id, rep.reason);
            ++unknown_resolved_;
            persistence::order_update u;
            u.client_order_id = id;
            u.status = to_string(rep.state);
            u.reason = rep.reason;
            tell_store<persistence::order_update_result>("recording the status of order " + id,
                                                         persistence::update_order_atom_v,
                                                         std::move(u));
            rp.deliver(rep);
          },
          [this, id, rp](caf::error& err) mutable {
            if (err == persistence::store_errc::unknown_order)
              rp.deliver(fail(exchange_errc::unknown_order, "no venue of " + account_ +
                                                                " knows order " + id +
                                                                ", and it was never recorded"));
            else
              rp.deliver(fail(exchange_errc::venue_unavailable,
                              "no venue knows order " + id +
                                  ", and its record cannot be read: " + runtime::to_text(err)));
          });
}

order_report exchange_session::cancel_unsent(const std::string& id) {
  auto& e = orders_[id];
  auto rep = current_report(id, e);
  rep.state = order_state::cancelled;
  rep.reason = "cancelled before it was sent";
  finish(id, rep, true);
  return rep;
}

void exchange_session::send_deferred_cancel(const std::string& id) {
  auto i = orders_.find(id);
  if (i == orders_.end())
    return;
  i->second.cancel_requested = false;
  auto venue = i->second.req.venue;
  auto h = handle(venue);
  if (!h) {
    i->second.cancel_requested = true; // sent when the order is next heard of
    return;
  }
  request(h, std::chrono::milliseconds{timeout_ms_}, cancel_order_atom_v, account_, id)
      .then(
          [this, venue](order_report& rep) {
            if (!accept(rep, venue))
              return;
            auto j = orders_.find(rep.client_order_id);
            auto owner = j != orders_.end() ? j->second.owner : caf::actor{};
            update(rep, false);
            if (owner)
              report_to(owner, rep);
          },
          [this, id, venue](caf::error& err) {
            if (exchange_reason(err) == exchange_errc::invalid_order) {
              // Final already (a fill won the race): its status tells all.
              refresh(id, venue);
              return;
            }
            // The venue is away: the owner asks again.
            exchange_log().warn("session {}: the cancel of {} asked for before its acknowledgement "
                                "failed: {}",
                                path(), id, text_of(err));
            if (is_retryable(err))
              note_failure(venue, err);
          });
}

void exchange_session::resolve(const std::string& id) {
  auto i = orders_.find(id);
  if (i == orders_.end())
    return;
  auto& e = i->second;
  e.at = phase::resolving;
  if (e.candidate >= e.candidates.size()) {
    if (e.waiters.empty()) {
      // Its caller was told it would not be resubmitted (and may have
      // replaced it): never placed, and now never will be.
      e.at = phase::recording;
      give_up(id, fail(exchange_errc::order_unknown,
                       "order " + id +
                           " was never placed (no venue has it); not sent now, "
                           "its caller gave up on it"));
      return;
    }
    // Every venue that could hold it says it never saw it: send it now.
    exchange_log().info("session {}: no venue has order {}; sending it", path(), id);
    queue_order(id);
    return;
  }
  auto venue = e.candidates[e.candidate];
  auto gen = e.timer_gen = ++next_gen_;
  auto h = handle(venue);
  auto retry = [this, id](const caf::error& err) {
    auto& x = orders_[id];
    if (++x.attempts > retry_max_) {
      x.at = phase::waiting;
      give_up(id, caf::error{exchange_errc::order_unknown,
                             "order " + id + ": no answer from venue " + x.candidates[x.candidate] +
                                 " after " + std::to_string(x.attempts) + " status queries (" +
                                 text_of(err) + "); not resubmitted, ask for its status later"});
      return;
    }
    arm(id, x, backoff_us(x.attempts));
  };
  if (!h) {
    retry(fail(exchange_errc::disconnected, "venue " + venue + " is not running"));
    return;
  }
  request(h, std::chrono::milliseconds{timeout_ms_}, order_status_atom_v, account_, id)
      .then(
          [this, id, gen, venue, retry](order_report& rep) {
            auto j = orders_.find(id);
            if (rep.client_order_id != id || !accept(rep, venue)) {
              if (j != orders_.end() && j->second.timer_gen == gen)
                retry(fail(exchange_errc::venue_unavailable,
                           "venue " + venue + " answered with a malformed report"));
              return;
            }
            if (j == orders_.end() || j->second.timer_gen != gen)
              return update(rep, true);
            exchange_log().info("session {}: order {} found on {}: {}", path(), id, rep.venue,
                                to_string(rep.state));
            j->second.req.venue = rep.venue;
            update(rep, true);
          },
          [this, id, gen, retry](caf::error& err) {
            auto j = orders_.find(id);
            if (j == orders_.end() || j->second.timer_gen != gen)
              return;
            if (exchange_reason(err) == exchange_errc::unknown_order) {
              ++j->second.candidate;
              j->second.attempts = 0;
              resolve(id);
              return;
            }
            retry(err);
          });
}

void exchange_session::give_up(const std::string& id, const caf::error& err) {
  auto i = orders_.find(id);
  if (i == orders_.end())
    return;
  auto& e = i->second;
  auto waiters = std::move(e.waiters);
  e.waiters.clear();
  if (e.at == phase::waiting) {
    // Unknown: kept, so that a later status query or recovery settles it.
    e.progress.state = order_state::unknown;
    record_status(id, e);
  } else {
    ++rejected_;
    e.progress.state = order_state::rejected;
    record_status(id, e, runtime::to_text(err));
    orders_.erase(i);
  }
  exchange_log().warn("session {}: {}", path(), runtime::to_text(err));
  for (auto& w : waiters)
    w.deliver(err);
}

void exchange_session::finish(const std::string& id, order_report& rep, bool complete) {
  auto i = orders_.find(id);
  if (i == orders_.end())
    return;
  auto& e = i->second;
  if (e.at == phase::resolving || e.at == phase::waiting)
    ++unknown_resolved_;
  merge_report(e.progress, rep);
  e.at = phase::done;
  e.timer_gen = ++next_gen_; // answers still on their way are stale now
  e.last = rep;
  record(id, &e, rep, complete);
  auto waiters = std::move(e.waiters);
  e.waiters.clear();
  // Nobody waits for this answer (an order settled long after its caller
  // gave up): its owner still hears of its fills.
  if (waiters.empty() && e.owner && !rep.fills.empty())
    report_to(e.owner, rep);
  auto final = is_final(e.progress.state);
  auto cancel = !final && e.cancel_requested;
  if (final)
    orders_.erase(i);
  for (auto& w : waiters)
    w.deliver(rep);
  if (cancel)
    send_deferred_cancel(id);
}

void exchange_session::update(order_report& rep, bool complete) {
  auto i = orders_.find(rep.client_order_id);
  if (i != orders_.end() && (i->second.at == phase::resolving || i->second.at == phase::waiting)) {
    // Whatever the venue says settles an unknown order.
    finish(rep.client_order_id, rep, complete);
    return;
  }
  if (i == orders_.end()) {
    record(rep.client_order_id, nullptr, rep, complete);
    return;
  }
  auto& e = i->second;
  merge_report(e.progress, rep);
  record(rep.client_order_id, &e, rep, complete);
  if (e.at == phase::done) {
    e.last.state = e.progress.state;
    e.last.filled = e.progress.filled;
    e.last.notional = e.progress.notional;
    e.last.reason = rep.reason;
    if (is_final(e.progress.state) && e.waiters.empty())
      orders_.erase(i);
  }
}

void exchange_session::refuse_market_data(const std::string& venue, const std::string& why) {
  ++market_data_refused_;
  // At the 1st, 2nd, 4th, 8th, ... refusal: a venue sending garbage at its
  // full rate must not fill the log.
  if ((market_data_refused_ & (market_data_refused_ - 1)) == 0)
    exchange_log().warn("session {}: venue {} sent market data no agent may see ({} so far): {}",
                        account_, venue, market_data_refused_, why);
}

void exchange_session::refresh(const std::string& id, const std::string& venue) {
  auto h = handle(venue);
  if (!h)
    return; // asked again with the next report, or at the owner's next poll
  if (auto i = orders_.find(id); i != orders_.end()) {
    if (i->second.refreshing)
      return;
    i->second.refreshing = true;
  }
  request(h, std::chrono::milliseconds{timeout_ms_}, order_status_atom_v, account_, id)
      .then(
          [this, id, venue](order_report& rep) {
            if (auto i = orders_.find(id); i != orders_.end())
              i->second.refreshing = false;
            if (rep.client_order_id != id || !accept(rep, venue))
              return;
            auto i = orders_.find(id);
            auto owner = i != orders_.end() ? i->second.owner : caf::actor{};
            update(rep, true);
            // The owner hears of fills it may have missed (it skips those it
            // has).
            if (owner && !rep.fills.empty())
              report_to(owner, rep);
          },
          [this, id](caf::error&) {
            if (auto i = orders_.find(id); i != orders_.end())
              i->second.refreshing = false;
          });
}

template <class Result, class... Ts>
void exchange_session::tell_store(std::string what, Ts&&... xs) {
  auto st = persistence::store_of(node().get());
  if (!st)
    return;
  request(st, std::chrono::milliseconds{config::store_request_timeout_ms}, std::forward<Ts>(xs)...)
      .then([](Result) {},
            [this, what = std::move(what)](caf::error& err) {
              exchange_log().error("session {}: {} failed: {}", path(), what,
                                   runtime::to_text(err));
            });
}

void exchange_session::record_status(const std::string& id, const order_entry& e,
                                     std::string reason) {
  persistence::order_update u;
  u.client_order_id = id;
  u.status = to_string(e.progress.state);
  u.venue = e.req.venue;
  u.reason = std::move(reason);
  tell_store<persistence::order_update_result>("recording the status of order " + id,
                                               persistence::update_order_atom_v, std::move(u));
}

void exchange_session::report_to(const caf::actor& owner, const order_report& rep) {
  // As itself, not anonymously: an agent books reports of its session only.
  caf::send_as(caf::actor_cast<caf::actor>(this), owner, order_update_atom_v, rep);
}

void exchange_session::arm(const std::string& id, order_entry& e, int64_t delay_us) {
  auto gen = e.timer_gen = ++next_gen_;
  delayed_send(this, std::chrono::microseconds{std::max<int64_t>(delay_us, 1)},
               session_timer_atom_v, "o:" + id, gen);
}

void exchange_session::on_timer(const std::string& what, uint64_t gen) {
  if (what == "drain") {
    drain_armed_ = false;
    drain();
    return;
  }
  if (what.rfind("resolve:", 0) == 0) {
    if (auto l = link(what.substr(8)); l != nullptr && !l->ready && l->auth_error.empty())
      connect(*l);
    return;
  }
  if (what == "probe") {
    probe_armed_ = false;
    probe();
    return;
  }
  if (what == "heartbeat") {
    heartbeat();
    return;
  }
  if (what == "recover") {
    if (gen != recover_gen_)
      return;
    auto waiters = std::move(recover_waiters_);
    recover_waiters_.clear();
    for (auto& rp : waiters)
      rp.deliver(status_now());
    return;
  }
  if (what.rfind("o:", 0) != 0)
    return;
  auto id = what.substr(2);
  auto i = orders_.find(id);
  if (i == orders_.end() || i->second.timer_gen != gen)
    return;
  if (i->second.at == phase::resolving)
    resolve(id);
  else if (i->second.at == phase::queued)
    queue_order(id);
}

void exchange_session::alert(const std::string& level, const std::string& action,
                             const std::string& detail) {
  if (level == "error")
    exchange_log().error("ALERT {} {}: {}", action, path(), detail);
  else
    exchange_log().warn("ALERT {} {}: {}", action, path(), detail);
  tell_store<uint64_t>("auditing " + action, persistence::append_audit_atom_v,
                       persistence::make_audit(path(), "system", action, detail));
}

int64_t exchange_session::backoff_us(uint32_t attempt) {
  return runtime::restart_delay(backoff_, std::max<uint32_t>(attempt, 1), jitter_.next_unit())
             .count() *
         1000;
}

exchange_status exchange_session::status_now() const {
  exchange_status s;
  s.account = account_;
  s.primary = primary_;
  s.backup = backup_;
  s.active = active_;
  s.on_backup = active_ != primary_;
  auto i = venues_.find(active_);
  auto v = i != venues_.end() ? &i->second : nullptr;
  auto running =
      v != nullptr && (v->handle || (!v->remote && node() &&
                                     node()->registry().find(venue_path(active_)) != nullptr));
  s.connected = running && v->ready && v->auth_error.empty() && active_reachable_;
  if (!logged_off_.empty())
    s.state = "logged_off";
  else if (v != nullptr && !v->auth_error.empty())
    s.state = "auth_failed";
  else if (!s.connected)
    s.state = "disconnected";
  else if (s.on_backup)
    s.state = "failed_over";
  else if (consecutive_failures_ > 0)
    s.state = "degraded";
  else
    s.state = "connected";
  s.latency_ewma_us = latency_ewma_us_;
  auto recent = latency_prev_us_;
  recent.merge(latency_us_);
  s.latency_p99_us = recent.quantile(0.99);
  s.last_test_us = last_test_us_;
  s.last_error = last_error_;
  s.last_error_at_ms = last_error_at_ms_;
  s.rate_budget = bucket_.available(now_us());
  s.queued = static_cast<int64_t>(queue_.size());
  s.consecutive_failures = consecutive_failures_;
  s.orders = orders_sent_;
  s.acknowledged = acknowledged_;
  s.rejected = rejected_;
  s.retries = retries_;
  s.timeouts = timeouts_;
  s.unknown_resolved = unknown_resolved_;
  s.fills = fills_;
  s.failovers = failovers_;
  s.failbacks = failbacks_;
  s.market_data_refused = market_data_refused_;
  s.unrecorded = unrecorded_.size();
  return s;
}

std::string exchange_session::describe() const {
  return runtime::status_json(status_now());
}

} // namespace tfarm::actors
