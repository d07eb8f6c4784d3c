// A trading agent: runs one strategy on one symbol for one vault account
// through one exchange session.
//
// Order flow, per order the strategy asks for:
//   risk gate (rules and the kill switch) -> vault reserve (durable; the
//   reservation id is the client order id) -> exchange session (which
//   records the order durably before it leaves) -> reports and fills ->
//   vault settle per fill (durable, keyed by the venue's fill id) ->
//   position and strategy -> vault release of what is left once the order
//   is final.
// A market order becomes a limit order at the touch plus a collar
// (collar_bps) and its unfilled rest is cancelled: the reservation then
// always covers the fills.
//
// Restart: the checkpoint holds the strategy's state, the order sequence,
// the tags of working orders and the counters; the position is rebuilt
// from the store's fills (so it always equals the sum of the agent's
// fills). Before trading, the agent reconciles every open reservation and
// every order not final that carries its id prefix: it asks the session
// (which adopts it: later fills come to the new incarnation), settles the
// fills the vault has not seen, and releases what is left of finished or
// never-placed orders. Each incarnation starts a new epoch in its client
// order ids, made durable before its first order, so no id is used twice.
//
// A clean stop (the node's, a sibling's restart) winds down first: no new
// orders, every working order cancelled, its fills settled and its
// reservation released, within agent_wind_down_ms; whatever is still
// working then is reconciled by the next start. An operator's stop retires
// the agent instead: it does the same without a deadline (durably: a
// restart goes on retiring) and only then asks its supervisor to remove it,
// so no order is ever left without its agent.
//
// Health: heartbeat (the last beat of its timer), failed requests per
// minute, and its state (starting, running, stopping, halted, failed).
//
// Runs on CAF's scheduler; members are touched only by the actor.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "actors/agent/agent_checkpoint.hpp"
#include "actors/agent/agent_interfaces.hpp"
#include "actors/agent/agent_settings.hpp"
#include "actors/agent/position_book.hpp"
#include "actors/agent/risk_gate.hpp"
#include "actors/agent/strategy.hpp"
#include "actors/exchange/exchange_interfaces.hpp"
#include "actors/vault/vault_interfaces.hpp"
#include "persistence/store_actor.hpp"
#include "runtime/latency_histogram.hpp"
#include "runtime/managed_actor.hpp"

namespace tfarm::actors {

/// How long the agent waits for the session's answer to an order (the
/// session bounds its own retries well within this).
constexpr int64_t agent_order_timeout_ms = 30'000;
/// Requests to the vault, the risk control and the store.
constexpr int64_t agent_request_timeout_ms = 10'000;
/// Strategy orders at most per callback (a runaway strategy is cut off).
constexpr size_t agent_orders_per_callback_max = 64;
/// Closed orders whose fills an agent remembers (to tell a late fill from
/// a replay).
constexpr size_t agent_closed_orders_max = 1'024;
/// A clean stop waits at most this long for the agent's orders to be
/// cancelled, settled and released (well within the default shutdown
/// timeout of a child, 5 s).
constexpr int64_t agent_wind_down_ms = 2'000;
/// Beat of an agent while it winds down.
constexpr int64_t agent_wind_down_beat_ms = 20;

/// The prefix of an agent's client order ids and reservation ids.
std::string order_id_prefix(const std::string& user, const std::string& agent_id);

class trading_agent : public runtime::basic_managed_actor<trading_agent_actor::base> {
public:
  using super = runtime::basic_managed_actor<trading_agent_actor::base>;

  trading_agent(caf::actor_config& cfg, runtime::spawn_context ctx);

  static runtime::kind_info kind();

  behavior_type make_behavior() override;

protected:
  bool has_state() const override { return true; }
  std::string save_state() override;
  uint32_t state_version() const override { return agent_checkpoint::version; }
  caf::error restore_state(const std::string& blob, uint32_t version) override;
  std::string describe() const override;
  void wind_down(std::function<void()> done) override;

private:
  struct working_order {
    std::string tag;
    side s = side::buy;
    int64_t price = 0;
    int64_t qty = 0;
    int64_t filled = 0;
    /// A market order: the rest is cancelled after its first answer.
    bool ioc = false;
    order_state state = order_state::pending;
    /// Handed to the session (by this incarnation, or adopted).
    bool placed = false;
    bool is_final = false;
    bool cancel_sent = false;
    /// Cancelled while its reservation was being made: never sent.
    bool cancel_wanted = false;
    bool releasing = false;
    /// This incarnation's request placing it is still unanswered: no
    /// "unknown order" closes it meanwhile.
    bool sending = false;
    int pending_settles = 0;
    /// The most the session reported filled. A final status can overtake
    /// the reports of the fills it counts: the money stays reserved until
    /// they are settled (or agent_missing_fills_wait_ms passed).
    int64_t reported_filled = 0;
    /// When a final status first counted fills not seen yet (0: never).
    int64_t missing_fills_since_ms = 0;
    std::string venue;
    std::set<std::string> fills_seen;
    int64_t last_news_ms = 0;
    /// Steady ns of the tick that made the order (0: none).
    int64_t tick_ns = 0;
    /// When its record was written with its reservation (unix ms, the
    /// record's time; 0: the session records it).
    int64_t recorded_at_ms = 0;
    /// It never reached a session, so no venue has it: its release closes
    /// its record with this status (empty: the session's word stands).
    std::string unsent_status;
    std::string unsent_reason;
  };

  struct pending_settle {
    std::string coid;
    std::string venue;
    venue_fill fill;
    /// Of an order the agent had closed already (it then follows the
    /// vault's word on whether the fill is new to the position).
    bool late = false;
    /// Recorded before schema 6: settled under the old key
    /// ("settle:<venue fill id>").
    bool legacy_key = false;
  };

  /// The fills of an order the agent closed, kept a while: a fill that
  /// still arrives for it is told from a replay.
  struct closed_order {
    std::string venue;
    side s = side::buy;
    std::set<std::string> fills_seen;
  };

  // -- start-up ------------------------------------------------------------
  caf::error setup();
  void connect();
  void check_account();
  /// The running actor at `actor_path` on this node (invalid if none).
  caf::actor handle_at(const std::string& actor_path) const;
  /// Subscribes to (a new incarnation of) the risk control; `then` runs
  /// once the trading states are known.
  void subscribe_risk(caf::actor risk, std::function<void()> then);
  void reconcile(persistence::agent_book book);
  void reconcile_one(const std::string& coid);
  void reconcile_done();
  /// `sender` if it is `known` or the actor registered at `actor_path` now
  /// (a restarted one), else an invalid handle.
  caf::actor sender_at(const caf::strong_actor_ptr& sender, const caf::actor& known,
                       const std::string& actor_path) const;
  /// True if `sender` is this agent's session (adopting a restarted one).
  bool from_session(const caf::strong_actor_ptr& sender);
  void go_live();

  // -- trading ---------------------------------------------------------------
  void run_strategy(strategy_context& ctx);
  strategy_context make_context() const;
  void place(const strategy_order& o, int64_t tick_ns);
  void send_order(const std::string& coid);
  void cancel_tagged(const std::string& tag);
  void cancel_order(const std::string& coid);
  void on_report(const order_report& rep);
  void apply_fill(const std::string& coid, working_order& o, const venue_fill& f,
                  const std::string& venue, bool live);
  void settle(pending_settle ps);
  /// A fill of an order the agent closed: booked all the same, and an
  /// incident (the order was closed while it could still fill).
  void late_fills(const order_report& rep);
  /// Money may be wrong: a critical incident (log, audit, alert), and the
  /// agent goes REDUCING until an operator looks.
  void money_incident(const std::string& action, const std::string& detail);
  void maybe_release(const std::string& coid);
  /// Forgets a finished order, keeping its fills a while (closed_).
  void close(const std::string& coid);
  void poll(const std::string& coid);
  /// Closes an order the session says no venue knows (and releases its
  /// reservation); false if `err` says anything else.
  bool close_if_unknown(const std::string& coid, const caf::error& err);
  void on_top(const book_top& top);
  void on_states(const trading_states& x);
  void beat();
  /// Stopping (a clean stop) or retiring: no new orders, cancel the rest.
  bool winding() const noexcept { return wound_down_ != nullptr || retiring_; }
  /// Retiring and nothing left: asks its supervisor to remove it.
  void maybe_retire();

  // -- bookkeeping ---------------------------------------------------------
  risk_exposure exposure() const;
  void reject(const std::string& reason, const std::string& text);
  void note_error(const std::string& what, const caf::error& err);
  std::string state_name() const;
  agent_status status() const;
  vault_request vault_op_request(vault_op op, std::string key, const std::string& coid) const;
  void schedule_beat();

  std::string user_;
  std::string agent_id_;
  std::string prefix_;
  agent_settings settings_;
  std::unique_ptr<strategy> strategy_;
  risk_gate gate_;
  position_book book_;
  trading_states states_;
  bool states_known_ = false;

  // Durable (checkpoint).
  uint64_t epoch_ = 0;
  uint64_t next_seq_ = 1;
  uint64_t orders_ = 0;
  uint64_t rejected_ = 0;
  /// Strategy orders held back by ORDER_RATE_LIMIT (not refusals; counted
  /// since this incarnation started).
  uint64_t paced_ = 0;
  std::map<std::string, uint64_t> rejections_;
  std::map<std::string, std::string> saved_tags_;
  /// An operator stopped it; it leaves once its orders are finished.
  bool retiring_ = false;
  std::string strategy_blob_;
  uint32_t strategy_version_ = 0;

  // Live.
  /// starting: looking for its session, vault, risk control and account;
  /// reconciling: settling what the last incarnation left; running.
  enum class phase : uint8_t { starting, reconciling, running };
  phase phase_ = phase::starting;
  std::string last_rejection_;
  std::string failure_;
  exchange_session_actor session_;
  vault_actor vault_;
  /// The risk control subscribed to (a new incarnation is subscribed to
  /// again: it does not remember subscribers).
  caf::actor risk_;
  persistence::store_actor store_;
  std::map<std::string, working_order> open_;
  /// Recently closed orders, oldest first in closed_order_ (bounded).
  std::map<std::string, closed_order> closed_;
  std::deque<std::string> closed_order_;
  /// Settlements refused for lack of funds (reported once each).
  std::set<std::string> unpaid_;
  std::vector<pending_settle> settle_retry_;
  std::set<std::string> release_retry_;
  size_t reconciling_ = 0;
  market_tick tick_;
  int64_t last_tick_ms_ = 0;
  int64_t last_subscribe_ms_ = 0;
  int64_t heartbeat_ms_ = 0;
  std::vector<int64_t> error_times_ms_;
  /// Something beyond the strategy's own state changed: checkpointed at
  /// the next beat.
  bool dirty_ = false;
  /// Only the strategy's state changed: checkpointed once
  /// agent_strategy_checkpoint_ms passed since the last save.
  bool strategy_dirty_ = false;
  int64_t saved_at_ms_ = 0;
  uint64_t beat_gen_ = 0;
  /// Winding down for a clean stop: called once its orders are done (or at
  /// the deadline, unix ms).
  std::function<void()> wound_down_;
  int64_t wind_down_deadline_ms_ = 0;
  /// Its supervisor was asked to remove it (retirement done).
  bool retire_asked_ = false;
  int connect_attempts_ = 0;
  runtime::latency_histogram tick_to_fill_us_;
};

} // namespace tfarm::actors
