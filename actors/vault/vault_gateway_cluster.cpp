// The vault gateway on a cluster member (vault_params::placed): the credits
// of transfers between members, through the store (docs/cluster.md,
// "Transfers between members"), and the directory of accounts other
// members opened.
#include "actors/vault/vault_gateway.hpp"

#include <chrono>
#include <memory>

#include <spdlog/logger.h>

#include "actors/vault/error.hpp"
#include "actors/vault/logger.hpp"
#include "actors/vault/vault_names.hpp"
#include "config/limits.hpp"
#include "persistence/error.hpp"
#include "persistence/farm_switch.hpp"
#include "runtime/actor_registry.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::actors {

namespace {

/// How often a cluster member looks for transfers to the accounts it runs
/// that other members debited.
constexpr int64_t transfer_poll_ms = 100;

/// The store's switches of the vault's modes: "vault/emergency",
/// "vault/transfers_frozen", state "on" while on.
constexpr const char* mode_switch_prefix = "vault/";
constexpr const char* mode_switch_on = "on";

} // namespace

bool vault_gateway::runs_here(const std::string& account) const {
  return node() && node()->registry().find(runtime::child_path(accounts_path, account));
}

void vault_gateway::credit_outcome(queued q) {
  auto shared = std::make_shared<queued>(std::move(q));
  auto& key = shared->req.key;
  request(store(), std::chrono::milliseconds{params_.request_timeout_ms},
          persistence::load_vault_op_atom_v, key)
      .then(
          [this, shared](std::vector<persistence::vault_op_record>& rows) {
            auto& r = shared->req;
            caf::error err;
            if (rows.empty() || rows.front().outcome == "pending") {
              err = refusal(vault_errc::unavailable,
                            "account " + r.account +
                                " runs on another member of the cluster (or none now): it credits "
                                "the transfer from the store; retry");
            } else if (rows.front().outcome == "applied") {
              count(r, shared->credit, shared->t0_ns, nullptr, true);
              shared->rp.deliver(vault_reply{rows.front().txn_id, {}, true});
              return;
            } else {
              auto& row = rows.front();
              auto code = vault_errc_from_string(row.outcome);
              err = refusal(code == vault_errc::none ? vault_errc::invalid_request : code,
                            "account " + r.account + " refused the credit: " + row.detail);
            }
            count(r, shared->credit, shared->t0_ns, &err);
            shared->rp.deliver(err);
          },
          [this, shared](caf::error& err) {
            auto why = refusal(vault_errc::unavailable, "cannot read the outcome of credit " +
                                                            shared->req.key + ": " +
                                                            runtime::to_text(err) + "; retry");
            count(shared->req, shared->credit, shared->t0_ns, &why);
            shared->rp.deliver(why);
          });
}

void vault_gateway::poll_transfers() {
  auto again = [this] {
    delayed_send(this, std::chrono::milliseconds{transfer_poll_ms}, transfer_poll_atom_v);
  };
  request(store(), std::chrono::milliseconds{params_.request_timeout_ms},
          persistence::pending_transfers_atom_v)
      .then(
          [this, again](std::vector<persistence::vault_op_record>& rows) {
            for (auto& row : rows) {
              // Ours to credit: the receiver runs here and the sender does
              // not (a sender here sends its credit itself).
              auto key = row.key + "/credit";
              if (!runs_here(row.ref) || runs_here(row.account) || crediting_.count(key) > 0)
                continue;
              crediting_.insert(key);
              vault_request c;
              c.op = vault_op::transfer;
              c.key = key;
              c.user = row.user;
              c.account = row.ref;
              c.asset = row.asset;
              c.amount = row.amount;
              c.to_account = row.account;
              auto self = caf::actor_cast<vault_actor>(this);
              request(self, std::chrono::milliseconds{params_.request_timeout_ms},
                      transfer_credit_atom_v, std::move(c))
                  .then(
                      [this, key](vault_reply& rep) {
                        crediting_.erase(key);
                        if (!rep.replayed) {
                          ++member_credits_;
                          vault_log().info("vault: credited {} from another member", key);
                        }
                      },
                      [this, key](caf::error& err) {
                        crediting_.erase(key);
                        vault_log().debug("vault: credit {} not made yet: {}", key,
                                          runtime::to_text(err));
                      });
            }
            again();
          },
          [again](caf::error& err) {
            vault_log().debug("vault: cannot read pending transfers: {}", runtime::to_text(err));
            again();
          });
}

void vault_gateway::reload_directory(std::function<void()> then) {
  reload_waiters_.push_back(std::move(then));
  if (reload_waiters_.size() > 1)
    return; // one load answers every waiter
  auto done = [this] {
    auto waiters = std::move(reload_waiters_);
    reload_waiters_.clear();
    for (auto& f : waiters)
      f();
  };
  request(store(), std::chrono::milliseconds{params_.request_timeout_ms},
          persistence::load_accounts_atom_v)
      .then(
          [this, done](std::vector<persistence::account_record>& accounts) {
            for (auto& a : accounts)
              directory_.emplace(a.id, a.user);
            publish_description();
            done();
          },
          [done](caf::error& err) {
            vault_log().warn("vault: cannot reload the accounts: {}", runtime::to_text(err));
            done();
          });
}

void vault_gateway::write_mode(vault_mode mode, bool on, const std::string& reason,
                               const std::string& by, std::function<void(const caf::error&)> then,
                               int attempt) {
  persistence::farm_switch x;
  x.name = mode_switch_prefix + to_string(mode);
  x.state = on ? mode_switch_on : "";
  x.reason = reason.substr(0, persistence::switch_reason_chars_max);
  x.by = by.substr(0, persistence::switch_by_chars_max);
  mode_writes_.write_started();
  request(store(), std::chrono::milliseconds{params_.request_timeout_ms},
          persistence::put_switch_atom_v, std::move(x))
      .then(
          [this, then](bool) {
            mode_writes_.write_finished();
            then(caf::error{});
          },
          [this, mode, on, reason, by, then, attempt](caf::error& err) {
            mode_writes_.write_finished();
            if (err == persistence::store_errc::conflict &&
                attempt + 1 < config::switch_write_attempts) {
              vault_log().info("vault: the mode write conflicted ({}); writing it again",
                               runtime::to_text(err));
              write_mode(mode, on, reason, by, then, attempt + 1);
              return;
            }
            then(err);
          });
}

void vault_gateway::load_modes(bool first) {
  auto token = mode_writes_.read_started();
  auto adopt = [this, first, token](std::vector<persistence::farm_switch>& rows) {
    if (first || mode_writes_.fresh(token)) {
      modes read;
      for (auto& row : rows) {
        auto on = row.state == mode_switch_on;
        if (row.name == mode_switch_prefix + to_string(vault_mode::emergency))
          read.emergency = on;
        else if (row.name == mode_switch_prefix + to_string(vault_mode::transfers_frozen))
          read.transfers_frozen = on;
      }
      if (read.emergency != modes_.emergency || read.transfers_frozen != modes_.transfers_frozen) {
        if (!first)
          vault_log().warn("vault: the cluster's modes changed: emergency {}, transfers {}",
                           read.emergency ? "ON" : "off",
                           read.transfers_frozen ? "frozen" : "open");
        modes_ = read;
        publish_description();
      }
    }
    if (modes_unreadable_)
      vault_log().info("vault: the cluster's modes are readable again");
    modes_unreadable_ = false;
    if (first) {
      vault_log().info("vault: {} accounts{}{} (the cluster's modes)", directory_.size(),
                       modes_.emergency ? ", EMERGENCY MODE" : "",
                       modes_.transfers_frozen ? ", transfers frozen" : "");
      publish_description();
      poll_transfers();
    }
    delayed_send(this, std::chrono::milliseconds{config::shared_switch_refresh_ms},
                 mode_refresh_atom_v);
  };
  auto handle = request(store(), std::chrono::milliseconds{params_.request_timeout_ms},
                        persistence::load_switches_atom_v, std::string{mode_switch_prefix});
  if (first) {
    handle.await(adopt, [this](caf::error& err) {
      vault_log().error("vault: cannot read the cluster's modes: {}", runtime::to_text(err));
      quit(err);
    });
    return;
  }
  handle.then(adopt, [this](caf::error& err) {
    if (!modes_unreadable_)
      vault_log().warn("vault: cannot read the cluster's modes ({}); keeping emergency {}, "
                       "transfers {}",
                       runtime::to_text(err), modes_.emergency ? "ON" : "off",
                       modes_.transfers_frozen ? "frozen" : "open");
    modes_unreadable_ = true;
    delayed_send(this, std::chrono::milliseconds{config::shared_switch_refresh_ms},
                 mode_refresh_atom_v);
  });
}

} // namespace tfarm::actors
