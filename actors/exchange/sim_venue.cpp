// The simulated venue (sim_venue.hpp): its behaviour, epochs, requests
// (logon, submit, cancel, status), injected faults and what matching does
// to orders; its own market is in sim_venue_market.cpp.
#include "actors/exchange/sim_venue.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <spdlog/logger.h>

#include "actors/exchange/error.hpp"
#include "actors/exchange/logger.hpp"
#include "actors/exchange/order_check.hpp"
#include "actors/exchange/secret_box.hpp"
#include "actors/vault/vault_names.hpp"
#include "config/duration.hpp"
#include "config/limits.hpp"
#include "persistence/store_actor.hpp"
#include "runtime/checkpoint.hpp"
#include "runtime/error_text.hpp"
#include "runtime/state_codec.hpp"
#include "runtime/status_json.hpp"

namespace tfarm::actors {

namespace {

uint32_t to_ppm(double rate) {
  return static_cast<uint32_t>(std::clamp(rate, 0.0, 1.0) * sim_ppm_one + 0.5);
}

caf::error fail(exchange_errc code, std::string message) {
  return caf::error{code, std::move(message)};
}

} // namespace

std::string to_string(order_state x) {
  switch (x) {
  case order_state::pending:
    return "pending";
  case order_state::open:
    return "open";
  case order_state::partially_filled:
    return "partially_filled";
  case order_state::filled:
    return "filled";
  case order_state::cancelled:
    return "cancelled";
  case order_state::rejected:
    return "rejected";
  case order_state::unknown:
    return "unknown";
  }
  return "?";
}

bool is_final(order_state x) {
  return x == order_state::filled || x == order_state::cancelled || x == order_state::rejected;
}

venue_faults to_faults(const config::venue_fault_settings& f) {
  venue_faults x;
  x.latency_us = f.latency.count() * 1000;
  x.latency_jitter_us = f.latency_jitter.count() * 1000;
  x.error_ppm = to_ppm(f.error_rate);
  x.rate_limit_ppm = to_ppm(f.rate_limit_rate);
  x.drop_reply_ppm = to_ppm(f.drop_rate);
  x.disconnected = f.disconnected;
  x.disconnect_every_ms = f.disconnect_every.count();
  x.disconnect_for_ms = f.disconnect_for.count();
  return x;
}

sim_venue_params sim_venue_params_for(const config::venue_settings& v,
                                      const std::string& master_key_file) {
  auto f = to_faults(v.faults);
  auto& m = v.market_data;
  sim_venue_params p;
  p.name = v.name;
  p.symbols = v.symbols;
  p.seed = v.seed;
  p.taker_fee_bps = v.taker_fee_bps;
  p.maker_fee_bps = v.maker_fee_bps;
  p.require_logon = v.credentials;
  p.master_key_file = master_key_file;
  p.interval_ms = m.interval.count();
  p.start_price = m.start_price;
  p.volatility_bps = m.volatility_bps;
  p.depth = m.depth;
  p.level_qty = m.level_qty;
  p.taker_ppm = to_ppm(m.taker_rate);
  p.replay = m.replay;
  p.latency_us = f.latency_us;
  p.latency_jitter_us = f.latency_jitter_us;
  p.error_ppm = f.error_ppm;
  p.rate_limit_ppm = f.rate_limit_ppm;
  p.drop_ppm = f.drop_reply_ppm;
  p.disconnected = f.disconnected;
  p.disconnect_every_ms = f.disconnect_every_ms;
  p.disconnect_for_ms = f.disconnect_for_ms;
  return p;
}

sim_venue::sim_venue(caf::actor_config& cfg, runtime::spawn_context ctx)
    : super(cfg, std::move(ctx)), params_(runtime::params_of<sim_venue_params>(spec())),
      name_(params_.name.empty() ? spec().id : params_.name), require_logon_(params_.require_logon),
      interval_ms_(params_.interval_ms), volatility_bps_(params_.volatility_bps),
      depth_(params_.depth), level_qty_(params_.level_qty), taker_ppm_(params_.taker_ppm),
      engine_(params_.taker_fee_bps, params_.maker_fee_bps), market_rng_(params_.seed),
      fault_rng_(params_.seed ^ 0x9e3779b97f4a7c15ULL) {
  auto start_price = std::max<int64_t>(params_.start_price, 1);
  for (auto& symbol : params_.symbols) {
    symbol_state s;
    auto dash = symbol.find('-');
    s.base = symbol.substr(0, dash);
    s.quote = dash == std::string::npos ? std::string{} : symbol.substr(dash + 1);
    s.mid = start_price;
    s.top.venue = name_;
    s.top.symbol = symbol;
    symbols_.emplace(symbol, std::move(s));
  }
  faults_.latency_us = params_.latency_us;
  faults_.latency_jitter_us = params_.latency_jitter_us;
  faults_.error_ppm = params_.error_ppm;
  faults_.rate_limit_ppm = params_.rate_limit_ppm;
  faults_.drop_reply_ppm = params_.drop_ppm;
  faults_.disconnected = params_.disconnected;
  faults_.disconnect_every_ms = params_.disconnect_every_ms;
  faults_.disconnect_for_ms = params_.disconnect_for_ms;
  set_down_handler([this](caf::down_msg& msg) {
    for (auto& [symbol, s] : symbols_)
      s.subscribers.erase(std::remove_if(s.subscribers.begin(), s.subscribers.end(),
                                         [&](const caf::actor& a) { return a == msg.source; }),
                          s.subscribers.end());
  });
}

runtime::kind_info sim_venue::kind() {
  return runtime::make_kind<sim_venue>(
      "sim_venue", "simulated venue: matching engine, market data, fault injection");
}

sim_venue::behavior_type sim_venue::make_behavior() {
  auto& replay = params_.replay;
  if (!replay.empty()) {
    if (auto err = load_replay(replay)) {
      exchange_log().error("venue {}: {}", name_, runtime::message_of(err));
      quit(err);
    }
  }
  for (auto& [symbol, s] : symbols_) {
    if (replay_.empty())
      requote(symbol, s);
    publish(symbol, s);
  }
  if (interval_ms_ > 0)
    delayed_send(this, std::chrono::milliseconds{interval_ms_}, md_tick_atom_v);
  start_windows();
  begin_epoch();
  exchange_log().info(
      "venue {}: simulated, {} symbols{}", name_, symbols_.size(),
      replay_.empty() ? "" : ", replaying " + std::to_string(replay_.size()) + " trades");
  return {
      [this](order_request& r) -> caf::result<order_report> {
        // Before the promise: making it takes the sender out of the message.
        auto owner = caf::actor_cast<caf::actor>(current_sender());
        auto rp = make_response_promise<order_report>();
        if (auto err = gate(true)) {
          answer(rp, caf::expected<order_report>{std::move(err)});
          return rp;
        }
        auto result = submit(r, owner);
        auto dropped = faults_.drop_next > 0 || draw(faults_.drop_reply_ppm);
        if (faults_.drop_next > 0)
          --faults_.drop_next;
        if (!dropped)
          answer(rp, std::move(result));
        return rp;
      },
      [this](cancel_order_atom, std::string& account,
             std::string& id) -> caf::result<order_report> {
        auto rp = make_response_promise<order_report>();
        if (auto err = gate(false))
          answer(rp, caf::expected<order_report>{std::move(err)});
        else
          answer(rp, cancel(account, id));
        return rp;
      },
      [this](order_status_atom, std::string& account,
             std::string& id) -> caf::result<order_report> {
        auto rp = make_response_promise<order_report>();
        forget_closed(node_clock().unix_ms());
        if (auto err = gate(false))
          answer(rp, caf::expected<order_report>{std::move(err)});
        else
          answer(rp, status(account, id));
        return rp;
      },
      [this](venue_balances_atom, std::string& account) -> caf::result<std::vector<venue_balance>> {
        auto rp = make_response_promise<std::vector<venue_balance>>();
        if (auto err = gate(false)) {
          answer(rp, caf::expected<std::vector<venue_balance>>{std::move(err)});
          return rp;
        }
        std::vector<venue_balance> out;
        if (auto i = balances_.find(account); i != balances_.end())
          for (auto& [asset, amount] : i->second)
            out.push_back(venue_balance{name_, account, asset, amount});
        answer(rp, caf::expected<std::vector<venue_balance>>{std::move(out)});
        return rp;
      },
      [this](venue_statement_atom, std::string& account) -> caf::result<venue_statement> {
        auto rp = make_response_promise<venue_statement>();
        if (auto err = gate(false)) {
          answer(rp, caf::expected<venue_statement>{std::move(err)});
          return rp;
        }
        venue_statement x;
        x.venue = name_;
        x.account = account;
        x.epoch = epoch_;
        x.through_trade = engine_.fills();
        if (auto i = fill_counts_.find(account); i != fill_counts_.end())
          x.fills = i->second;
        if (auto i = balances_.find(account); i != balances_.end())
          x.holdings = i->second;
        answer(rp, caf::expected<venue_statement>{std::move(x)});
        return rp;
      },
      [this](ping_atom) -> caf::result<int64_t> {
        auto rp = make_response_promise<int64_t>();
        if (auto err = gate(false))
          answer(rp, caf::expected<int64_t>{std::move(err)});
        else
          answer(rp, caf::expected<int64_t>{node_clock().unix_ms()});
        return rp;
      },
      [this](logon_challenge_atom, std::string& account) -> caf::result<std::string> {
        auto asker = caf::actor_cast<caf::actor_addr>(current_sender());
        auto rp = make_response_promise<std::string>();
        auto now = node_clock().steady_ns();
        if (challenges_.size() >= logon_challenges_max)
          for (auto i = challenges_.begin(); i != challenges_.end();)
            i = i->second.expires_ns <= now ? challenges_.erase(i) : std::next(i);
        auto nonce = secret_box::random_hex(logon_nonce_bytes);
        if (auto err = gate(false)) {
          answer(rp, caf::expected<std::string>{std::move(err)});
        } else if (!nonce) {
          answer(rp, caf::expected<std::string>{nonce.error()});
        } else if (account.empty() || account.size() > config::path_segment_chars_max) {
          answer(rp, caf::expected<std::string>{
                         fail(exchange_errc::authentication_failed,
                              "venue " + name_ + ": an account name is 1 to " +
                                  std::to_string(config::path_segment_chars_max) + " characters")});
        } else if (challenges_.size() >= logon_challenges_max && !challenges_.count(account)) {
          answer(rp, caf::expected<std::string>{
                         fail(exchange_errc::rate_limited,
                              "venue " + name_ + ": " + std::to_string(logon_challenges_max) +
                                  " logon challenges are outstanding; try again later")});
        } else {
          challenges_[account] = challenge{*nonce, asker, now + logon_challenge_ttl_ms * 1'000'000};
          answer(rp, caf::expected<std::string>{*nonce});
        }
        return rp;
      },
      [this](logon_atom, std::string& account, std::string& key_id,
             std::string& proof) -> caf::result<bool> {
        auto asker = caf::actor_cast<caf::actor_addr>(current_sender());
        auto rp = make_response_promise<bool>();
        auto refuse = [&](const std::string& why) {
          exchange_log().warn("venue {}: refused the logon of {}: {}", name_, account, why);
          answer(rp, caf::expected<bool>{
                         fail(exchange_errc::authentication_failed,
                              "venue " + name_ + " refused the logon of " + account + ": " + why)});
        };
        auto c = challenges_.find(account);
        if (auto err = gate(false)) {
          answer(rp, caf::expected<bool>{std::move(err)});
        } else if (key_id.empty() || proof.empty()) {
          refuse("no API key presented");
        } else if (c == challenges_.end() || c->second.asker != asker ||
                   c->second.expires_ns <= node_clock().steady_ns()) {
          refuse("no logon challenge of this connection is outstanding (ask for one first; it "
                 "lasts " +
                 std::to_string(logon_challenge_ttl_ms) + " ms)");
        } else {
          // One proof, one logon: the nonce is spent whatever the outcome.
          auto nonce = std::move(c->second.nonce);
          challenges_.erase(c);
          verify_logon(account, key_id, proof, nonce, asker, rp);
        }
        return rp;
      },
      [this](logoff_atom, std::string& account) -> caf::result<bool> {
        auto i = logged_on_.find(account);
        if (i == logged_on_.end() ||
            i->second != caf::actor_cast<caf::actor_addr>(current_sender()))
          return false;
        logged_on_.erase(i);
        exchange_log().info("venue {}: {} logged off", name_, account);
        return true;
      },
      [this](md_subscribe_atom, std::vector<std::string>& symbols,
             caf::actor& who) -> caf::result<std::vector<book_top>> {
        if (offline())
          return fail(exchange_errc::disconnected, "venue " + name_ + " is disconnected");
        std::vector<book_top> tops;
        for (auto& symbol : symbols) {
          auto i = symbols_.find(symbol);
          if (i == symbols_.end())
            return fail(exchange_errc::invalid_order,
                        "venue " + name_ + " does not trade symbol '" + symbol + "'");
        }
        for (auto& symbol : symbols) {
          auto& s = symbols_[symbol];
          if (who &&
              std::find(s.subscribers.begin(), s.subscribers.end(), who) == s.subscribers.end()) {
            s.subscribers.push_back(who);
            monitor(who);
          }
          tops.push_back(s.top);
        }
        return tops;
      },
      [this](venue_faults& f) -> caf::result<venue_faults> {
        auto before = faults_;
        faults_ = f;
        start_windows();
        exchange_log().warn(
            "venue {}: faults set: latency {}us +- {}us, errors {}ppm, rate limits {}ppm, "
            "lost answers {}ppm, fail next {}, drop next {}{}{}",
            name_, f.latency_us, f.latency_jitter_us, f.error_ppm, f.rate_limit_ppm,
            f.drop_reply_ppm, f.fail_next, f.drop_next, f.disconnected ? ", DISCONNECTED" : "",
            f.disconnect_every_ms > 0
                ? ", disconnected " + std::to_string(f.disconnect_for_ms) + "ms every " +
                      std::to_string(f.disconnect_every_ms) + "ms"
                : std::string{});
        publish_description();
        return before;
      },
      [this](md_tick_atom) {
        if (!from_self())
          return; // a timer only the actor itself sends
        step();
        delayed_send(this, std::chrono::milliseconds{interval_ms_}, md_tick_atom_v);
      },
      [this](venue_window_atom, bool open, uint64_t gen) {
        if (!from_self())
          return; // a timer only the actor itself sends
        if (gen != window_gen_)
          return; // the faults changed since
        in_window_ = open;
        exchange_log().warn("venue {}: disconnect window {}", name_, open ? "opens" : "closes");
        auto next = open ? faults_.disconnect_for_ms
                         : faults_.disconnect_every_ms - faults_.disconnect_for_ms;
        delayed_send(this, std::chrono::milliseconds{std::max<int64_t>(next, 1)},
                     venue_window_atom_v, !open, gen);
        publish_description();
      },
      [this](venue_epoch_atom) {
        if (!from_self())
          return; // a timer only the actor itself sends
        begin_epoch();
      },
      [this](deliver_atom, uint64_t id) {
        if (!from_self())
          return; // a timer only the actor itself sends
        auto i = deliveries_.find(id);
        if (i == deliveries_.end())
          return;
        auto f = std::move(i->second);
        deliveries_.erase(i);
        f();
      },
  };
}

// -- epochs -----------------------------------------------------------------------

std::string sim_venue::save_state() {
  return runtime::encode_state(epoch_);
}

caf::error sim_venue::restore_state(const std::string& blob, uint32_t version) {
  if (version != 1)
    return caf::error{exchange_errc::invalid_order,
                      "venue state version " + std::to_string(version) + " is not known"};
  return runtime::decode_state(blob, epoch_);
}

void sim_venue::begin_epoch() {
  epoch_ = std::max(epoch_ + 1, static_cast<uint64_t>(node_clock().unix_ms()));
  // Requests wait in the mailbox meanwhile: none is refused for it.
  save_checkpoint_first([this](const caf::error& err) {
    if (!err || err == runtime::runtime_errc::checkpoint_unavailable) {
      // Without a store (a venue alone in a test) the clock is the epoch.
      ready_ = true;
      exchange_log().info("venue {}: epoch {}", name_, epoch_);
      publish_description();
      return;
    }
    exchange_log().error("venue {}: epoch {} not durable ({}); trying again in {} ms", name_,
                         epoch_, runtime::to_text(err), config::venue_epoch_retry_ms);
    delayed_send(this, std::chrono::milliseconds{config::venue_epoch_retry_ms}, venue_epoch_atom_v);
  });
}

// -- requests ---------------------------------------------------------------------

void sim_venue::start_windows() {
  ++window_gen_;
  in_window_ = false;
  auto every = faults_.disconnect_every_ms;
  auto span = faults_.disconnect_for_ms;
  if (every > 0 && span > 0 && span < every)
    delayed_send(this, std::chrono::milliseconds{every - span}, venue_window_atom_v, true,
                 window_gen_);
}

bool sim_venue::draw(uint32_t ppm) {
  if (ppm == 0)
    return false;
  return std::uniform_int_distribution<uint32_t>{0, sim_ppm_one - 1}(fault_rng_) < ppm;
}

int64_t sim_venue::draw_latency_us() {
  auto mean = std::max<int64_t>(faults_.latency_us, 0);
  auto jitter = std::max<int64_t>(faults_.latency_jitter_us, 0);
  if (jitter == 0)
    return mean;
  auto x = std::uniform_int_distribution<int64_t>{-jitter, jitter}(fault_rng_);
  return std::max<int64_t>(mean + x, 0);
}

caf::error sim_venue::gate(bool submission) {
  if (!ready_)
    return fail(exchange_errc::venue_unavailable,
                "venue " + name_ + " is starting (its epoch is not durable yet)");
  if (offline())
    return fail(exchange_errc::disconnected, "venue " + name_ + " is disconnected");
  if (faults_.fail_next > 0) {
    --faults_.fail_next;
    return fail(exchange_errc::venue_unavailable, "venue " + name_ + " is unavailable (injected)");
  }
  if (draw(faults_.error_ppm))
    return fail(exchange_errc::venue_unavailable, "venue " + name_ + " is unavailable (injected)");
  if (submission && draw(faults_.rate_limit_ppm))
    return fail(exchange_errc::rate_limited, "venue " + name_ + " rate limit exceeded (injected)");
  return {};
}

template <class Promise, class T>
void sim_venue::answer(Promise rp, T value) {
  auto latency = draw_latency_us();
  if (latency <= 0) {
    if (value)
      rp.deliver(std::move(*value));
    else
      rp.deliver(value.error());
    return;
  }
  auto id = next_delivery_++;
  deliveries_.emplace(id, [rp, v = std::move(value)]() mutable {
    if (v)
      rp.deliver(std::move(*v));
    else
      rp.deliver(v.error());
  });
  delayed_send(this, std::chrono::microseconds{latency}, deliver_atom_v, id);
}

void sim_venue::verify_logon(std::string account, std::string key_id, std::string proof,
                             std::string nonce, caf::actor_addr asker,
                             caf::typed_response_promise<bool> rp) {
  auto refuse = [this, account, rp](const std::string& why) {
    exchange_log().warn("venue {}: refused the logon of {}: {}", name_, account, why);
    answer(rp, caf::expected<bool>{
                   fail(exchange_errc::authentication_failed,
                        "venue " + name_ + " refused the logon of " + account + ": " + why)});
  };
  auto st = persistence::store_of(node().get());
  auto box = secret_box::configured(params_.master_key_file);
  if (!st)
    return refuse("the venue has no store to check credentials against");
  if (!box)
    return refuse("the venue cannot open credentials: " + runtime::message_of(box.error()));
  request(st, std::chrono::milliseconds{config::store_request_timeout_ms},
          persistence::load_credential_atom_v, name_, account)
      .then(
          [this, account, key_id, proof, nonce, asker, rp, refuse,
           box = *box](persistence::credential_record& c) {
            if (c.key_id != key_id)
              return refuse("key " + key_id + " is not the account's active key");
            auto secret =
                box.open(c.sealed, secret_box::credential_context(c.venue, c.account, c.key_id));
            if (!secret)
              return refuse("its credential does not open: " + runtime::message_of(secret.error()));
            auto expected = secret_box::logon_proof(*secret, account, key_id, nonce);
            OPENSSL_cleanse(secret->data(), secret->size());
            if (expected.size() != proof.size() ||
                CRYPTO_memcmp(expected.data(), proof.data(), proof.size()) != 0)
              return refuse("the proof does not answer the challenge with key " + key_id);
            logged_on_[account] = asker;
            exchange_log().info("venue {}: {} logged on with key {}", name_, account, key_id);
            answer(rp, caf::expected<bool>{true});
          },
          [refuse](caf::error& err) { refuse(runtime::message_of(err)); });
}

caf::expected<order_report> sim_venue::submit(order_request& r, const caf::actor& owner) {
  auto sym = symbols_.find(r.symbol);
  if (sym == symbols_.end())
    return fail(exchange_errc::invalid_order,
                "venue " + name_ + " does not trade symbol '" + r.symbol + "'");
  if (auto why = order_problem(r, participant_prefix); !why.empty())
    return fail(exchange_errc::invalid_order, why);
  if (require_logon_) {
    auto i = logged_on_.find(r.account);
    if (i == logged_on_.end())
      return fail(exchange_errc::authentication_failed,
                  "venue " + name_ + ": account " + r.account + " has not logged on");
    if (i->second != owner.address())
      return fail(exchange_errc::authentication_failed,
                  "venue " + name_ + ": account " + r.account +
                      " is logged on through another connection");
  }
  auto now_ms = node_clock().unix_ms();
  forget_closed(now_ms);
  auto id = book_id(r.account, r.client_order_id);
  if (orders_.count(id) > 0) {
    ++duplicates_;
    return fail(exchange_errc::duplicate_order, "venue " + name_ + ": client order id " +
                                                    r.client_order_id + " was used before by " +
                                                    r.account);
  }
  ++submitted_;
  r.venue = name_;
  if (r.type == order_type::market)
    r.price = 0;
  auto& o = orders_[id];
  o.req = r;
  o.owner = owner;
  if (r.expires_at_ms > 0 && now_ms > r.expires_at_ms) {
    // Too late (held up in the network, or sent by a member that died
    // since): its sender may have been told it was never placed. The id is
    // kept while the venue remembers closed orders; a later copy is
    // refused as a duplicate then, as expired after.
    ++expired_;
    o.state = order_state::rejected;
    o.reason =
        "expired: arrived " + std::to_string(now_ms - r.expires_at_ms) + " ms after its expiry";
    note_if_closed(id, o, now_ms);
    return report_of(o, false);
  }
  book_order b;
  b.id = id;
  b.account = r.account;
  b.s = r.s;
  b.type = r.type;
  b.price = r.price;
  b.qty = r.qty;
  auto res = engine_.submit(r.symbol, b);
  std::vector<venue_fill> fills;
  apply_fills(r.symbol, res, &o, &fills);
  if (!res.rejection.empty() && o.filled == 0 && res.rested == 0) {
    o.state = order_state::rejected;
    o.reason = res.rejection + (res.detail.empty() ? "" : ": " + res.detail);
  } else {
    if (res.cancelled > 0 && res.rested == 0) {
      o.reason = !res.rejection.empty()
                     ? res.rejection
                     : "market order: no liquidity for " + std::to_string(res.cancelled) + " of " +
                           std::to_string(r.qty);
      o.state = o.filled == r.qty ? order_state::filled : order_state::cancelled;
    } else {
      settle_state(o);
    }
  }
  note_if_closed(id, o, now_ms);
  auto rep = report_of(o, false);
  rep.fills = std::move(fills);
  publish_trades(r.symbol, sym->second, res);
  publish(r.symbol, sym->second);
  return rep;
}

caf::expected<order_report> sim_venue::cancel(const std::string& account, const std::string& id) {
  auto i = orders_.find(book_id(account, id));
  if (i == orders_.end())
    return fail(exchange_errc::unknown_order,
                "venue " + name_ + " knows no order " + id + " of " + account);
  auto& o = i->second;
  if (is_final(o.state))
    return fail(exchange_errc::invalid_order,
                "order " + id + " is " + to_string(o.state) + " already; nothing to cancel");
  auto res = engine_.cancel(o.req.symbol, i->first);
  if (!res.rejection.empty())
    return fail(exchange_errc::invalid_order, "order " + id + ": " + res.detail);
  o.state = order_state::cancelled;
  o.reason = "cancelled";
  note_if_closed(i->first, o, node_clock().unix_ms());
  publish(o.req.symbol, symbols_[o.req.symbol]);
  return report_of(o, false);
}

caf::expected<order_report> sim_venue::status(const std::string& account,
                                              const std::string& id) const {
  auto i = orders_.find(book_id(account, id));
  if (i == orders_.end())
    return fail(exchange_errc::unknown_order,
                "venue " + name_ + " knows no order " + id + " of " + account);
  return report_of(i->second, true);
}

// -- matching -------------------------------------------------------------------------

void sim_venue::note_if_closed(const std::string& id, order_info& o, int64_t now_ms) {
  if (!is_final(o.state) || o.closed_at_ms != 0)
    return;
  o.closed_at_ms = now_ms;
  if (o.req.expires_at_ms <= 0)
    return; // no expiry: a copy could arrive any time, so its id is kept
  auto at = std::max(now_ms + params_.closed_order_retention_ms,
                     o.req.expires_at_ms + config::order_clock_skew_ms);
  forgettable_.emplace(at, id);
}

void sim_venue::forget_closed(int64_t now_ms) {
  while (!forgettable_.empty() && forgettable_.begin()->first <= now_ms) {
    orders_.erase(forgettable_.begin()->second);
    forgettable_.erase(forgettable_.begin());
  }
}

void sim_venue::settle_state(order_info& o) {
  if (o.filled >= o.req.qty)
    o.state = order_state::filled;
  else if (o.filled > 0)
    o.state = order_state::partially_filled;
  else
    o.state = order_state::open;
}

order_report sim_venue::report_of(const order_info& o, bool all_fills) const {
  order_report r;
  r.client_order_id = o.req.client_order_id;
  r.venue = name_;
  r.account = o.req.account;
  r.symbol = o.req.symbol;
  r.s = o.req.s;
  r.state = o.state;
  r.qty = o.req.qty;
  r.filled = o.filled;
  r.notional = o.notional;
  if (all_fills)
    r.fills = o.fills;
  r.reason = o.reason;
  r.ts_ms = node_clock().unix_ms();
  return r;
}

void sim_venue::apply_fills(const std::string& symbol, const engine_result& res,
                            const order_info* taker, std::vector<venue_fill>* taker_fills) {
  auto& sym = symbols_[symbol];
  auto now = node_clock().unix_ms();
  for (auto& f : res.fills) {
    ++fills_;
    auto one = [&](const std::string& order_id, const std::string& account, side s, int64_t fee,
                   bool maker) {
      if (account.rfind(participant_prefix, 0) == 0)
        return;
      auto i = orders_.find(order_id);
      if (i == orders_.end())
        return;
      auto& o = i->second;
      venue_fill vf;
      // One execution per side of a trade: both are recorded.
      vf.fill_id = std::to_string(epoch_) + "." + std::to_string(f.seq) + (maker ? ":m" : ":t");
      vf.client_order_id = o.req.client_order_id;
      vf.symbol = symbol;
      vf.s = s;
      vf.price = f.fill.price;
      vf.qty = f.fill.qty;
      vf.fee = fee;
      vf.maker = maker;
      vf.ts_ms = now;
      o.filled += f.fill.qty;
      o.notional += f.fill.price * f.fill.qty;
      o.fills.push_back(vf);
      auto& held = balances_[account];
      ++fill_counts_[account];
      auto value = f.fill.price * f.fill.qty;
      held[sym.base] += s == side::buy ? f.fill.qty : -f.fill.qty;
      held[sym.quote] += (s == side::buy ? -value : value) - fee;
      if (taker == &o) {
        if (taker_fills)
          taker_fills->push_back(vf);
        return;
      }
      settle_state(o);
      note_if_closed(order_id, o, now);
      if (o.owner) {
        auto rep = report_of(o, false);
        rep.fills.push_back(std::move(vf));
        // Not anonymous: a session takes order updates from its venues only.
        caf::unsafe_send_as(this, o.owner, order_update_atom_v, rep);
      }
    };
    auto taker_side = f.fill.taker_side;
    auto maker_side = taker_side == side::buy ? side::sell : side::buy;
    one(f.fill.taker_order_id, f.fill.taker_account, taker_side, f.taker_fee, false);
    one(f.fill.maker_order_id, f.fill.maker_account, maker_side, f.maker_fee, true);
  }
}

std::string sim_venue::describe() const {
  venue_status x;
  x.venue = name_;
  x.epoch = epoch_;
  x.ready = ready_;
  x.orders = orders_.size();
  x.submitted = submitted_;
  x.duplicates = duplicates_;
  x.expired = expired_;
  x.fills = fills_;
  x.disconnected = offline();
  for (auto& [symbol, s] : symbols_)
    x.symbols[symbol] = venue_symbol_status{s.top.bid, s.top.ask, s.last, s.subscribers.size()};
  x.faults = faults_;
  return runtime::status_json(x);
}

} // namespace tfarm::actors
