// The vault's front door (/vault/gateway): every operation enters here.
//
// It knows which accounts exist (the store's accounts table, loaded before
// its first message), opens new ones, enforces the vault-wide modes
// (emergency: only fill settlements and releases pass; transfers frozen: no withdrawals or
// transfers), routes each operation to its account actor under
// /vault/accounts (starting it on first use, waiting while it restarts),
// reconciles, and keeps the vault's metrics.
//
// On a cluster member (`placed`) it runs only the accounts of the member's
// users; a transfer between members goes through the store: this gateway
// credits the pending debits addressed to its accounts (polling), and
// answers its senders' credit requests for accounts elsewhere from the
// journal (docs/cluster.md, "Transfers between members").
//
// Why a gateway beside the supervisor rather than a supervisor that routes:
// supervision stays generic and policy-driven, and a gateway crash restarts
// the gateway alone, never the accounts that hold money.
//
// Modes are checkpointed (durable before a change is acknowledged) and
// audited; on a cluster member they are the cluster's, kept in the store's
// switches ("vault/emergency", "vault/transfers_frozen") and read by every
// member every shared_switch_refresh_ms. A request the account had not started when it failed goes
// to its next incarnation; one it had started is answered `unavailable` at once (the gateway
// monitors accounts): the client retries with the same key and learns the outcome.
//
// Runs on CAF's scheduler; members are touched only by the actor.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/vault/vault_interfaces.hpp"
#include "actors/vault/vault_params.hpp"
#include "persistence/store_actor.hpp"
#include "persistence/switch_read_guard.hpp"
#include "runtime/latency_histogram.hpp"
#include "runtime/managed_actor.hpp"

namespace tfarm::actors {

class vault_gateway : public runtime::basic_managed_actor<vault_actor::base> {
public:
  using super = runtime::basic_managed_actor<vault_actor::base>;
  using params_type = vault_params;
  using reply_promise = caf::typed_response_promise<vault_reply>;

  vault_gateway(caf::actor_config& cfg, runtime::spawn_context ctx);

  static runtime::kind_info kind();

  behavior_type make_behavior() override;

  /// The modes, checkpointed.
  struct modes {
    bool emergency = false;
    bool transfers_frozen = false;

    template <class Archive>
    void serialize(Archive& ar, std::uint32_t) {
      ar(emergency, transfers_frozen);
    }
  };

protected:
  bool has_state() const override { return !params_.placed; }
  std::string save_state() override;
  caf::error restore_state(const std::string& blob, uint32_t version) override;
  std::string describe() const override;

private:
  struct queued {
    vault_request req;
    bool credit = false;
    reply_promise rp;
    int64_t t0_ns = 0;
  };

  /// `reloaded`: the directory was read again from the store for it.
  void handle(vault_request& r, bool credit, reply_promise rp, bool reloaded = false);
  /// True if the account's actor is on this node (running or restarting).
  bool runs_here(const std::string& account) const;
  /// Answers a credit to an account on another member from the journal:
  /// made, refused for good, or not yet (`unavailable`: retry).
  void credit_outcome(queued q);
  /// A cluster member: credits what other members debited for accounts it
  /// runs (the pending transfers in the store), then polls again.
  void poll_transfers();
  /// A cluster member: reads the cluster's modes (the store's switches),
  /// adopts them unless a change of ours overlapped the read, and reads
  /// again in shared_switch_refresh_ms. `first`: the gateway's start --
  /// nothing is served until it succeeds, and transfers are polled after.
  void load_modes(bool first);
  /// A cluster member: writes a mode as the cluster's switch (asked again
  /// after a conflict, up to config::switch_write_attempts; `attempt`
  /// counts from 0).
  void write_mode(vault_mode mode, bool on, const std::string& reason, const std::string& by,
                  std::function<void(const caf::error&)> then, int attempt = 0);
  /// Reads the accounts table again, then calls `then`.
  void reload_directory(std::function<void()> then);
  void open(vault_request& r, reply_promise rp, int64_t t0);
  void forward(queued q);
  vault_account_actor resolve(const std::string& account);
  void start_or_wait(const std::string& account);
  /// Removes and returns the operations waiting for `account`.
  std::vector<queued> take_waiting(const std::string& account);
  void flush(const std::string& account);
  void fail_waiting(const std::string& account, const caf::error& why);
  void send_to(const std::string& account, const vault_account_actor& h, queued q);
  void finish(const std::string& account, uint64_t id, caf::expected<vault_reply> result);
  void account_down(const caf::down_msg& msg);
  void check_orphans(const std::string& account);

  void count(const vault_request& r, bool credit, int64_t t0_ns, const caf::error* err,
             bool replayed = false);
  vault_status status() const;
  void reconcile(reconcile_request& req, caf::typed_response_promise<reconcile_report> rp);
  /// The trading check of a reconciliation: `k` gets the findings that
  /// are still there params_.reconcile_confirm_ms after the first look.
  void confirmed_trading_findings(
      std::function<void(caf::expected<std::vector<persistence::trading_finding>>)> k);
  std::map<std::string, std::string> account_params() const;

  persistence::store_actor store() const;

  modes modes_;
  vault_params params_;
  std::set<std::string> assets_;
  /// account -> user.
  std::unordered_map<std::string, std::string> directory_;
  std::unordered_map<std::string, vault_account_actor> handles_;
  std::unordered_map<caf::actor_addr, std::string> by_addr_;
  /// Operations for accounts being started or restarted, with deadlines.
  std::unordered_map<std::string, std::vector<queued>> waiting_;
  std::unordered_map<std::string, int64_t> waiting_since_ms_;
  /// Forwarded and unanswered, per account.
  std::unordered_map<std::string, std::unordered_map<uint64_t, queued>> in_flight_;
  uint64_t next_id_ = 0;
  /// Requests in flight when their account failed, by account.
  std::unordered_map<std::string, std::vector<uint64_t>> orphans_;
  std::unordered_map<std::string, std::string> orphan_reason_;
  /// Waiting for a reload of the directory (one load at a time).
  std::vector<std::function<void()>> reload_waiters_;
  // Metrics.
  uint64_t transactions_ = 0;
  uint64_t replays_ = 0;
  uint64_t succeeded_ = 0;
  /// Credits of transfers other members debited, made here.
  uint64_t member_credits_ = 0;
  /// A read of the cluster's modes that overlapped a change of ours is
  /// stale.
  persistence::switch_read_guard mode_writes_;
  /// The last read of the cluster's modes failed (logged once).
  bool modes_unreadable_ = false;
  /// Credit keys being made by poll_transfers.
  std::set<std::string> crediting_;
  std::map<std::string, uint64_t> rejections_;
  runtime::latency_histogram latency_us_;
  /// Second looks of trading checks, by timer id.
  std::map<uint64_t, std::function<void()>> confirms_;
  uint64_t next_confirm_ = 0;
};

} // namespace tfarm::actors
