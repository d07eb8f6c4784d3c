// The simulated venue: a real matching engine (price-time priority, partial
// fills, cancels, market orders, self-trade prevention, fees) behind the
// `venue` interface a live adapter would implement, with a seeded market
// (simulated participants quoting around a random walk and taking
// liquidity, or recorded trades replayed) and fault injection (latency,
// errors, rate-limit replies, lost answers, disconnects).
//
// Orders are keyed by (account, client order id); a client order id the
// venue has seen for an account is refused as duplicate_order for ever, so
// a session that resubmits after a timeout can never place an order twice
// even if its status query raced the original. Resting orders that fill
// later are reported to the actor that submitted them.
//
// Fill ids never repeat: each incarnation takes a new epoch, durable (its
// checkpoint) before the venue answers its first request, and numbers its
// trades within it ("<epoch>.<trade seq>:t" for the taker, ":m" for the
// maker). The epoch is also at least the start time in milliseconds, so
// that a lost or corrupt checkpoint cannot bring an old epoch back. Until
// it is durable every request is refused as venue_unavailable (retryable).
//
// The book lives in memory only: a restarted simulated venue starts empty
// (as after a venue-side reset: its resting orders are gone, and a status
// query says it never saw them). Deterministic for a given seed and
// message order. Runs on CAF's scheduler; members are touched only by the
// actor.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/exchange/exchange_interfaces.hpp"
#include "actors/exchange/matching_engine.hpp"
#include "config/farm_config.hpp"
#include "runtime/kind_params.hpp"
#include "runtime/managed_actor.hpp"

namespace tfarm::actors {

/// Prefix of the simulated participants' accounts (never a user's: user
/// account names are path segments, which cannot start with '@').
inline const std::string participant_prefix = "@sim";

/// One in parts per million: the unit of the venue's drawn rates.
constexpr uint32_t sim_ppm_one = 1'000'000;

/// Logon challenges a venue keeps outstanding at most (one per account).
constexpr std::size_t logon_challenges_max = 1024;
/// How long a logon challenge may be answered.
constexpr int64_t logon_challenge_ttl_ms = 30'000;
/// Random bytes in a logon challenge's nonce.
constexpr std::size_t logon_nonce_bytes = 16;

/// How long a simulated venue answers for an order after it closed (its
/// status and fills; a copy of it refused as a duplicate). Past that, and
/// past the order's expiry, the venue forgets it, as a real venue archives
/// its history: its memory holds the orders of the last few minutes, not
/// of its whole life. A copy arriving later is refused as expired all the
/// same. An order without an expiry (`expires_at_ms` 0) is kept for good.
/// A farm away longer than this with an order open there finds it unknown;
/// `vault reconcile` shows any fill of it the farm missed.
constexpr int64_t sim_closed_order_retention_ms_default = 600'000;

/// The "sim_venue" kind's parameters. Probabilities are parts per million.
struct sim_venue_params {
  /// The venue's name ("" : the child's id).
  std::string name;
  std::vector<std::string> symbols{"BTC-USD"};
  uint64_t seed = 1;
  int64_t taker_fee_bps = 0;
  int64_t maker_fee_bps = 0;
  /// Sessions must log on with the account's credentials (a challenge the
  /// venue checks against the credential in its node's store).
  bool require_logon = false;
  /// Opens the stored credentials when TFARM_MASTER_KEY is not set.
  std::string master_key_file;
  // The market (config::market_data_settings).
  int64_t interval_ms = config::market_data_interval_ms_default;
  int64_t start_price = config::market_data_start_price_default;
  int64_t volatility_bps = config::market_data_volatility_bps_default;
  int64_t depth = config::market_data_depth_default;
  int64_t level_qty = config::market_data_level_qty_default;
  uint32_t taker_ppm = 300'000;
  /// A CSV of trades to replay instead of the random walk ("" : none).
  std::string replay;
  // Faults (venue_faults).
  int64_t latency_us = 0;
  int64_t latency_jitter_us = 0;
  uint32_t error_ppm = 0;
  uint32_t rate_limit_ppm = 0;
  uint32_t drop_ppm = 0;
  bool disconnected = false;
  int64_t disconnect_every_ms = 0;
  int64_t disconnect_for_ms = 0;
  int64_t closed_order_retention_ms = sim_closed_order_retention_ms_default;
};

TFARM_PARAM_FIELDS(sim_venue_params, name, symbols, seed, taker_fee_bps, maker_fee_bps,
                   require_logon, interval_ms, start_price, volatility_bps, depth, level_qty,
                   taker_ppm, replay, latency_us, latency_jitter_us, error_ppm, rate_limit_ppm,
                   drop_ppm, disconnected, disconnect_every_ms, disconnect_for_ms, master_key_file,
                   closed_order_retention_ms)

/// A simulated venue's parameters from its settings.
sim_venue_params sim_venue_params_for(const config::venue_settings& v,
                                      const std::string& master_key_file);

/// Fault settings in message form (probabilities in parts per million).
venue_faults to_faults(const config::venue_fault_settings& f);

class sim_venue : public runtime::basic_managed_actor<venue_actor::base> {
public:
  using super = runtime::basic_managed_actor<venue_actor::base>;
  using params_type = sim_venue_params;

  sim_venue(caf::actor_config& cfg, runtime::spawn_context ctx);

  static runtime::kind_info kind();

  behavior_type make_behavior() override;

protected:
  std::string describe() const override;
  bool has_state() const override { return true; }
  std::string save_state() override;
  caf::error restore_state(const std::string& blob, uint32_t version) override;

private:
  struct order_info {
    order_request req;
    order_state state = order_state::pending;
    int64_t filled = 0;
    int64_t notional = 0;
    std::vector<venue_fill> fills;
    std::string reason;
    /// Gets (order_update_atom, order_report) when a resting order fills.
    caf::actor owner;
    /// When it reached a final state (unix ms; 0 while open).
    int64_t closed_at_ms = 0;
  };

  struct symbol_state {
    std::string base;
    std::string quote;
    int64_t mid = 0;
    int64_t last = 0;
    uint64_t seq = 0;
    book_top top;
    std::vector<caf::actor> subscribers;
    /// The participants' resting quotes (replaced every step).
    std::vector<std::string> quotes;
  };

  struct replay_row {
    std::string symbol;
    int64_t price = 0;
    int64_t qty = 0;
    side aggressor = side::buy;
  };

  // -- requests ------------------------------------------------------------------

  /// Refuses a request the faults say to refuse (before processing).
  caf::error gate(bool submission);
  /// Checks a logon's proof against the account's stored credential.
  void verify_logon(std::string account, std::string key_id, std::string proof, std::string nonce,
                    caf::actor_addr asker, caf::typed_response_promise<bool> rp);
  /// Disconnected, or inside a disconnect window.
  bool offline() const noexcept { return faults_.disconnected || in_window_; }
  /// (Re)starts the disconnect windows the faults ask for.
  void start_windows();
  caf::expected<order_report> submit(order_request& r, const caf::actor& owner);
  caf::expected<order_report> cancel(const std::string& account, const std::string& id);
  caf::expected<order_report> status(const std::string& account, const std::string& id) const;

  /// Answers `rp` with `value` after the injected latency.
  template <class Promise, class T>
  void answer(Promise rp, T value);
  int64_t draw_latency_us();
  bool draw(uint32_t ppm);

  // -- matching --------------------------------------------------------------------

  /// Applies an engine result's fills to the orders and balances; pushes
  /// updates to the owners of resting orders (not to `taker`).
  void apply_fills(const std::string& symbol, const engine_result& res, const order_info* taker,
                   std::vector<venue_fill>* taker_fills);
  static void settle_state(order_info& o);
  order_report report_of(const order_info& o, bool all_fills) const;
  /// Once `o` (book id `id`) is final: when the venue may forget it.
  void note_if_closed(const std::string& id, order_info& o, int64_t now_ms);
  /// Forgets the orders whose time has come (forgettable_).
  void forget_closed(int64_t now_ms);

  // -- market data -------------------------------------------------------------------

  void step();
  void requote(const std::string& symbol, symbol_state& s);
  void publish(const std::string& symbol, symbol_state& s);
  void publish_trades(const std::string& symbol, symbol_state& s, const engine_result& res);
  /// Sends one trade to the symbol's subscribers (the last price follows).
  void publish_trade(const std::string& symbol, symbol_state& s, int64_t price, int64_t qty,
                     side aggressor);
  caf::error load_replay(const std::string& path);

  static std::string book_id(const std::string& account, const std::string& client_id) {
    return account + '/' + client_id;
  }

  /// Takes the next epoch and makes it durable; requests wait for it.
  void begin_epoch();

  sim_venue_params params_;
  std::string name_;
  /// This incarnation's epoch (in every fill id); ready_ once durable.
  uint64_t epoch_ = 0;
  bool ready_ = false;
  bool require_logon_;
  int64_t interval_ms_;
  int64_t volatility_bps_;
  int64_t depth_;
  int64_t level_qty_;
  uint32_t taker_ppm_;
  matching_engine engine_;
  std::map<std::string, symbol_state> symbols_;
  std::unordered_map<std::string, order_info> orders_;
  /// Closed orders by when they may be forgotten (unix ms): the later of
  /// closed_at_ms + retention and the expiry + order_clock_skew_ms.
  std::multimap<int64_t, std::string> forgettable_;
  /// An account's outstanding logon challenge.
  struct challenge {
    std::string nonce;
    caf::actor_addr asker;
    int64_t expires_ns = 0;
  };
  std::map<std::string, challenge> challenges_;
  /// Logged-on accounts and the actor (connection) each logon belongs to.
  std::map<std::string, caf::actor_addr> logged_on_;
  /// account -> asset -> net holdings from fills (minor units).
  std::map<std::string, std::map<std::string, int64_t>> balances_;
  /// account -> fills in this epoch (what venue_statement reports).
  std::map<std::string, uint64_t> fill_counts_;
  venue_faults faults_;
  bool in_window_ = false;
  uint64_t window_gen_ = 0;
  /// Separate generators: faults drawn never shift the market's path.
  std::mt19937_64 market_rng_;
  std::mt19937_64 fault_rng_;
  std::vector<replay_row> replay_;
  size_t replay_next_ = 0;
  uint64_t next_participant_id_ = 1;
  uint64_t next_delivery_ = 1;
  std::unordered_map<uint64_t, std::function<void()>> deliveries_;
  uint64_t submitted_ = 0;
  /// Orders refused because their client order id was seen before.
  uint64_t duplicates_ = 0;
  /// Orders refused because they arrived after their expiry.
  uint64_t expired_ = 0;
  uint64_t fills_ = 0;
};

} // namespace tfarm::actors
