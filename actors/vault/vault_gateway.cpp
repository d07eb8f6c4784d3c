#include "actors/vault/vault_gateway.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>

#include <caf/sec.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "actors/vault/error.hpp"
#include "actors/vault/logger.hpp"
#include "actors/vault/vault_names.hpp"
#include "actors/vault/wide_int.hpp"
#include "config/limits.hpp"
#include "config/path_syntax.hpp"
#include "config/suggest.hpp"
#include "persistence/error.hpp"
#include "runtime/clock.hpp"
#include "runtime/error.hpp"
#include "runtime/error_text.hpp"
#include "runtime/state_codec.hpp"
#include "runtime/status_json.hpp"

CEREAL_CLASS_VERSION(tfarm::actors::vault_gateway::modes, 1)

namespace tfarm::actors {

namespace {

/// How often the gateway looks again for an account that is restarting.
constexpr int64_t resolve_retry_ms = 5;

/// How long after an account's failure the gateway waits for bounces of
/// the requests it never took, before calling the rest's outcome unknown.
constexpr int64_t orphan_grace_ms = 100;

/// Discrepancies written into the reconciliation's audit record at most
/// (the reply carries all of them).
constexpr size_t reconcile_audit_items_max = 20;

} // namespace

vault_gateway::vault_gateway(caf::actor_config& cfg, runtime::spawn_context ctx)
    : super(cfg, std::move(ctx)), params_(runtime::params_of<vault_params>(spec())),
      assets_(params_.assets.begin(), params_.assets.end()) {
  set_down_handler([this](caf::down_msg& msg) { account_down(msg); });
}

runtime::kind_info vault_gateway::kind() {
  return runtime::make_kind<vault_gateway>(
      "vault_gateway", "vault gateway: routes operations to accounts, modes, reconciliation",
      runtime::kind_persistent);
}

persistence::store_actor vault_gateway::store() const {
  return persistence::store_of(node().get());
}

std::string vault_gateway::save_state() {
  return runtime::encode_state(modes_);
}

caf::error vault_gateway::restore_state(const std::string& blob, uint32_t) {
  return runtime::decode_state(blob, modes_);
}

std::map<std::string, std::string> vault_gateway::account_params() const {
  return to_params(params_);
}

vault_gateway::behavior_type vault_gateway::make_behavior() {
  auto st = store();
  if (!st) {
    quit(refusal(vault_errc::unavailable, "vault gateway: no store on this node"));
  } else {
    request(st, std::chrono::milliseconds{params_.request_timeout_ms},
            persistence::load_accounts_atom_v)
        .await(
            [this](std::vector<persistence::account_record>& accounts) {
              for (auto& a : accounts)
                directory_.emplace(a.id, a.user);
              if (params_.placed) {
                // The cluster's modes, before any operation is let through.
                load_modes(true);
                return;
              }
              vault_log().info("vault: {} accounts{}{}", directory_.size(),
                               modes_.emergency ? ", EMERGENCY MODE" : "",
                               modes_.transfers_frozen ? ", transfers frozen" : "");
              publish_description();
            },
            [this](caf::error& err) {
              vault_log().error("vault: cannot load the accounts: {}", runtime::to_text(err));
              quit(err);
            });
  }
  return {
      [this](vault_request& r) -> caf::result<vault_reply> {
        auto rp = make_response_promise<vault_reply>();
        handle(r, false, rp);
        return rp;
      },
      [this](transfer_credit_atom, vault_request& r) -> caf::result<vault_reply> {
        auto rp = make_response_promise<vault_reply>();
        handle(r, true, rp);
        return rp;
      },
      [this](vault_mode_change& m) -> caf::result<vault_status> {
        // The mode may come from a peer: any byte.
        bool* flag = m.mode == vault_mode::emergency          ? &modes_.emergency
                     : m.mode == vault_mode::transfers_frozen ? &modes_.transfers_frozen
                                                              : nullptr;
        if (flag == nullptr)
          return refusal(vault_errc::invalid_request, "unknown vault " + to_string(m.mode) +
                                                          " (known: emergency, transfers_frozen)");
        auto before = *flag;
        *flag = m.on; // takes effect now; undone if it cannot be made durable
        auto a = persistence::make_audit(
            path(), m.user, "vault." + to_string(m.mode) + (m.on ? ".on" : ".off"),
            (before == m.on ? std::string{"unchanged; "} : std::string{}) +
                (m.reason.empty() ? std::string{"no reason given"} : m.reason));
        vault_log().warn("vault: {} {} by {} ({})", to_string(m.mode), m.on ? "ON" : "off", m.user,
                         a.detail);
        publish_description();
        auto rp = make_response_promise<vault_status>();
        auto undo = [this, flag, before, rp, mode = m.mode](const caf::error& err) mutable {
          *flag = before;
          // The checkpoint (or switch) may have landed before the audit failed.
          if (params_.placed)
            write_mode(mode, before, "undone: " + runtime::to_text(err), "system",
                       [](const caf::error&) {});
          else
            save_checkpoint();
          vault_log().error("vault: mode change undone: {}", runtime::to_text(err));
          publish_description();
          rp.deliver(err);
        };
        // Durable (checkpoint, or the cluster's switch) and audited before
        // it is acknowledged.
        auto audited = [this, a, rp, undo](const caf::error& err) mutable {
          if (err) {
            undo(err);
            return;
          }
          request(store(), std::chrono::milliseconds{params_.request_timeout_ms},
                  persistence::append_audit_atom_v, std::move(a))
              .then([this, rp](uint64_t) mutable { rp.deliver(status()); },
                    [undo](caf::error& e) mutable { undo(e); });
        };
        if (params_.placed)
          write_mode(m.mode, m.on, m.reason, m.user, std::move(audited));
        else
          save_checkpoint_then(std::move(audited));
        return rp;
      },
      [this](vault_status_atom) -> vault_status { return status(); },
      [this](reconcile_request& req) -> caf::result<reconcile_report> {
        auto rp = make_response_promise<reconcile_report>();
        reconcile(req, rp);
        return rp;
      },
      [this](orphan_check_atom, std::string& account) {
        if (!from_self())
          return; // a timer only the actor itself sends
        check_orphans(account);
      },
      [this](transfer_poll_atom) {
        if (from_self())
          poll_transfers();
      },
      [this](mode_refresh_atom) {
        if (from_self())
          load_modes(false);
      },
      [this](reconcile_confirm_atom, uint64_t id) {
        if (!from_self())
          return; // a timer only the actor itself sends
        auto i = confirms_.find(id);
        if (i == confirms_.end())
          return;
        auto k = std::move(i->second);
        confirms_.erase(i);
        k();
      },
      [this](resolve_retry_atom, std::string& account) {
        if (!from_self())
          return; // a timer only the actor itself sends
        auto i = waiting_.find(account);
        if (i == waiting_.end() || i->second.empty())
          return;
        if (resolve(account)) {
          flush(account);
          return;
        }
        auto since = waiting_since_ms_[account];
        if (node_clock().unix_ms() - since > params_.request_timeout_ms) {
          fail_waiting(account, refusal(vault_errc::unavailable,
                                        "account " + account + " did not come back within " +
                                            std::to_string(params_.request_timeout_ms) +
                                            " ms; retry with the same key"));
          return;
        }
        start_or_wait(account);
      },
  };
}

// -- operations -------------------------------------------------------------------------

void vault_gateway::handle(vault_request& r, bool credit, reply_promise rp, bool reloaded) {
  auto t0 = node_clock().steady_ns();
  auto refuse = [&](caf::error err) {
    count(r, credit, t0, &err);
    rp.deliver(err);
  };
  if (r.op == vault_op::open) {
    open(r, rp, t0);
    return;
  }
  if (!credit) {
    // Emergency mode stops new business (deposits, withdrawals, transfers,
    // reservations for new orders); a fill that happened at a venue is
    // booked whatever the mode, and money set aside goes back. The account
    // refuses: it alone knows whether the key is an operation it already
    // acknowledged, which must be answered as it was, whatever the mode.
    r.closed.clear();
    if (modes_.emergency && r.op != vault_op::release && r.op != vault_op::settle &&
        r.op != vault_op::balance) {
      r.closed = "the vault is in emergency mode: only fill settlements and releases of "
                 "reservations pass (" +
                 to_string(r.op) + " refused)";
      r.closed_code = static_cast<uint8_t>(vault_errc::emergency_mode);
    } else if (modes_.transfers_frozen &&
               (r.op == vault_op::withdraw || r.op == vault_op::transfer)) {
      r.closed =
          "transfers are frozen: no withdrawals or transfers (" + to_string(r.op) + " refused)";
      r.closed_code = static_cast<uint8_t>(vault_errc::transfers_frozen);
    }
  }
  auto unknown = directory_.count(r.account) == 0 ||
                 (r.op == vault_op::transfer && !credit && directory_.count(r.to_account) == 0);
  if (unknown && params_.placed && !reloaded) {
    // Other members open the accounts of the users they run: this
    // member's directory learns them from the store.
    reload_directory([this, r, credit, rp]() mutable { handle(r, credit, rp, true); });
    return;
  }
  if (directory_.count(r.account) == 0) {
    refuse(refusal(vault_errc::unknown_account, "no account '" + r.account + "'"));
    return;
  }
  if (r.op == vault_op::transfer && !credit && directory_.count(r.to_account) == 0) {
    refuse(
        refusal(vault_errc::unknown_account, "no account '" + r.to_account + "' to transfer to"));
    return;
  }
  // A cluster member runs only the accounts of its users. The credit of a
  // transfer to an account on another member is that member's to make: it
  // takes the pending debit from the store (poll_transfers), and the sender
  // learns the outcome from the journal.
  if (credit && params_.placed && !runs_here(r.account)) {
    credit_outcome(queued{std::move(r), credit, std::move(rp), t0});
    return;
  }
  forward(queued{std::move(r), credit, std::move(rp), t0});
}

void vault_gateway::open(vault_request& r, reply_promise rp, int64_t t0) {
  auto refuse = [&](caf::error err) {
    count(r, false, t0, &err);
    rp.deliver(err);
  };
  if (!config::valid_path_segment(r.account) || !config::valid_path_segment(r.user)) {
    refuse(refusal(vault_errc::invalid_request,
                   "account id and user must be 1 to 64 characters of A-Z a-z 0-9 _ . - "
                   "(got account '" +
                       r.account + "', user '" + r.user + "')"));
    return;
  }
  if (auto i = directory_.find(r.account); i != directory_.end()) {
    if (i->second != r.user) {
      refuse(
          refusal(vault_errc::account_exists, "account " + r.account + " belongs to another user"));
      return;
    }
    count(r, false, t0, nullptr, true);
    rp.deliver(vault_reply{0, {}, true});
    return;
  }
  // Reopening a known account moves nothing (a node restarting in emergency
  // mode does it for every configured account); a new one would.
  if (modes_.emergency) {
    refuse(refusal(vault_errc::emergency_mode,
                   "the vault is in emergency mode: only fill settlements and releases of "
                   "reservations pass (opening new account " +
                       r.account + " refused)"));
    return;
  }
  for (auto& [asset, amount] : r.opening_balance) {
    if (assets_.count(asset) == 0) {
      refuse(refusal(vault_errc::unknown_asset,
                     "opening balance in unknown asset '" + asset +
                         "' (the vault holds: " + config::join(params_.assets, ",") + ")"));
      return;
    }
    if (amount <= 0) {
      refuse(refusal(vault_errc::invalid_amount, "opening balance of " + asset +
                                                     " must be positive, got " +
                                                     std::to_string(amount)));
      return;
    }
  }
  persistence::account_record rec{r.account, r.user, 0, r.opening_balance};
  request(store(), std::chrono::milliseconds{params_.request_timeout_ms},
          persistence::open_account_atom_v, std::move(rec))
      .then(
          [this, r, rp, t0](persistence::account_record& stored) mutable {
            if (stored.user != r.user) {
              auto err = refusal(vault_errc::account_exists,
                                 "account " + r.account + " belongs to another user");
              count(r, false, t0, &err);
              rp.deliver(err);
              return;
            }
            auto added = directory_.emplace(stored.id, stored.user).second;
            if (added)
              vault_log().info("vault: opened account {} for {}", stored.id, stored.user);
            count(r, false, t0, nullptr, !added);
            rp.deliver(vault_reply{0, {}, !added});
            publish_description();
          },
          [this, r, rp, t0](caf::error& err) mutable {
            auto conflict = err.category() == caf::atom("tfstore") &&
                            static_cast<persistence::store_errc>(err.code()) ==
                                persistence::store_errc::account_conflict;
            auto why =
                conflict
                    ? refusal(vault_errc::account_exists,
                              "account " + r.account + " belongs to another user")
                    : refusal(vault_errc::unavailable,
                              "account " + r.account + " not opened: " + runtime::to_text(err));
            count(r, false, t0, &why);
            rp.deliver(why);
          });
}

void vault_gateway::forward(queued q) {
  auto account = q.req.account;
  if (auto h = resolve(account)) {
    send_to(account, h, std::move(q));
    return;
  }
  auto& w = waiting_[account];
  w.push_back(std::move(q));
  if (w.size() == 1) {
    waiting_since_ms_[account] = node_clock().unix_ms();
    start_or_wait(account);
  }
}

vault_account_actor vault_gateway::resolve(const std::string& account) {
  if (auto i = handles_.find(account); i != handles_.end())
    return i->second;
  auto entry =
      node() ? node()->registry().find(runtime::child_path(accounts_path, account)) : nullptr;
  if (!entry)
    return {};
  auto h = caf::actor_cast<vault_account_actor>(entry->handle());
  if (!h)
    return {};
  handles_.emplace(account, h);
  by_addr_.emplace(h.address(), account);
  monitor(h);
  return h;
}

void vault_gateway::start_or_wait(const std::string& account) {
  auto retry_later = [this, account] {
    delayed_send(this, std::chrono::milliseconds{resolve_retry_ms}, resolve_retry_atom_v, account);
  };
  auto path = runtime::child_path(accounts_path, account);
  if (node() && node()->registry().find(path)) {
    // Known to its supervisor: it is (re)starting.
    retry_later();
    return;
  }
  if (params_.placed) {
    fail_waiting(account, refusal(vault_errc::unavailable,
                                  "account " + account +
                                      " is not on this member: its user runs on another member "
                                      "of the cluster (tfarm cluster status)"));
    return;
  }
  runtime::supervisor_actor sup;
  if (auto entry = node() ? node()->registry().find(accounts_path) : nullptr)
    sup = caf::actor_cast<runtime::supervisor_actor>(entry->handle());
  if (!sup) {
    retry_later();
    return;
  }
  runtime::child_spec child;
  child.id = account;
  child.kind = "vault_account";
  child.params = account_params();
  request(sup, std::chrono::milliseconds{params_.request_timeout_ms}, runtime::start_child_atom_v,
          std::move(child))
      .then(
          [this, account](caf::actor&) {
            if (resolve(account))
              flush(account);
            else
              start_or_wait(account);
          },
          [this, account, retry_later](caf::error& err) {
            if (err == runtime::runtime_errc::duplicate_child) {
              retry_later();
              return;
            }
            fail_waiting(account,
                         refusal(vault_errc::unavailable,
                                 "account " + account + " cannot start: " + runtime::to_text(err)));
          });
}

std::vector<vault_gateway::queued> vault_gateway::take_waiting(const std::string& account) {
  std::vector<queued> result;
  if (auto i = waiting_.find(account); i != waiting_.end()) {
    result = std::move(i->second);
    waiting_.erase(i);
  }
  waiting_since_ms_.erase(account);
  return result;
}

void vault_gateway::flush(const std::string& account) {
  for (auto& q : take_waiting(account))
    forward(std::move(q));
}

void vault_gateway::fail_waiting(const std::string& account, const caf::error& why) {
  for (auto& q : take_waiting(account)) {
    count(q.req, q.credit, q.t0_ns, &why);
    q.rp.deliver(why);
  }
}

void vault_gateway::send_to(const std::string& account, const vault_account_actor& h, queued q) {
  auto id = ++next_id_;
  auto timeout = std::chrono::milliseconds{params_.request_timeout_ms};
  auto req = q.req;
  auto credit = q.credit;
  in_flight_[account].emplace(id, std::move(q));
  auto ok = [this, account, id](vault_reply& rep) { finish(account, id, std::move(rep)); };
  auto err = [this, account, id](caf::error& e) { finish(account, id, std::move(e)); };
  if (credit)
    request(h, timeout, transfer_credit_atom_v, std::move(req)).then(ok, err);
  else
    request(h, timeout, std::move(req)).then(ok, err);
}

void vault_gateway::finish(const std::string& account, uint64_t id,
                           caf::expected<vault_reply> result) {
  auto i = in_flight_.find(account);
  if (i == in_flight_.end())
    return;
  auto j = i->second.find(id);
  if (j == i->second.end())
    return; // answered already (the account went down)
  auto q = std::move(j->second);
  i->second.erase(j);
  if (result) {
    count(q.req, q.credit, q.t0_ns, nullptr, result->replayed);
    q.rp.deliver(std::move(*result));
    return;
  }
  auto err = std::move(result.error());
  auto waited_ms = (node_clock().steady_ns() - q.t0_ns) / 1'000'000;
  if (err == caf::sec::request_receiver_down && waited_ms < params_.request_timeout_ms) {
    // The account died before it took the request out of its mailbox (CAF
    // bounces those before the down message): nothing happened, so the
    // request goes to the next incarnation.
    // (by_addr_ stays: the down message that follows still finds the
    // requests the dead account had taken.)
    handles_.erase(account);
    forward(std::move(q));
    return;
  }
  if (!is_vault_error(err))
    err =
        refusal(vault_errc::unavailable, "account " + account + " did not answer (" +
                                             runtime::to_text(err) + "); retry with the same key");
  count(q.req, q.credit, q.t0_ns, &err);
  q.rp.deliver(err);
}

void vault_gateway::account_down(const caf::down_msg& msg) {
  auto i = by_addr_.find(msg.source);
  if (i == by_addr_.end())
    return;
  auto account = i->second;
  by_addr_.erase(i);
  if (auto h = handles_.find(account); h != handles_.end() && h->second.address() == msg.source)
    handles_.erase(h);
  auto j = in_flight_.find(account);
  if (j == in_flight_.end() || j->second.empty())
    return;
  // Requests the account never took come back as bounces (and go to its
  // next incarnation); those still unanswered after a grace period were
  // taken, and their outcome is unknown to us.
  auto& ids = orphans_[account];
  for (auto& [id, q] : j->second)
    ids.push_back(id);
  orphan_reason_[account] = runtime::to_text(msg.reason);
  delayed_send(this, std::chrono::milliseconds{orphan_grace_ms}, orphan_check_atom_v, account);
}

void vault_gateway::check_orphans(const std::string& account) {
  auto ids = std::move(orphans_[account]);
  orphans_.erase(account);
  auto reason = std::move(orphan_reason_[account]);
  orphan_reason_.erase(account);
  auto j = in_flight_.find(account);
  if (j == in_flight_.end())
    return;
  auto why = refusal(vault_errc::unavailable, "account " + account +
                                                  " failed while handling the request (" + reason +
                                                  "); retry with the same key");
  for (auto id : ids) {
    auto k = j->second.find(id);
    if (k == j->second.end())
      continue;
    auto q = std::move(k->second);
    j->second.erase(k);
    count(q.req, q.credit, q.t0_ns, &why);
    q.rp.deliver(why);
  }
}

// -- metrics -------------------------------------------------------------------------------

void vault_gateway::count(const vault_request& r, bool credit, int64_t t0_ns, const caf::error* err,
                          bool replayed) {
  // Reads and the internal credit phase are not transactions of their own;
  // replays answer an earlier one.
  if (r.op == vault_op::balance || credit)
    return;
  if (replayed) {
    ++replays_;
    return;
  }
  ++transactions_;
  if (err == nullptr || !*err)
    ++succeeded_;
  else
    ++rejections_[to_string(vault_reason(*err))];
  latency_us_.record((node_clock().steady_ns() - t0_ns) / 1'000);
}

vault_status vault_gateway::status() const {
  vault_status x;
  x.emergency = modes_.emergency;
  x.transfers_frozen = modes_.transfers_frozen;
  x.accounts = directory_.size();
  x.running_accounts = handles_.size();
  x.transactions = transactions_;
  x.replays = replays_;
  x.succeeded = succeeded_;
  x.member_credits = member_credits_;
  x.rejections = rejections_;
  x.reconciling = confirms_.size();
  x.success_ppm = transactions_ == 0
                      ? 1'000'000u
                      : static_cast<uint32_t>(succeeded_ * 1'000'000 / transactions_);
  x.p50_us = latency_us_.quantile(0.50);
  x.p95_us = latency_us_.quantile(0.95);
  x.p99_us = latency_us_.quantile(0.99);
  x.max_us = latency_us_.max();
  return x;
}

std::string vault_gateway::describe() const {
  return runtime::status_json(status());
}

// -- reconciliation --------------------------------------------------------------------------

void vault_gateway::confirmed_trading_findings(
    std::function<void(caf::expected<std::vector<persistence::trading_finding>>)> k) {
  using findings = std::vector<persistence::trading_finding>;
  auto timeout = std::chrono::milliseconds{params_.request_timeout_ms};
  auto key = [](const persistence::trading_finding& x) {
    return x.kind + '\n' + x.account + '\n' + x.order + '\n' + x.fill;
  };
  request(store(), timeout, persistence::trading_check_atom_v)
      .then(
          [this, k, key, timeout](findings& first) {
            std::set<std::string> seen;
            for (auto& x : first)
              if (!x.pending)
                seen.insert(key(x));
            if (seen.empty() || params_.reconcile_confirm_ms == 0) {
              k(std::move(first));
              return;
            }
            // Writes in flight (a fill recorded again after a failed write,
            // its settlement retried) finish within the wait; a loss stays.
            auto id = ++next_confirm_;
            confirms_.emplace(id, [this, k, key, timeout, seen] {
              request(store(), timeout, persistence::trading_check_atom_v)
                  .then(
                      [k, key, seen](findings& second) {
                        findings out;
                        size_t gone = seen.size();
                        for (auto& x : second) {
                          if (!x.pending && seen.count(key(x)) == 0)
                            continue; // new since the first look: the next one judges it
                          if (!x.pending)
                            --gone;
                          out.push_back(std::move(x));
                        }
                        if (gone > 0)
                          vault_log().info("vault: {} trading findings of the first look were "
                                           "gone at the second (writes in flight)",
                                           gone);
                        k(std::move(out));
                      },
                      [k](caf::error& err) { k(std::move(err)); });
            });
            delayed_send(this, std::chrono::milliseconds{params_.reconcile_confirm_ms},
                         reconcile_confirm_atom_v, id);
          },
          [k](caf::error& err) { k(std::move(err)); });
}

void vault_gateway::reconcile(reconcile_request& req,
                              caf::typed_response_promise<reconcile_report> rp) {
  struct job {
    reconcile_report report;
    size_t outstanding = 0;
    std::string user;
    std::string reason;
  };
  auto state = std::make_shared<job>();
  state->user = req.user;
  state->reason = req.reason;
  auto venues = std::move(req.venue_balances);
  auto timeout = std::chrono::milliseconds{params_.request_timeout_ms};
  auto finish = [this, state, rp]() mutable {
    auto& report = state->report;
    report.clean = report.discrepancies.empty();
    nlohmann::json detail;
    detail["reason"] = state->reason;
    detail["clean"] = report.clean;
    detail["accounts"] = report.accounts_checked;
    detail["actors"] = report.actors_checked;
    detail["venue_balances"] = report.venue_balances_checked;
    detail["discrepancies"] = report.discrepancies.size();
    detail["trading_pending"] = report.trading_pending;
    auto& items = detail["first"] = nlohmann::json::array();
    for (size_t i = 0; i < report.discrepancies.size() && i < reconcile_audit_items_max; ++i) {
      auto& d = report.discrepancies[i];
      items.push_back({{"kind", d.kind},
                       {"account", d.account},
                       {"asset", d.asset},
                       {"expected", d.expected},
                       {"actual", d.actual}});
    }
    auto a = persistence::make_audit(path(), state->user, "vault.reconcile", detail.dump());
    if (report.clean)
      vault_log().info("vault: reconciliation clean ({} accounts)", report.accounts_checked);
    else
      vault_log().error("vault: reconciliation found {} discrepancies",
                        report.discrepancies.size());
    request(store(), std::chrono::milliseconds{params_.request_timeout_ms},
            persistence::append_audit_atom_v, std::move(a))
        .then(
            [state, rp](uint64_t id) mutable {
              state->report.audit_id = id;
              rp.deliver(state->report);
            },
            [rp](caf::error& err) mutable { rp.deliver(err); });
  };
  // Last, the trading record: every fill settled once with the right
  // amounts, reservations closed only with their orders.
  auto done = [this, state, finish]() mutable {
    confirmed_trading_findings([state,
                                finish](caf::expected<std::vector<persistence::trading_finding>>
                                            xs) mutable {
      if (!xs) {
        state->report.discrepancies.push_back(discrepancy{
            "trading_check_failed", "", "", 0, 0,
            "the trading record could not be checked: " + runtime::to_text(xs.error())});
        finish();
        return;
      }
      for (auto& x : *xs) {
        if (x.pending) {
          ++state->report.trading_pending;
          continue;
        }
        state->report.discrepancies.push_back(discrepancy{x.kind, x.account, "", 0, 0, x.detail});
      }
      finish();
    });
  };
  request(store(), timeout, persistence::ledger_totals_atom_v)
      .then(
          [this, state, venues, done, timeout](persistence::ledger_totals& totals) mutable {
            auto& report = state->report;
            auto& found = report.discrepancies;
            // The ledger against the balances kept beside it.
            std::map<std::pair<std::string, std::string>, balance_row> ledger;
            for (auto& row : totals.ledger)
              ledger[{row.account, row.asset}] = row;
            std::map<std::pair<std::string, std::string>, balance_row> kept;
            for (auto& row : totals.balances)
              kept[{row.account, row.asset}] = row;
            std::set<std::pair<std::string, std::string>> keys;
            for (auto& [k, v] : ledger)
              keys.insert(k);
            for (auto& [k, v] : kept)
              keys.insert(k);
            std::map<std::string, wide_int> per_asset;
            std::set<std::string> accounts;
            for (auto& k : keys) {
              auto l = ledger[k];
              auto b = kept[k];
              if (!persistence::is_system_account(k.first))
                accounts.insert(k.first);
              auto check = [&](const char* bucket, int64_t expected, int64_t actual) {
                if (expected != actual)
                  found.push_back(discrepancy{
                      "ledger_vs_balances", k.first, k.second, expected, actual,
                      std::string{bucket} + ": balances table holds " + std::to_string(actual) +
                          ", the ledger sums to " + std::to_string(expected)});
                if (actual < 0 && !persistence::is_system_account(k.first))
                  found.push_back(discrepancy{"negative_balance", k.first, k.second, 0, actual,
                                              std::string{bucket} + " is negative"});
              };
              check("available", l.available, b.available);
              check("reserved", l.reserved, b.reserved);
              per_asset[k.second] += static_cast<wide_int>(l.available) + l.reserved;
            }
            for (auto& [asset, sum] : per_asset)
              if (sum != 0)
                found.push_back(discrepancy{"asset_total", "", asset, 0, static_cast<int64_t>(sum),
                                            "the ledger's accounts do not sum to zero"});
            for (auto& u : totals.unbalanced)
              found.push_back(discrepancy{"unbalanced_transaction", "", "", 0, 0, u});
            report.accounts_checked = std::max<uint64_t>(accounts.size(), directory_.size());
            // What venues report against what the ledger says accounts hold.
            std::map<std::pair<std::string, std::string>, int64_t> reported;
            for (auto& v : venues) {
              reported[{v.account, v.asset}] += v.amount;
              ++report.venue_balances_checked;
            }
            for (auto& [k, amount] : reported) {
              auto l = ledger[k];
              auto held = l.available + l.reserved;
              if (held != amount)
                found.push_back(discrepancy{"venue_vs_ledger", k.first, k.second, held, amount,
                                            "venues report " + std::to_string(amount) +
                                                ", the ledger holds " + std::to_string(held)});
            }
            // Every running account's memory against the store.
            std::vector<vault_account_actor> running;
            for (auto& [account, user] : directory_)
              if (auto h = resolve(account))
                running.push_back(h);
            if (running.empty()) {
              done();
              return;
            }
            state->outstanding = running.size();
            for (auto& h : running) {
              request(h, timeout, verify_atom_v)
                  .then(
                      [state, done](std::vector<discrepancy>& ds) mutable {
                        ++state->report.actors_checked;
                        for (auto& d : ds)
                          state->report.discrepancies.push_back(std::move(d));
                        if (--state->outstanding == 0)
                          done();
                      },
                      [state, done](caf::error&) mutable {
                        // An account that went away restarts from the ledger.
                        if (--state->outstanding == 0)
                          done();
                      });
            }
          },
          [rp](caf::error& err) mutable { rp.deliver(err); });
}

} // namespace tfarm::actors
