#include "actors/agent/trading_agent.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "actors/agent/error.hpp"
#include "actors/agent/logger.hpp"
#include "actors/agent/vault_refusal.hpp"
#include "actors/exchange/error.hpp"
#include "actors/exchange/exchange_session.hpp"
#include "actors/vault/error.hpp"
#include "actors/vault/vault_setup.hpp"
#include "actors/vault/wide_int.hpp"
#include "runtime/clock.hpp"
#include "runtime/error_text.hpp"
#include "runtime/status_json.hpp"

namespace tfarm::actors {

namespace {

/// Markets with no tick for this long are subscribed to again.
constexpr int64_t agent_md_stale_ms = 5'000;
/// The window of errors_per_min.
constexpr int64_t agent_error_window_ms = 60'000;
/// Longest order id prefix made of the user's and agent's names; longer
/// names get a hash (client order ids have at most 64 characters).
constexpr size_t order_id_prefix_chars_max = 40;

bool parse_state(const std::string& x, order_state& out) {
  for (auto s :
       {order_state::pending, order_state::open, order_state::partially_filled, order_state::filled,
        order_state::cancelled, order_state::rejected, order_state::unknown})
    if (to_string(s) == x) {
      out = s;
      return true;
    }
  return false;
}

// Venues round each fill's fee up: an order filled in many pieces pays up
// to one minor unit more per piece, so the allowance rounds per unit.
int64_t fee_allowance(int64_t price, int64_t qty, int64_t bps) {
  auto per_unit = (static_cast<wide_int>(price) * bps + 9'999) / 10'000;
  return static_cast<int64_t>(per_unit * qty);
}

// "<prefix><epoch>.<seq>" -> epoch (0 if it is not one of ours).
uint64_t epoch_of(const std::string& id, const std::string& prefix) {
  if (id.compare(0, prefix.size(), prefix) != 0)
    return 0;
  uint64_t x = 0;
  for (auto i = prefix.size(); i < id.size() && id[i] != '.'; ++i) {
    if (id[i] < '0' || id[i] > '9')
      return 0;
    x = x * 10 + static_cast<uint64_t>(id[i] - '0');
  }
  return x;
}

} // namespace

std::string order_id_prefix(const std::string& user, const std::string& agent_id) {
  auto plain = user + ":" + agent_id + ":";
  if (plain.size() <= order_id_prefix_chars_max)
    return plain;
  uint64_t h = 1469598103934665603ull; // FNV-1a
  for (unsigned char c : plain) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[20];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
  return std::string{"h"} + buf + ":";
}

trading_agent::trading_agent(caf::actor_config& cfg, runtime::spawn_context ctx)
    : super(cfg, std::move(ctx)) {
  agent_id_ = spec().id;
  // /user/<user>/<agent>
  auto p = path();
  auto last = p.rfind('/');
  auto before = last == std::string::npos || last == 0 ? std::string::npos : p.rfind('/', last - 1);
  user_ = before == std::string::npos ? runtime::param(spec(), "user", "")
                                      : p.substr(before + 1, last - before - 1);
  prefix_ = order_id_prefix(user_, agent_id_);
}

runtime::kind_info trading_agent::kind() {
  return runtime::make_kind<trading_agent>(
      "trading_agent",
      "trading agent: a strategy on one symbol, risk gate, vault reservations, an exchange session",
      runtime::kind_persistent | runtime::kind_agent);
}

// -- checkpoint ---------------------------------------------------------------------------

std::string trading_agent::save_state() {
  agent_checkpoint cp;
  cp.epoch = epoch_;
  cp.next_seq = next_seq_;
  cp.orders = orders_;
  cp.rejected = rejected_;
  cp.rejections = rejections_;
  cp.retiring = retiring_;
  for (auto& [id, o] : open_)
    cp.tags[id] = o.tag;
  if (strategy_) {
    cp.strategy = strategy_->name();
    cp.strategy_version = strategy_->state_version();
    cp.strategy_blob = strategy_->save();
  } else {
    cp.strategy = settings_.strategy;
    cp.strategy_version = strategy_version_;
    cp.strategy_blob = strategy_blob_;
  }
  return encode_agent_checkpoint(cp);
}

caf::error trading_agent::restore_state(const std::string& blob, uint32_t version) {
  agent_checkpoint cp;
  if (auto err = decode_agent_checkpoint(blob, version, cp))
    return err;
  retiring_ = cp.retiring;
  epoch_ = cp.epoch;
  next_seq_ = cp.next_seq;
  orders_ = cp.orders;
  rejected_ = cp.rejected;
  rejections_ = std::move(cp.rejections);
  saved_tags_ = std::move(cp.tags);
  strategy_blob_ = std::move(cp.strategy_blob);
  strategy_version_ = cp.strategy_version;
  return {};
}

// -- start-up ---------------------------------------------------------------------------

caf::error trading_agent::setup() {
  config::runbook_limits limits;
  if (node())
    limits = node()->limits();
  auto problems = parse_agent_settings(spec().params, limits, settings_);
  if (!problems.empty()) {
    std::string text;
    for (auto& p : problems)
      text += (text.empty() ? "" : "; ") + p.message;
    return caf::error{agent_errc::bad_parameter, text};
  }
  auto s = strategy_registry::instance().make(settings_.strategy);
  if (!s)
    return caf::error{agent_errc::unknown_strategy, "unknown strategy " + settings_.strategy};
  // Only a configured strategy is kept: a failed agent's checkpoint keeps
  // the strategy state it restored, untouched.
  if (auto err = s->configure(settings_.strategy_params))
    return err;
  strategy_ = std::move(s);
  if (!strategy_blob_.empty()) {
    if (auto err = strategy_->restore(strategy_blob_, strategy_version_)) {
      // The trading record is intact; only the strategy's memory is lost.
      agent_log().warn("agent {}: strategy state not restored ({}); it starts afresh", path(),
                       runtime::to_text(err));
      if (node())
        node()->report(
            runtime::incident{path(), "agent.strategy_state_lost", runtime::to_text(err)});
    }
  }
  gate_.set_limits(settings_.limits);
  tick_.symbol = settings_.symbol;
  return {};
}

void trading_agent::connect() {
  if (!node())
    return;
  auto session = handle_at(session_path(settings_.venue, settings_.account));
  auto vault = find_gateway(*node());
  auto risk = handle_at(risk_control_path);
  store_ = persistence::store_of(node().get());
  if (!session || !vault || !risk || !store_) {
    if (connect_attempts_++ % 10 == 0)
      agent_log().warn("agent {}: waiting for{}{}{}{}", path(), session ? "" : " its session",
                       vault ? "" : " the vault", risk ? "" : " the risk control",
                       store_ ? "" : " the store");
    return;
  }
  session_ = caf::actor_cast<exchange_session_actor>(session);
  vault_ = vault;
  phase_ = phase::reconciling;
  subscribe_risk(risk, [this] { check_account(); });
}

void trading_agent::subscribe_risk(caf::actor risk, std::function<void()> then) {
  risk_ = risk;
  request(caf::actor_cast<risk_control_actor>(risk),
          std::chrono::milliseconds{agent_request_timeout_ms}, risk_subscribe_atom_v, path(), user_,
          caf::actor_cast<caf::actor>(this))
      .then(
          [this, then](trading_states& x) {
            on_states(x);
            if (then)
              then();
          },
          [this](caf::error& err) {
            note_error("subscribing to the risk control", err);
            risk_ = caf::actor{}; // subscribed again at the next beat
            if (phase_ == phase::reconciling)
              phase_ = phase::starting;
          });
}

caf::actor trading_agent::handle_at(const std::string& actor_path) const {
  auto e = node() ? node()->registry().find(actor_path) : nullptr;
  return e ? e->handle() : caf::actor{};
}

void trading_agent::check_account() {
  // The account may not be open yet (a farm's accounts are opened once its
  // tree runs): wait for it rather than count refusals.
  request(vault_, std::chrono::milliseconds{agent_request_timeout_ms},
          vault_op_request(vault_op::balance, "", ""))
      .then(
          [this](vault_reply&) {
            persistence::agent_book_query q{path(), settings_.account, prefix_};
            request(store_, std::chrono::milliseconds{agent_request_timeout_ms},
                    persistence::load_agent_book_atom_v, q)
                .then([this](persistence::agent_book& book) { reconcile(std::move(book)); },
                      [this](caf::error& err) {
                        note_error("reading its orders", err);
                        phase_ = phase::starting;
                      });
          },
          [this](caf::error& err) {
            phase_ = phase::starting; // asked again at the next beat
            if (err.category() == caf::atom("tfvault") &&
                static_cast<vault_errc>(err.code()) == vault_errc::unknown_account) {
              if (connect_attempts_++ % 10 == 0)
                agent_log().info("agent {}: waiting for account {} to be opened", path(),
                                 settings_.account);
              return;
            }
            note_error("looking up account " + settings_.account, err);
          });
}

void trading_agent::reconcile(persistence::agent_book book) {
  // Orders placed after the last checkpoint count too, and ids go on from
  // the newest the store has (the checkpoint may be older, or lost).
  orders_ = std::max(orders_, book.order_count);
  for (auto& id : book.newest_ids)
    if (auto e = epoch_of(id, prefix_); e >= epoch_) {
      agent_log().warn("agent {}: the store has ids of epoch {}, newer than its checkpoint's; "
                       "continuing with epoch {}",
                       path(), e, e + 1);
      epoch_ = e + 1;
    }
  book_ = position_book{};
  std::map<std::string, std::vector<const persistence::agent_fill*>> fills_of;
  for (auto& f : book.fills) {
    if (f.symbol != settings_.symbol)
      continue;
    book_.apply(f.side == "buy" ? side::buy : side::sell, f.fill.price, f.fill.qty, f.fill.fee);
    fills_of[f.fill.client_order_id].push_back(&f);
  }
  std::set<std::string> ids(book.open_reservations.begin(), book.open_reservations.end());
  std::set<std::string> reserved = ids;
  std::map<std::string, const persistence::order_record*> records;
  for (auto& o : book.open_orders) {
    ids.insert(o.client_order_id);
    records[o.client_order_id] = &o;
  }
  auto now = node_clock().unix_ms();
  for (auto& id : ids) {
    if (open_.count(id) > 0)
      continue; // a second pass (the first one's checkpoint failed) keeps its own
    working_order w;
    if (auto i = saved_tags_.find(id); i != saved_tags_.end())
      w.tag = i->second;
    if (auto i = records.find(id); i != records.end()) {
      auto& r = *i->second;
      w.s = r.side == "buy" ? side::buy : side::sell;
      w.price = r.price;
      w.qty = r.qty;
      w.venue = r.venue;
      w.placed = true;
      parse_state(r.status, w.state);
    } else {
      // A reservation whose order the session never recorded: it may still
      // be in the session's queue, which the status query below settles.
      w.placed = true;
    }
    w.ioc = !id.empty() && id.back() == 'm';
    w.last_news_ms = now;
    open_[id] = std::move(w);
    auto& o = open_[id];
    for (auto* f : fills_of[id]) {
      o.fills_seen.insert(f->fill.venue_fill_id);
      o.filled += f->fill.qty;
      if (reserved.count(id) > 0) {
        // The vault may not have seen it (settles replay harmlessly).
        venue_fill vf;
        vf.fill_id = f->fill.venue_fill_id;
        vf.client_order_id = id;
        vf.symbol = f->symbol;
        vf.s = f->side == "buy" ? side::buy : side::sell;
        vf.price = f->fill.price;
        vf.qty = f->fill.qty;
        vf.fee = f->fill.fee;
        vf.ts_ms = f->fill.ts_ms;
        auto venue = f->fill.venue.empty() ? o.venue : f->fill.venue;
        settle(pending_settle{id, venue, vf, false, f->legacy_key});
      }
    }
  }
  agent_log().info("agent {}: epoch {}, position {} from {} fills, reconciling {} orders", path(),
                   epoch_, book_.position, book_.fills, open_.size());
  std::vector<std::string> todo;
  for (auto& [id, o] : open_)
    if (!o.is_final)
      todo.push_back(id);
  reconciling_ = todo.size();
  if (reconciling_ == 0) {
    reconcile_done();
    return;
  }
  for (auto& id : todo)
    reconcile_one(id);
}

void trading_agent::reconcile_one(const std::string& coid) {
  request(session_, std::chrono::milliseconds{agent_request_timeout_ms}, order_status_atom_v, coid)
      .then(
          [this](order_report& rep) {
            on_report(rep);
            if (--reconciling_ == 0)
              reconcile_done();
          },
          [this, coid](caf::error& err) {
            auto i = open_.find(coid);
            if (i != open_.end() && !close_if_unknown(coid, err))
              note_error("reconciling order " + coid, err);
            if (--reconciling_ == 0)
              reconcile_done();
          });
}

void trading_agent::reconcile_done() {
  saved_tags_.clear();
  // The new epoch must be durable before its first order id is used.
  save_checkpoint_then([this](const caf::error& err) {
    if (err) {
      note_error("saving its checkpoint", err);
      phase_ = phase::starting;
      session_ = exchange_session_actor{};
      return;
    }
    go_live();
  });
}

void trading_agent::go_live() {
  phase_ = phase::running;
  if (states_.effective() == trading_state::halted)
    cancel_tagged(""); // adopted orders: the halt came before they were known
  agent_log().info("agent {}: running {} on {} ({} at {}), position {}", path(), settings_.strategy,
                   settings_.symbol, settings_.account, settings_.venue, book_.position);
  last_subscribe_ms_ = node_clock().unix_ms();
  last_tick_ms_ = last_subscribe_ms_;
  request(session_, std::chrono::milliseconds{agent_request_timeout_ms}, md_subscribe_atom_v,
          std::vector<std::string>{settings_.symbol}, caf::actor_cast<caf::actor>(this))
      .then(
          [this](std::vector<book_top>& tops) {
            // The current top is the first tick: a quiet market may not
            // move for a while.
            for (auto& t : tops)
              if (t.symbol == settings_.symbol && (t.bid > 0 || t.ask > 0))
                on_top(t);
          },
          [this](caf::error& err) { note_error("subscribing to market data", err); });
  auto ctx = make_context();
  strategy_->on_start(ctx);
  run_strategy(ctx);
  publish_description();
}

// -- trading ------------------------------------------------------------------------------

strategy_context trading_agent::make_context() const {
  strategy_context ctx;
  ctx.position = book_.position;
  ctx.average_price = book_.average_price();
  ctx.now_ms = node_clock().unix_ms();
  for (auto& [id, o] : open_)
    if (!o.is_final && !o.tag.empty())
      ctx.open_tags.push_back(o.tag);
  ctx.order_budget = gate_.rate_budget(ctx.now_ms);
  ctx.next_order_at_ms = gate_.next_allowed_ms(ctx.now_ms);
  return ctx;
}

void trading_agent::run_strategy(strategy_context& ctx) {
  if (phase_ != phase::running || winding())
    return; // fills replayed while reconciling (or while stopping): the strategy
            // learns, nothing is sent
  for (auto& tag : ctx.cancels())
    cancel_tagged(tag);
  size_t n = 0;
  auto tick_ns = node_clock().steady_ns();
  for (auto& o : ctx.orders()) {
    // Beyond ORDER_RATE_LIMIT the order is held back, not refused: the
    // strategy asks again with fresh prices when the rate allows.
    if (gate_.rate_budget(node_clock().unix_ms()) == 0) {
      ++paced_;
      continue;
    }
    if (n++ >= agent_orders_per_callback_max) {
      reject("strategy_flood", "the strategy asked for more than " +
                                   std::to_string(agent_orders_per_callback_max) +
                                   " orders in one callback");
      break;
    }
    place(o, tick_ns);
  }
  // Orders placed mark the agent dirty themselves; a cancel changes what
  // its checkpoint says of its orders.
  if (!ctx.cancels().empty())
    dirty_ = true;
  strategy_dirty_ = true;
}

risk_exposure trading_agent::exposure() const {
  risk_exposure x;
  x.position = book_.position;
  for (auto& [id, o] : open_) {
    if (o.is_final)
      continue;
    ++x.open_orders;
    auto rest = std::max<int64_t>(o.qty - o.filled, 0);
    (o.s == side::buy ? x.open_buy_qty : x.open_sell_qty) += rest;
  }
  return x;
}

vault_request trading_agent::vault_op_request(vault_op op, std::string key,
                                              const std::string& coid) const {
  vault_request r;
  r.op = op;
  r.key = std::move(key);
  r.user = user_;
  r.account = settings_.account;
  r.reservation = coid;
  return r;
}

void trading_agent::place(const strategy_order& o, int64_t tick_ns) {
  if (winding() || (node() && node()->stopping()))
    return reject("stopping", "the agent is stopping: no new orders");
  if (!states_known_)
    return reject("starting", "the trading state is not known yet");
  auto buy = o.s == side::buy;
  auto price = o.price;
  auto ioc = false;
  if (o.type == order_type::market) {
    auto ref = buy ? tick_.ask : tick_.bid;
    if (ref <= 0)
      ref = tick_.last;
    if (ref <= 0)
      return reject("no_market", "a market order needs a price to refer to; no tick yet");
    auto collar = std::max<int64_t>(ref * settings_.collar_bps / 10'000, 1);
    price = buy ? ref + collar : std::max<int64_t>(ref - collar, 1);
    ioc = true;
  }
  if (o.qty <= 0 || price <= 0)
    return reject("invalid_order", "quantity and price must be positive (qty " +
                                       std::to_string(o.qty) + ", price " + std::to_string(price) +
                                       ")");
  auto notional = static_cast<wide_int>(price) * o.qty;
  if (notional > static_cast<wide_int>(std::numeric_limits<int64_t>::max() / 2))
    return reject("invalid_order", "price x quantity overflows");
  auto now = node_clock().unix_ms();
  if (auto err = gate_.check(o.s, price, o.qty, exposure(), states_, now))
    return reject(runtime::code_name(err), runtime::message_of(err));
  // A trailing "m" marks a market order, so that a restarted agent still
  // cancels its unfilled rest.
  auto coid =
      prefix_ + std::to_string(epoch_) + "." + std::to_string(next_seq_++) + (ioc ? "m" : "");
  dirty_ = true;
  working_order w;
  w.tag = o.tag;
  w.s = o.s;
  w.price = price;
  w.qty = o.qty;
  w.ioc = ioc;
  w.last_news_ms = now;
  w.tick_ns = tick_ns;
  open_[coid] = std::move(w);
  auto r = vault_op_request(vault_op::reserve, "reserve:" + coid, coid);
  r.terms = persistence::reservation_terms{buy ? "buy" : "sell", price, o.qty,
                                           buy ? settings_.base : settings_.quote};
  if (buy) {
    r.asset = settings_.quote;
    r.amount = static_cast<int64_t>(notional) + fee_allowance(price, o.qty, settings_.fee_bps);
  } else {
    r.asset = settings_.base;
    r.amount = o.qty;
  }
  // The order's record goes with its money: one commit before it leaves.
  persistence::order_record rec;
  rec.client_order_id = coid;
  rec.agent = path();
  rec.account = settings_.account;
  rec.venue = settings_.venue;
  rec.symbol = settings_.symbol;
  rec.side = r.terms.side;
  rec.type = "limit";
  rec.price = price;
  rec.qty = o.qty;
  rec.status = to_string(order_state::pending);
  // The record's time is the base of the order's expiry (the session's
  // send window): another member that takes the account over judges
  // copies in flight by it.
  rec.created_at_ms = now;
  r.orders.push_back(std::move(rec));
  request(vault_, std::chrono::milliseconds{agent_request_timeout_ms}, r)
      .then(
          [this, coid, now](vault_reply& rep) {
            if (auto i = open_.find(coid); i != open_.end() && rep.order_recorded)
              i->second.recorded_at_ms = now;
            send_order(coid);
          },
          [this, coid](caf::error& err) {
            auto i = open_.find(coid);
            if (i == open_.end())
              return;
            if (is_vault_refusal(err)) {
              open_.erase(i);
              reject(runtime::code_name(err), runtime::message_of(err));
              return;
            }
            // The reservation may have been made, and the record with it:
            // both are taken back together.
            note_error("reserving for " + coid, err);
            i->second.placed = false;
            i->second.is_final = true;
            i->second.unsent_status = to_string(order_state::rejected);
            i->second.unsent_reason =
                "not sent: reserving its money failed: " + runtime::to_text(err);
            maybe_release(coid);
          });
}

void trading_agent::send_order(const std::string& coid) {
  auto i = open_.find(coid);
  if (i == open_.end())
    return;
  auto& o = i->second;
  order_request r;
  r.client_order_id = coid;
  r.agent = path();
  r.symbol = settings_.symbol;
  r.s = o.s;
  r.type = order_type::limit;
  r.price = o.price;
  r.qty = o.qty;
  r.recorded_at_ms = o.recorded_at_ms;
  if (states_.effective() == trading_state::halted || winding()) {
    // Halted (or stopping) while its reservation was being made: never sent.
    auto why = winding()
                   ? "the agent stopped before " + coid + " was sent"
                   : "trading was halted (" + states_.source() + ") before " + coid + " was sent";
    reject(winding() ? "stopping" : "halted", why);
    o.is_final = true;
    o.state = order_state::rejected;
    o.unsent_status = to_string(o.state);
    o.unsent_reason = why;
    maybe_release(coid);
    return;
  }
  if (o.cancel_wanted) {
    o.is_final = true;
    o.state = order_state::cancelled;
    o.unsent_status = to_string(o.state);
    o.unsent_reason = "cancelled before it was sent";
    maybe_release(coid);
    return;
  }
  o.placed = true;
  o.sending = true;
  ++orders_;
  request(session_, std::chrono::milliseconds{agent_order_timeout_ms}, r)
      .then(
          [this, coid](order_report& rep) {
            if (auto k = open_.find(coid); k != open_.end())
              k->second.sending = false;
            on_report(rep);
          },
          [this, coid](caf::error& err) {
            auto k = open_.find(coid);
            if (k == open_.end())
              return;
            k->second.sending = false;
            auto reason = exchange_reason(err);
            // No answer, or the session died with it: it may be working.
            if (reason == exchange_errc::order_unknown || err == caf::sec::request_timeout ||
                err == caf::sec::request_receiver_down || reason == exchange_errc::timeout) {
              // It may be working: its status tells (polled).
              k->second.state = order_state::unknown;
              note_error("placing " + coid, err);
              return;
            }
            reject(runtime::code_name(err), runtime::message_of(err));
            k->second.is_final = true;
            k->second.state = order_state::rejected;
            maybe_release(coid);
          });
}

void trading_agent::cancel_tagged(const std::string& tag) {
  std::vector<std::string> ids;
  for (auto& [id, o] : open_)
    if (!o.is_final && (tag.empty() || o.tag == tag))
      ids.push_back(id);
  for (auto& id : ids)
    cancel_order(id);
}

void trading_agent::cancel_order(const std::string& coid) {
  auto i = open_.find(coid);
  if (i == open_.end() || i->second.is_final)
    return;
  if (!i->second.placed) {
    // Not handed to the session yet (its reservation is on its way): it
    // is never sent. Dropping the cancel left it working once sent.
    i->second.cancel_wanted = true;
    return;
  }
  if (i->second.cancel_sent || !session_)
    return;
  i->second.cancel_sent = true;
  request(session_, std::chrono::milliseconds{agent_request_timeout_ms}, cancel_order_atom_v, coid)
      .then([this](order_report& rep) { on_report(rep); },
            [this, coid](caf::error& err) {
              auto k = open_.find(coid);
              if (k == open_.end())
                return;
              k->second.cancel_sent = false; // asked again at the next beat
              if (exchange_reason(err) == exchange_errc::unknown_order)
                poll(coid);
              else
                note_error("cancelling " + coid, err);
            });
}

caf::actor trading_agent::sender_at(const caf::strong_actor_ptr& sender, const caf::actor& known,
                                    const std::string& actor_path) const {
  if (!sender)
    return {};
  if (known && sender == caf::actor_cast<caf::strong_actor_ptr>(known))
    return known;
  // Restarted: it may speak before the next beat finds it.
  auto h = handle_at(actor_path);
  return h && sender == caf::actor_cast<caf::strong_actor_ptr>(h) ? h : caf::actor{};
}

bool trading_agent::from_session(const caf::strong_actor_ptr& sender) {
  auto h = sender_at(sender, caf::actor_cast<caf::actor>(session_),
                     session_path(settings_.venue, settings_.account));
  if (!h)
    return false;
  session_ = caf::actor_cast<exchange_session_actor>(h);
  return true;
}

void trading_agent::on_top(const book_top& top) {
  if (top.symbol != settings_.symbol)
    return;
  tick_.bid = top.bid;
  tick_.ask = top.ask;
  if (top.last > 0)
    tick_.last = top.last;
  tick_.ts_ms = top.ts_ms;
  tick_.ts_us = top.ts_us;
  last_tick_ms_ = node_clock().unix_ms();
  if (phase_ != phase::running)
    return;
  auto ctx = make_context();
  strategy_->on_tick(tick_, ctx);
  run_strategy(ctx);
}

void trading_agent::on_states(const trading_states& x) {
  auto before = states_.effective();
  states_ = x;
  states_known_ = true;
  auto now = states_.effective();
  if (now != before)
    agent_log().warn("agent {}: trading state {} ({})", path(), to_string(now), states_.source());
  if (now == trading_state::halted && before != trading_state::halted)
    cancel_tagged("");
  publish_description();
}

void trading_agent::schedule_beat() {
  auto every = settings_.timer_ms > 0 ? settings_.timer_ms : agent_timer_ms_default;
  if (wound_down_)
    every = agent_wind_down_beat_ms;
  delayed_send(this, std::chrono::milliseconds{every}, agent_timer_atom_v, ++beat_gen_);
}

void trading_agent::maybe_retire() {
  if (!retiring_ || retire_asked_)
    return;
  // A failed agent never traded in this incarnation; any other waits until
  // it reconciled what earlier ones left, and finished all of it.
  auto finished =
      phase_ == phase::running && open_.empty() && settle_retry_.empty() && release_retry_.empty();
  if (!finished && failure_.empty())
    return;
  auto sup = caf::actor_cast<runtime::supervisor_actor>(handle_at(runtime::parent_path(path())));
  if (!sup)
    return; // asked again at the next beat
  retire_asked_ = true;
  agent_log().info("agent {}: retired: every order finished; leaving {}", path(),
                   runtime::parent_path(path()));
  request(sup, std::chrono::milliseconds{agent_request_timeout_ms}, runtime::stop_child_atom_v,
          agent_id_)
      .then([](bool) {},
            [this](caf::error& err) {
              retire_asked_ = false;
              note_error("leaving its supervisor", err);
            });
}

void trading_agent::wind_down(std::function<void()> done) {
  if (phase_ != phase::running || !failure_.empty()) {
    done(); // nothing of this incarnation is working
    return;
  }
  wound_down_ = std::move(done);
  wind_down_deadline_ms_ = node_clock().unix_ms() + agent_wind_down_ms;
  size_t working = 0;
  for (auto& [id, o] : open_)
    working += o.is_final ? 0 : 1;
  agent_log().info("agent {}: stopping: cancelling {} working orders", path(), working);
  cancel_tagged("");
  publish_description();
  // The beat (shorter now) retries and tells when everything is done.
  send(this, agent_timer_atom_v, beat_gen_);
}

void trading_agent::beat() {
  auto now = node_clock().unix_ms();
  heartbeat_ms_ = now;
  if (phase_ == phase::starting) {
    connect();
  } else if (phase_ == phase::running) {
    // The session, the vault or the risk control may have restarted:
    // follow the registry.
    auto h = caf::actor_cast<exchange_session_actor>(
        handle_at(session_path(settings_.venue, settings_.account)));
    if (h && h != session_) {
      session_ = h;
      last_tick_ms_ = 0; // subscribe again below
      for (auto& [id, o] : open_)
        o.last_news_ms = 0; // and ask about every order
    }
    if (auto v = find_gateway(*node()))
      vault_ = v;
    if (auto r = handle_at(risk_control_path); r && r != risk_)
      subscribe_risk(r, nullptr);
    auto ctx = make_context();
    strategy_->on_timer(ctx);
    run_strategy(ctx);
    std::vector<std::string> ask;
    auto halted = states_.effective() == trading_state::halted || winding();
    for (auto& [id, o] : open_) {
      // A final order is still asked about while fills its status counts
      // have not come (maybe_release).
      if (!o.placed || (o.is_final && o.filled >= o.reported_filled))
        continue;
      // While halted, every beat cancels again what is still working (a
      // cancel can miss an order the session had not sent yet).
      if (!o.is_final && (halted || (o.ioc && (o.state == order_state::open ||
                                               o.state == order_state::partially_filled))))
        cancel_order(id);
      if (now - o.last_news_ms >= settings_.poll_ms)
        ask.push_back(id);
    }
    for (auto& id : ask)
      poll(id);
    if (now - last_tick_ms_ >= agent_md_stale_ms && now - last_subscribe_ms_ >= agent_md_stale_ms) {
      last_subscribe_ms_ = now;
      request(session_, std::chrono::milliseconds{agent_request_timeout_ms}, md_subscribe_atom_v,
              std::vector<std::string>{settings_.symbol}, caf::actor_cast<caf::actor>(this))
          .then([](std::vector<book_top>&) {},
                [this](caf::error& err) { note_error("subscribing to market data", err); });
    }
  }
  if (phase_ == phase::running || phase_ == phase::reconciling) {
    auto retry = std::move(settle_retry_);
    settle_retry_.clear();
    for (auto& ps : retry)
      settle(ps);
    auto releases = std::move(release_retry_);
    release_retry_.clear();
    for (auto& id : releases)
      maybe_release(id);
  }
  if (phase_ == phase::running &&
      (dirty_ || (strategy_dirty_ && now - saved_at_ms_ >= agent_strategy_checkpoint_ms))) {
    dirty_ = false;
    strategy_dirty_ = false;
    saved_at_ms_ = now;
    save_checkpoint();
  }
  if (wound_down_ && ((open_.empty() && settle_retry_.empty()) || now >= wind_down_deadline_ms_)) {
    if (!open_.empty())
      agent_log().warn(
          "agent {}: stopping with {} orders not finished (their reservations stay open; "
          "the next start reconciles them)",
          path(), open_.size());
    else
      agent_log().info("agent {}: stopped with every order finished", path());
    auto done = std::move(wound_down_);
    wound_down_ = nullptr;
    done();
    return;
  }
  maybe_retire();
  auto cut = now - agent_error_window_ms;
  error_times_ms_.erase(std::remove_if(error_times_ms_.begin(), error_times_ms_.end(),
                                       [cut](int64_t t) { return t < cut; }),
                        error_times_ms_.end());
  schedule_beat();
}

// -- bookkeeping ---------------------------------------------------------------------------

void trading_agent::reject(const std::string& reason, const std::string& text) {
  ++rejected_;
  ++rejections_[reason];
  last_rejection_ = reason + ": " + text;
  dirty_ = true;
  agent_log().debug("agent {}: order refused ({}): {}", path(), reason, text);
}

void trading_agent::note_error(const std::string& what, const caf::error& err) {
  error_times_ms_.push_back(node_clock().unix_ms());
  agent_log().warn("agent {}: {} failed: {}", path(), what, runtime::to_text(err));
}

std::string trading_agent::state_name() const {
  if (!failure_.empty())
    return "failed";
  if (retiring_)
    return "retiring";
  if (phase_ == phase::running && wound_down_)
    return "stopping";
  if (phase_ == phase::running)
    return states_.effective() == trading_state::halted ? "halted" : "running";
  return "starting";
}

agent_status trading_agent::status() const {
  agent_status x;
  x.path = path();
  x.strategy = settings_.strategy;
  x.venue = settings_.venue;
  x.account = settings_.account;
  x.symbol = settings_.symbol;
  x.state = state_name();
  x.failure = failure_;
  x.trading = states_.effective();
  x.orders = orders_;
  x.fills = static_cast<uint64_t>(book_.fills);
  x.rejected = rejected_;
  x.rejections = rejections_;
  x.paced = paced_;
  x.last_rejection = last_rejection_;
  for (auto& [id, o] : open_)
    if (!o.is_final)
      ++x.open_orders;
  x.position = book_.position;
  x.average_price = book_.average_price();
  x.realized_pnl = book_.realized;
  x.mark = tick_.mid();
  x.unrealized_pnl = x.mark > 0 ? book_.unrealized(x.mark) : 0;
  x.fees = book_.fees;
  x.errors_per_min = static_cast<uint32_t>(error_times_ms_.size());
  x.heartbeat_ms = heartbeat_ms_;
  x.timer_ms = settings_.timer_ms;
  x.epoch = epoch_;
  x.tick_to_fill_p50_us = tick_to_fill_us_.quantile(0.5);
  x.tick_to_fill_p99_us = tick_to_fill_us_.quantile(0.99);
  return x;
}

std::string trading_agent::describe() const {
  return runtime::status_json(status());
}

trading_agent::behavior_type trading_agent::make_behavior() {
  if (auto err = setup()) {
    // Stays up, visibly failed: restarting would fail the same way.
    failure_ = runtime::to_text(err);
    agent_log().error("agent {}: cannot trade: {}", path(), failure_);
  } else {
    ++epoch_;
    dirty_ = true;
    connect();
  }
  schedule_beat();
  return {
      [this](book_top& top) { on_top(top); },
      [this](trade_tick& t) {
        if (t.symbol == settings_.symbol)
          tick_.last = t.price;
      },
      [this](order_update_atom, order_report& rep) {
        // Reports move money: only its session's count.
        if (!from_session(current_sender()))
          return money_incident("agent.report_refused",
                                "a report of order '" + rep.client_order_id +
                                    "' came from an actor other than its session; ignored");
        on_report(rep);
      },
      [this](trading_states& x) {
        // A state may loosen a halt: only the risk control's count.
        if (!sender_at(current_sender(), risk_, risk_control_path))
          return money_incident("agent.states_refused",
                                "trading states came from an actor other than the risk "
                                "control; ignored");
        on_states(x);
      },
      [this](agent_status_atom) -> caf::result<agent_status> { return status(); },
      [this](agent_retire_atom) -> caf::result<agent_status> {
        if (!retiring_) {
          retiring_ = true;
          agent_log().warn("agent {}: retiring: no new orders; it leaves once its orders are "
                           "finished",
                           path());
          cancel_tagged("");
        }
        publish_description();
        // Durable before the answer: a restart goes on retiring.
        auto rp = make_response_promise<agent_status>();
        save_checkpoint_then([this, rp](const caf::error& err) mutable {
          if (err) {
            rp.deliver(err);
            return;
          }
          maybe_retire();
          rp.deliver(status());
        });
        return rp;
      },
      [this](agent_timer_atom, uint64_t gen) {
        if (!from_self())
          return; // a timer only the actor itself sends
        if (gen != beat_gen_)
          return;
        if (failure_.empty()) {
          beat();
          return;
        }
        heartbeat_ms_ = node_clock().unix_ms();
        maybe_retire();
        publish_description();
        schedule_beat();
      },
  };
}

} // namespace tfarm::actors
