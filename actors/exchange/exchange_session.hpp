// One account's connection to a venue (and its backup): the only way an
// order reaches an exchange.
//
// Contract, per order:
//  - its client order id is recorded durably in the store (orders table)
//    before it leaves; an id the store knows already is never simply sent
//    again: the session first asks the venues whether they have it;
//  - it waits for rate budget (token bucket per session, the venue's
//    rate_per_s and burst) in a bounded queue;
//  - a retryable refusal (rate_limited, venue_unavailable, disconnected:
//    the venue did not take it) is retried with exponential backoff and
//    jitter, up to retry_max; a fatal one (invalid order, insufficient
//    funds, authentication) is answered at once;
//  - no answer in time (or the venue died) makes it "unknown": its status
//    is read from the venue it went to, with backoff, before anything else;
//    only a venue that says it never saw the order gets it again (same
//    client order id, so a venue that did see it refuses the duplicate).
//    An unknown order never goes to another venue;
//  - its lifecycle is decided on facts, never on timing: a status query is
//    answered from the venues only once every attempt to place the order
//    has been answered (a venue's "never saw it" about an order still on
//    its way would be stale); an order no venue knows then becomes final
//    (rejected if no venue ever acknowledged it, cancelled if the venue
//    that did has lost it) and that is recorded; a cancel of an order not
//    acknowledged yet waits for its acknowledgement (or stops it from
//    being sent at all);
//  - every report from a venue is checked (its sender, the order it names,
//    each fill's id, side, price, quantity and fee); a malformed fill, or a
//    fill id reported again with other content, is a critical incident and
//    is not passed on. Fills are recorded together with the order's status
//    and the venue's filled quantity (one store transaction); when a report
//    implies fills the session has not seen, it asks the venue for all of
//    them first, so the record never claims more than its fills show.
// Failover: after failover_after consecutive failures, or a disconnect of
// the active venue, new orders go to the backup venue, with an alert (log)
// and an audit record; the primary is pinged every probe_interval and,
// per the failback policy, taken back after failback_probes healthy pings.
// Market data from the active venue is fanned out to subscribers by symbol.
// Credentials (when the venue asks for them) are loaded through the store,
// opened with the master key (secret_box) and never logged.
//
// The session keeps no checkpoint: everything durable is in the orders and
// fills tables. Runs on CAF's scheduler; members are touched only by the
// actor.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/exchange/exchange_interfaces.hpp"
#include "actors/exchange/fill_check.hpp"
#include "actors/exchange/order_progress.hpp"
#include "actors/exchange/token_bucket.hpp"
#include "config/farm_config.hpp"
#include "config/supervision_policy.hpp"
#include "persistence/store_actor.hpp"
#include "runtime/kind_params.hpp"
#include "runtime/latency_histogram.hpp"
#include "runtime/managed_actor.hpp"
#include "runtime/restart_backoff.hpp"

namespace tfarm::actors {

/// Order writes a session keeps for another try while its store is away;
/// beyond, a write that fails is a critical incident.
constexpr size_t session_unrecorded_updates_max = 100'000;

/// Path of a venue's actor and of a session's.
std::string venue_path(const std::string& venue);
std::string session_path(const std::string& venue, const std::string& account);

/// The "exchange_session" kind's parameters.
struct session_params {
  /// The account at the venue ("" : the child's id).
  std::string account;
  std::string primary;
  /// "" : no backup venue.
  std::string backup;
  /// Orders per second to the venue and the burst above it.
  int64_t rate_per_s = config::exchange_rate_per_s_default;
  int64_t burst = config::exchange_burst_default;
  /// The venue wants a logon with the account's credentials; it lives on
  /// an exchange node.
  bool primary_credentials = false;
  bool primary_remote = false;
  bool backup_credentials = false;
  bool backup_remote = false;
  int64_t timeout_ms = config::exchange_request_timeout_ms_default;
  int64_t retry_max = config::exchange_retry_max_default;
  int64_t backoff_min_ms = config::exchange_backoff_min_ms_default;
  int64_t backoff_max_ms = config::exchange_backoff_max_ms_default;
  uint32_t backoff_jitter_ppm = 200'000;
  int64_t failover_after = config::exchange_failover_after_default;
  /// "auto" (back to the primary once it answers) or "manual".
  std::string failback = "auto";
  int64_t probe_interval_ms = config::exchange_probe_interval_ms_default;
  int64_t latency_window_ms = config::exchange_latency_window_ms_default;
  int64_t failback_probes = config::exchange_failback_probes_default;
  /// Seals the credentials in the store ("" : none configured).
  std::string master_key_file;
};

TFARM_PARAM_FIELDS(session_params, account, primary, backup, rate_per_s, burst, primary_credentials,
                   primary_remote, backup_credentials, backup_remote, timeout_ms, retry_max,
                   backoff_min_ms, backoff_max_ms, backoff_jitter_ppm, failover_after, failback,
                   probe_interval_ms, latency_window_ms, failback_probes, master_key_file)

/// A session's parameters from the farm's exchange settings.
session_params session_params_for(const config::exchange_settings& ex,
                                  const config::session_settings& s);

class exchange_session : public runtime::basic_managed_actor<exchange_session_actor::base> {
public:
  using super = runtime::basic_managed_actor<exchange_session_actor::base>;
  using params_type = session_params;
  using report_promise = caf::typed_response_promise<order_report>;
  using status_promise = caf::typed_response_promise<exchange_status>;

  exchange_session(caf::actor_config& cfg, runtime::spawn_context ctx);

  static runtime::kind_info kind();

  behavior_type make_behavior() override;

protected:
  std::string describe() const override;

private:
  /// The node's monotonic clock in microseconds (the token bucket's unit).
  int64_t now_us() const noexcept { return node_clock().steady_ns() / 1'000; }

  enum class phase : uint8_t { recording, queued, sent, resolving, waiting, done };

  struct order_entry {
    order_request req;
    phase at = phase::recording;
    order_progress progress;
    /// Fills reported so far by fill id, and their quantity in total.
    std::map<std::string, fill_terms> fills;
    int64_t fills_qty = 0;
    /// A cancel arrived before the venue acknowledged the order: sent as
    /// soon as it does (or the order is not sent at all).
    bool cancel_requested = false;
    /// Attempts sent to a venue so far: a status answer to a query sent
    /// before the latest attempt is stale.
    uint64_t sends = 0;
    /// A status query for fills the session has not seen is under way.
    bool refreshing = false;
    /// The status and filled quantity last written to the store.
    std::string recorded_status = "pending";
    int64_t recorded_filled = 0;
    /// Fills sent to the store and not yet confirmed by it (in flight, or
    /// waiting for a retry after a failed write): every later update that
    /// carries a filled quantity carries them again (recording a fill is
    /// idempotent), so the quantity never reaches the store ahead of its
    /// fills when an earlier write failed and a later one did not.
    std::map<std::string, persistence::fill_record> unconfirmed_fills;
    /// Gets (order_update_atom, order_report) for every later fill.
    caf::actor owner;
    std::vector<report_promise> waiters;
    /// Attempts in the current phase (sends, or status queries).
    uint32_t attempts = 0;
    /// Venues that may hold the order, asked in turn before a resend.
    std::vector<std::string> candidates;
    size_t candidate = 0;
    /// Ignores timers and answers of an earlier phase (session-wide
    /// counter: a recreated entry never matches an old one).
    uint64_t timer_gen = 0;
    /// The order may have reached req.venue: it is never sent elsewhere.
    bool pinned = false;
    int64_t sent_ns = 0;
    int64_t queued_ns = 0;
    /// The venue's answer, kept current by updates (once phase is done).
    order_report last;
  };

  struct venue_link {
    std::string name;
    venue_actor handle;
    bool credentials = false;
    /// On another node: looked up through the node's remote-venue connector.
    bool remote = false;
    bool resolving = false;
    /// Failed lookups or logons in a row (their backoff).
    uint32_t resolve_failures = 0;
    /// Logged on (or no credentials needed).
    bool ready = false;
    bool logging_on = false;
    /// Why it cannot trade (authentication), empty if it can.
    std::string auth_error;
  };

  // -- orders -----------------------------------------------------------------------

  void submit(order_request& r, caf::actor owner, report_promise rp);
  caf::error validate(const order_request& r) const;
  void recorded(const std::string& id, bool fresh);
  /// Closes the record of an order refused before it left, if its caller
  /// wrote that record (recorded_at: order_request::recorded_at_ms).
  void close_unsent(const std::string& id, int64_t recorded_at, const caf::error& why);
  void queue_order(const std::string& id);
  void drain();
  /// Refuses queued orders that waited longer than a venue may be unusable.
  void expire_queue();
  void send_order(const std::string& id);
  void acknowledged(const std::string& id, order_report& rep);
  void send_failed(const std::string& id, const caf::error& err);
  void resolve(const std::string& id);
  /// The status of an order, asked of the venues that may hold it: the
  /// first that knows it answers; if none does, the order is closed for
  /// good (closed_unknown). `sends` is the order's attempt count when the
  /// query began (a later attempt makes a "never saw it" stale).
  void query_venues(std::string id, std::vector<std::string> where, size_t k, uint64_t sends,
                    report_promise rp);
  /// No venue knows the order, and no attempt to place it is on its way:
  /// it becomes final (from the store's record when the session no longer
  /// holds it), which is recorded, and `rp` gets the final report.
  void closed_unknown(const std::string& id, uint64_t sends, report_promise rp);
  /// What the session knows of an order it holds (state pending or
  /// unknown while it is being placed).
  order_report current_report(const std::string& id, const order_entry& e) const;
  /// Cancels an order before any venue has it: final, nothing was sent;
  /// returns its final report.
  order_report cancel_unsent(const std::string& id);
  /// Sends the cancel of an acknowledged order asked for while it was
  /// being placed.
  void send_deferred_cancel(const std::string& id);
  void give_up(const std::string& id, const caf::error& err);
  /// Answers every waiter of `e` and the store; drops a final order.
  /// `complete`: the report lists every fill of the order (a status).
  void finish(const std::string& id, order_report& rep, bool complete);
  void arm(const std::string& id, order_entry& e, int64_t delay_us);
  void on_timer(const std::string& what, uint64_t gen);
  void update(order_report& rep, bool complete);
  /// Checks a venue's report about one of this account's orders: drops
  /// (as critical incidents) fills that are malformed or that change a
  /// fill reported before; false if the report itself cannot be about the
  /// order it names.
  bool accept(order_report& rep, const std::string& from_venue);
  /// Counts a top or trade that failed its check and logs (sparsely) why.
  void refuse_market_data(const std::string& venue, const std::string& why);
  /// Records what `rep` adds to order `id` (new fills, and the status and
  /// filled quantity when its fills are all known; `e` may be null for an
  /// order the session no longer holds) in one store transaction; asks
  /// the venue for the rest when fills are missing.
  void record(const std::string& id, order_entry* e, const order_report& rep, bool complete);
  /// Writes an order's fills and status; a write the store could not do
  /// now (not a refusal) is asked again at every heartbeat.
  void store_update(persistence::order_update u, std::string agent);
  /// Asks the venue for every fill of an order (after a report implied
  /// fills the session has not seen).
  void refresh(const std::string& id, const std::string& venue);
  /// Writes through the store without waiting; a failure is logged with
  /// `what` (records, not money: the caller has its answer already).
  template <class Result, class... Ts>
  void tell_store(std::string what, Ts&&... xs);
  void record_status(const std::string& id, const order_entry& e, std::string reason = {});
  /// A critical incident: logged, audited and raised as an alert; the
  /// agent (path) whose order it concerns, if known, goes REDUCING.
  /// Sends `rep` to the agent that placed the order, as this session.
  void report_to(const caf::actor& owner, const order_report& rep);
  void incident(const std::string& action, const std::string& detail,
                const std::string& agent = {});

  // -- venues -------------------------------------------------------------------------

  venue_link* link(const std::string& venue);
  venue_actor handle(const std::string& venue);
  /// Makes `v` usable: looks a remote venue up, logs on if it needs it.
  void connect(venue_link& v);
  void resolve_remote(venue_link& v);
  /// Tries connect() again after a backoff.
  void reconnect_later(const std::string& venue);
  /// Logs on with a venue challenge and the account's active credential.
  void logon(venue_link& v);
  void logged_on(const std::string& name, const std::string& key_id);
  /// Marks the link unusable (logged_off_) and logs its account off.
  void log_off(venue_link& v);
  void note_success(int64_t latency_ns);
  void note_failure(const std::string& venue, const caf::error& err);
  void failover(const std::string& why);
  void failback(const std::string& why);
  void probe();
  /// Every probe_interval: pings the active venue if it has not answered
  /// anything for that long, so that `connected` is true without traffic
  /// (a venue that went quiet is noticed, as a FIX test request would).
  void heartbeat();
  /// Answers a recover once the primary is reachable again (pinged), or
  /// once the request timeout passed while it is being looked up.
  void recover_when_ready(status_promise rp);
  void primary_ready(const std::string& venue);
  /// Starts a new latency window once the current one is over.
  void rotate_latency(int64_t now_ns);
  void ping_active();
  /// Pings `venue` (`h`: its handle) and times the round trip. With `note`,
  /// the outcome counts as contact: an answer while `venue` is the active
  /// venue is a success (latency), a failure is `venue`'s. Then
  /// `answered(ns)` or `failed(err)`.
  void ping(const std::string& venue, const venue_actor& h, bool note,
            std::function<void(int64_t)> answered, std::function<void(caf::error&)> failed);
  /// Asks again about every order whose status could not be read.
  void retry_unknown();
  void subscribe_all(const std::string& venue);
  void alert(const std::string& level, const std::string& action, const std::string& detail);
  exchange_status status_now() const;
  int64_t backoff_us(uint32_t attempt);

  session_params params_;
  std::string account_;
  std::string primary_;
  std::string backup_;
  std::string active_;
  std::string master_key_file_;
  /// Why the session was logged off (a lockdown); empty while it trades.
  std::string logged_off_;
  int64_t timeout_ms_;
  uint32_t retry_max_;
  config::restart_backoff backoff_;
  uint32_t failover_after_;
  bool auto_failback_;
  int64_t probe_interval_ms_;
  int64_t latency_window_ns_;
  uint32_t failback_probes_;
  /// Mutable: reading the budget refills it first.
  mutable token_bucket bucket_;
  runtime::jitter_source jitter_;

  std::map<std::string, venue_link> venues_;
  std::unordered_map<std::string, order_entry> orders_;
  std::deque<std::string> queue_;
  uint64_t next_gen_ = 0;
  bool drain_armed_ = false;
  bool probe_armed_ = false;
  /// False once a request to the active venue failed as unreachable (or
  /// timed out), true again at its next answer; part of `connected`.
  bool active_reachable_ = true;
  bool ping_in_flight_ = false;
  /// Recover requests waiting for the primary's lookup or logon.
  std::vector<status_promise> recover_waiters_;
  /// Order writes (fills, statuses) the store could not do yet, with the
  /// agent they concern: asked again at every heartbeat.
  std::vector<std::pair<persistence::order_update, std::string>> unrecorded_;
  uint64_t recover_gen_ = 0;
  /// When the active venue last answered (steady clock, ns): the heartbeat
  /// pings it only after probe_interval without an answer.
  int64_t last_contact_ns_ = 0;
  uint32_t healthy_probes_ = 0;
  uint32_t consecutive_failures_ = 0;
  /// symbol -> subscribers.
  std::map<std::string, std::vector<caf::actor>> subscribers_;

  /// Round trips of this latency window and of the previous one.
  runtime::latency_histogram latency_us_;
  runtime::latency_histogram latency_prev_us_;
  int64_t latency_window_start_ns_ = 0;
  int64_t latency_ewma_us_ = 0;
  int64_t last_test_us_ = 0;
  std::string last_error_;
  int64_t last_error_at_ms_ = 0;
  uint64_t orders_sent_ = 0;
  uint64_t acknowledged_ = 0;
  uint64_t rejected_ = 0;
  uint64_t retries_ = 0;
  uint64_t timeouts_ = 0;
  uint64_t unknown_resolved_ = 0;
  uint64_t fills_ = 0;
  uint64_t failovers_ = 0;
  uint64_t failbacks_ = 0;
  /// Tops and trades the venue sent that failed their checks (dropped).
  uint64_t market_data_refused_ = 0;
};

} // namespace tfarm::actors
