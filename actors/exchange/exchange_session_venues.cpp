// exchange_session's venues: finding them (in this node or remote), logon,
// health, failover and failback (exchange_session.hpp).
#include "actors/exchange/exchange_session.hpp"

#include <algorithm>
#include <chrono>

#include <openssl/crypto.h>
#include <spdlog/logger.h>

#include "actors/exchange/detail/session_text.hpp"
#include "actors/exchange/error.hpp"
#include "actors/exchange/logger.hpp"
#include "actors/exchange/secret_box.hpp"
#include "config/limits.hpp"
#include "runtime/actor_registry.hpp"
#include "runtime/clock.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::actors {

using detail::fail;
using detail::text_of;

// -- venues ---------------------------------------------------------------------------------

exchange_session::venue_link* exchange_session::link(const std::string& venue) {
  auto i = venues_.find(venue);
  return i != venues_.end() ? &i->second : nullptr;
}

venue_actor exchange_session::handle(const std::string& venue) {
  auto v = link(venue);
  if (v == nullptr)
    return {};
  if (v->handle)
    return v->handle;
  if (v->remote) {
    resolve_remote(*v);
    return {};
  }
  if (!node())
    return {};
  auto entry = node()->registry().find(venue_path(venue));
  if (!entry || !entry->handle())
    return {};
  v->handle = caf::actor_cast<venue_actor>(entry->handle());
  monitor(v->handle);
  return v->handle;
}

void exchange_session::connect(venue_link& v) {
  if (v.remote)
    resolve_remote(v);
  else if (v.credentials)
    logon(v);
}

void exchange_session::resolve_remote(venue_link& v) {
  if (v.resolving || v.handle)
    return;
  auto entry = node() ? node()->registry().find(remote_venues_path) : nullptr;
  auto name = v.name;
  auto failed = [this, name](const caf::error& err) {
    auto l = link(name);
    if (l == nullptr)
      return;
    l->resolving = false;
    auto why = fail(exchange_errc::disconnected,
                    "cannot reach remote venue " + name + ": " + text_of(err));
    if (l->resolve_failures == 0 || l->resolve_failures % 100 == 99)
      exchange_log().warn("session {}: {} (attempt {})", path(), runtime::message_of(why),
                          l->resolve_failures + 1);
    note_failure(name, why);
    reconnect_later(name);
  };
  if (!entry || !entry->handle())
    return failed(
        fail(exchange_errc::unknown_venue, "this node has no connector to remote venues"));
  v.resolving = true;
  request(caf::actor_cast<venue_directory_actor>(entry->handle()),
          std::chrono::milliseconds{timeout_ms_}, lookup_venue_atom_v, name)
      .then(
          [this, name](caf::actor& a) {
            auto l = link(name);
            if (l == nullptr)
              return;
            l->resolving = false;
            if (!a)
              return reconnect_later(name);
            auto h = caf::actor_cast<venue_actor>(a);
            l->resolve_failures = 0;
            l->handle = h;
            monitor(h);
            exchange_log().info("session {}: connected to remote venue {}", path(), name);
            if (l->credentials) {
              logon(*l);
            } else {
              l->ready = true;
              if (name == active_) {
                subscribe_all(name);
                drain();
              }
              primary_ready(name);
            }
          },
          failed);
}

void exchange_session::logon(venue_link& v) {
  if (v.logging_on || !logged_off_.empty())
    return;
  auto st = persistence::store_of(node().get());
  auto name = v.name;
  auto failed = [this, name](const std::string& why) {
    auto l = link(name);
    if (l == nullptr)
      return;
    l->logging_on = false;
    l->auth_error = "session " + account_ + "@" + name + ": " + why;
    last_error_ = l->auth_error;
    last_error_at_ms_ = node_clock().unix_ms();
    alert("error", "exchange.auth_failed", l->auth_error);
    if (name == active_)
      drain();
  };
  // The venue (not the credential) is the problem: try again later.
  auto retry_logon = [this, name] {
    if (auto l = link(name)) {
      l->logging_on = false;
      reconnect_later(name);
    }
  };
  if (!st)
    return failed("no store on this node to load the credential from");
  auto box = secret_box::configured(master_key_file_);
  if (!box)
    return failed("venue " + name + " needs credentials: " + runtime::message_of(box.error()));
  auto h = handle(name);
  if (!h)
    return retry_logon();
  v.logging_on = true;
  v.auth_error.clear();
  // Challenge first, then the secret: it is opened only to answer a nonce
  // the venue gave this session, and wiped right after.
  auto on_error = [failed, retry_logon](caf::error& err) {
    if (err == caf::sec::request_timeout || is_retryable(err))
      retry_logon();
    else
      failed("logon refused: " + text_of(err));
  };
  auto timeout = std::chrono::milliseconds{timeout_ms_};
  request(h, timeout, logon_challenge_atom_v, account_)
      .then(
          [this, st, h, name, box = *box, failed, retry_logon, on_error,
           timeout](std::string& nonce) {
            request(st, std::chrono::milliseconds{config::store_request_timeout_ms},
                    persistence::load_credential_atom_v, name, account_)
                .then(
                    [this, h, name, box, nonce, failed, on_error,
                     timeout](persistence::credential_record& c) {
                      auto secret = box.open(
                          c.sealed, secret_box::credential_context(c.venue, c.account, c.key_id));
                      if (!secret)
                        return failed("cannot open credential " + c.key_id + ": " +
                                      runtime::message_of(secret.error()));
                      auto proof = secret_box::logon_proof(*secret, account_, c.key_id, nonce);
                      OPENSSL_cleanse(secret->data(), secret->size());
                      auto key_id = c.key_id;
                      request(h, timeout, logon_atom_v, account_, key_id, proof)
                          .then([this, name, key_id](bool) { logged_on(name, key_id); }, on_error);
                    },
                    [failed, retry_logon](caf::error& err) {
                      if (err == caf::sec::request_timeout)
                        retry_logon();
                      else
                        failed(runtime::message_of(err));
                    });
          },
          on_error);
}

void exchange_session::logged_on(const std::string& name, const std::string& key_id) {
  auto l = link(name);
  if (l == nullptr)
    return;
  l->logging_on = false;
  if (!logged_off_.empty()) {
    // A lockdown came while this logon was on its way: undo it.
    log_off(*l);
    return;
  }
  l->ready = true;
  l->resolve_failures = 0;
  exchange_log().info("session {}: logged on to {} with key {}", path(), name, key_id);
  if (name == active_) {
    subscribe_all(name);
    drain();
  }
  primary_ready(name);
}

void exchange_session::log_off(venue_link& v) {
  v.ready = false;
  v.auth_error = "session " + account_ + "@" + v.name + ": " + logged_off_;
  if (v.credentials && v.handle)
    request(v.handle, std::chrono::milliseconds{timeout_ms_}, logoff_atom_v, account_)
        .then([this, name = v.name](
                  bool) { exchange_log().info("session {}: logged off {}", path(), name); },
              [this, name = v.name](caf::error& err) {
                exchange_log().warn("session {}: the venue {} did not confirm the logoff: {}",
                                    path(), name, text_of(err));
              });
}

void exchange_session::note_success(int64_t latency_ns) {
  consecutive_failures_ = 0;
  active_reachable_ = true;
  last_contact_ns_ = node_clock().steady_ns();
  auto us = std::max<int64_t>(latency_ns / 1000, 0);
  rotate_latency(node_clock().steady_ns());
  latency_us_.record(us);
  latency_ewma_us_ = latency_ewma_us_ == 0 ? us : latency_ewma_us_ + (us - latency_ewma_us_) / 8;
}

void exchange_session::note_failure(const std::string& venue, const caf::error& err) {
  last_error_ = text_of(err);
  last_error_at_ms_ = node_clock().unix_ms();
  if (venue != active_)
    return;
  ++consecutive_failures_;
  auto reason = exchange_reason(err);
  if (reason == exchange_errc::disconnected || reason == exchange_errc::timeout ||
      err == caf::sec::request_timeout || err == caf::sec::request_receiver_down)
    active_reachable_ = false;
  if (reason == exchange_errc::disconnected)
    failover(last_error_);
  else if (consecutive_failures_ >= failover_after_)
    failover(std::to_string(consecutive_failures_) + " consecutive failures on " + venue +
             ", the last: " + last_error_);
}

void exchange_session::failover(const std::string& why) {
  if (backup_.empty() || active_ == backup_)
    return;
  active_ = backup_;
  ++failovers_;
  consecutive_failures_ = 0;
  healthy_probes_ = 0;
  // Not known to be reachable until it answers: ask it now.
  active_reachable_ = false;
  ping_active();
  alert("error", "exchange.failover",
        account_ + ": " + primary_ + " -> " + backup_ + " (" + why + ")");
  subscribe_all(active_);
  if (!probe_armed_) {
    probe_armed_ = true;
    delayed_send(this, std::chrono::milliseconds{probe_interval_ms_}, session_timer_atom_v,
                 std::string{"probe"}, uint64_t{0});
  }
  publish_description();
  drain();
}

void exchange_session::failback(const std::string& why) {
  if (active_ == primary_)
    return;
  active_ = primary_;
  ++failbacks_;
  consecutive_failures_ = 0;
  // The probes that made us come back were answered by it.
  active_reachable_ = true;
  alert("warning", "exchange.failback",
        account_ + ": " + backup_ + " -> " + primary_ + " (" + why + ")");
  subscribe_all(active_);
  // Orders left unknown on the primary can be settled now.
  retry_unknown();
  publish_description();
  drain();
}

void exchange_session::retry_unknown() {
  // Ids first: resolving may drop entries.
  std::vector<std::string> ids;
  for (auto& [id, e] : orders_)
    if (e.at == phase::waiting)
      ids.push_back(id);
  for (auto& id : ids) {
    if (auto i = orders_.find(id); i != orders_.end()) {
      i->second.attempts = 0;
      i->second.candidate = 0;
      resolve(id);
    }
  }
}

void exchange_session::probe() {
  if (active_ == primary_)
    return;
  auto rearm = [this] {
    if (probe_armed_ || active_ == primary_)
      return;
    probe_armed_ = true;
    delayed_send(this, std::chrono::milliseconds{probe_interval_ms_}, session_timer_atom_v,
                 std::string{"probe"}, uint64_t{0});
  };
  auto h = handle(primary_);
  if (!h) {
    healthy_probes_ = 0;
    rearm();
    return;
  }
  ping(
      primary_, h, false,
      [this, rearm](int64_t) {
        ++healthy_probes_;
        if (auto_failback_ && healthy_probes_ >= failback_probes_)
          failback(std::to_string(healthy_probes_) + " healthy probes of " + primary_);
        else
          rearm();
      },
      [this, rearm](caf::error&) {
        healthy_probes_ = 0;
        rearm();
      });
}

void exchange_session::recover_when_ready(status_promise rp) {
  auto h = handle(primary_);
  auto l = link(primary_);
  if (l != nullptr && (!h || !l->ready) && (l->resolving || l->logging_on)) {
    // Being looked up or logged on again: answer once it is (or once the
    // request timeout passed), not with the state of a moment ago.
    recover_waiters_.push_back(std::move(rp));
    if (recover_waiters_.size() == 1)
      delayed_send(this, std::chrono::milliseconds{timeout_ms_}, session_timer_atom_v,
                   std::string{"recover"}, ++recover_gen_);
    return;
  }
  if (!h) {
    rp.deliver(status_now());
    return;
  }
  ping(
      primary_, h, true,
      [this, rp](int64_t ns) mutable {
        if (active_ != primary_) {
          failback("recover: the primary answers");
          note_success(ns);
        }
        subscribe_all(active_);
        retry_unknown();
        drain();
        rp.deliver(status_now());
      },
      [this, rp](caf::error&) mutable { rp.deliver(status_now()); });
}

void exchange_session::primary_ready(const std::string& venue) {
  if (venue != primary_ || recover_waiters_.empty())
    return;
  auto waiters = std::move(recover_waiters_);
  recover_waiters_.clear();
  ++recover_gen_; // the timeout has nothing left to answer
  for (auto& rp : waiters)
    recover_when_ready(std::move(rp));
}

void exchange_session::rotate_latency(int64_t now_ns) {
  // Two windows: p99 covers the last one to two of them.
  if (now_ns - latency_window_start_ns_ < latency_window_ns_)
    return;
  if (now_ns - latency_window_start_ns_ >= 2 * latency_window_ns_)
    latency_us_.reset(); // a whole window without a sample: nothing is recent
  latency_prev_us_ = latency_us_;
  latency_us_.reset();
  latency_window_start_ns_ = now_ns;
}

void exchange_session::heartbeat() {
  rotate_latency(node_clock().steady_ns());
  auto retry = std::move(unrecorded_);
  unrecorded_.clear();
  for (auto& [u, agent] : retry)
    store_update(std::move(u), std::move(agent));
  // Only when nothing else showed the active venue alive lately: busy
  // sessions pay nothing for it.
  if (node_clock().steady_ns() - last_contact_ns_ >= probe_interval_ms_ * 1'000'000)
    ping_active();
  delayed_send(this, std::chrono::milliseconds{probe_interval_ms_}, session_timer_atom_v,
               std::string{"heartbeat"}, uint64_t{0});
}

void exchange_session::ping_active() {
  auto venue = active_;
  auto h = handle(venue);
  if (!h) {
    // Being looked up or logged on: its connection code reports failures.
    if (auto l = link(venue); l == nullptr || (!l->resolving && !l->logging_on))
      active_reachable_ = false;
    return;
  }
  if (ping_in_flight_)
    return; // a slow venue gets one ping at a time
  ping_in_flight_ = true;
  ping(
      venue, h, true, [this](int64_t) { ping_in_flight_ = false; },
      [this](caf::error&) { ping_in_flight_ = false; });
}

void exchange_session::ping(const std::string& venue, const venue_actor& h, bool note,
                            std::function<void(int64_t)> answered,
                            std::function<void(caf::error&)> failed) {
  auto t0 = node_clock().steady_ns();
  request(h, std::chrono::milliseconds{timeout_ms_}, ping_atom_v)
      .then(
          [this, venue, note, t0, answered = std::move(answered)](int64_t) {
            auto ns = node_clock().steady_ns() - t0;
            if (note && venue == active_)
              note_success(ns);
            answered(ns);
          },
          [this, venue, note, failed = std::move(failed)](caf::error& err) {
            if (note)
              note_failure(venue, err);
            failed(err);
          });
}

void exchange_session::subscribe_all(const std::string& venue) {
  std::vector<std::string> symbols;
  for (auto& [symbol, subs] : subscribers_)
    if (!subs.empty())
      symbols.push_back(symbol);
  auto h = handle(venue);
  if (symbols.empty() || !h)
    return;
  request(h, std::chrono::milliseconds{timeout_ms_}, md_subscribe_atom_v, symbols,
          caf::actor_cast<caf::actor>(this))
      .then(
          [this](std::vector<book_top>& tops) {
            for (auto& top : tops)
              if (auto i = subscribers_.find(top.symbol); i != subscribers_.end())
                for (auto& s : i->second)
                  caf::anon_send(s, top);
          },
          [this, venue](caf::error& err) {
            exchange_log().warn("session {}: market data from {} not subscribed: {}", path(), venue,
                                text_of(err));
          });
}

} // namespace tfarm::actors
