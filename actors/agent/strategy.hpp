// The strategy plug-in interface: what a trading agent runs.
//
// A strategy sees market ticks, its own fills and timer beats, and answers
// by asking its context for orders and cancels; the agent around it does
// everything else (risk gate, vault reservations, the exchange session,
// checkpoints). Strategies are plain objects: no actors, no I/O, no clock
// of their own (time comes in the tick or the context), so that they are
// deterministic and testable alone. Their state is saved with the agent's
// checkpoint (save/restore, versioned); parameters come from the farm file
// and are validated by configure(), which names the parameter at fault.
//
// Not thread-safe: one owner (the agent actor).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/error.hpp>

#include "actors/exchange/exchange_messages.hpp"

namespace tfarm::actors {

/// What a strategy sees of the market: one symbol's best prices.
struct market_tick {
  std::string symbol;
  int64_t bid = 0;
  int64_t ask = 0;
  int64_t last = 0;
  int64_t ts_ms = 0;
  /// The venue's stamp in microseconds (0: not given): latency only.
  int64_t ts_us = 0;

  /// Mid of bid and ask, or the one there is, or the last trade (0: none).
  int64_t mid() const;
};

/// An order a strategy asks for (the agent gives it its client order id).
struct strategy_order {
  side s = side::buy;
  order_type type = order_type::limit;
  int64_t price = 0;
  int64_t qty = 0;
  /// The strategy's own label (e.g. "bid", "ask"), given back in fills.
  std::string tag;
};

/// The strategy's window on its agent while a callback runs.
class strategy_context {
public:
  /// Signed position in the traded symbol (units) and its average price.
  int64_t position = 0;
  int64_t average_price = 0;
  /// Tags of the strategy's orders still working.
  std::vector<std::string> open_tags;
  int64_t now_ms = 0;
  /// Orders ORDER_RATE_LIMIT lets it place now (-1: no limit) and when the
  /// next one may go if none (ms since the epoch). Orders beyond the budget
  /// are held back by the agent (counted as paced, not refused): a
  /// strategy may ask on every tick, it is paced to its rate.
  int64_t order_budget = -1;
  int64_t next_order_at_ms = 0;

  void place(strategy_order x) { orders_.push_back(std::move(x)); }
  /// Cancels the working orders with `tag` (all of them when empty).
  void cancel(std::string tag = {}) { cancels_.push_back(std::move(tag)); }

  bool has_open(const std::string& tag) const;

  /// Moves the position to `target` with one market order (tag "target"),
  /// unless one is still working: what position-targeting strategies do.
  void trade_towards(int64_t target);

  /// What the callback asked for, in order (the agent takes them).
  std::vector<strategy_order>& orders() { return orders_; }
  std::vector<std::string>& cancels() { return cancels_; }

private:
  std::vector<strategy_order> orders_;
  std::vector<std::string> cancels_;
};

class strategy {
public:
  virtual ~strategy();

  /// The name it is registered under.
  virtual std::string name() const = 0;

  /// Applies parameters (strings from the farm file); an error names the
  /// parameter and what was expected. Unknown parameters are refused.
  virtual caf::error configure(const std::map<std::string, std::string>& params) = 0;

  virtual void on_start(strategy_context& ctx);
  virtual void on_tick(const market_tick& tick, strategy_context& ctx) = 0;
  virtual void on_fill(const venue_fill& fill, const std::string& tag, strategy_context& ctx);
  virtual void on_timer(strategy_context& ctx);

  /// The state to checkpoint, and the format version it is in.
  virtual std::string save() const = 0;
  virtual uint32_t state_version() const { return 1; }
  /// Restores what save() wrote; leaves the state as it was on error.
  virtual caf::error restore(const std::string& blob, uint32_t version) = 0;
};

/// Strategies by name: the built-ins, plus whatever a user registers.
/// Thread-safe (registration normally happens before the node starts).
class strategy_registry {
public:
  using factory = std::function<std::unique_ptr<strategy>()>;

  /// The process-wide registry, with the built-ins registered.
  static strategy_registry& instance();

  /// Adds (or replaces) a strategy.
  void add(const std::string& name, factory f);

  /// A fresh instance, or nullptr for an unknown name.
  std::unique_ptr<strategy> make(const std::string& name) const;

  std::vector<std::string> names() const;

private:
  strategy_registry();
  struct impl;
  std::shared_ptr<impl> impl_;
};

/// Registers a strategy type at static-initialisation time:
///   static tfarm::actors::register_strategy<my_strategy> reg{"my_strategy"};
template <class T>
struct register_strategy {
  explicit register_strategy(const std::string& name) {
    strategy_registry::instance().add(name, [] { return std::make_unique<T>(); });
  }
};

/// Reads an integer parameter in [min, max]; `fallback` when absent.
/// Errors read "parameter 'fast' must be an integer from 1 to 1000, got 'x'".
caf::error int_param(const std::map<std::string, std::string>& params, const std::string& key,
                     int64_t min, int64_t max, int64_t& out);

/// Refuses parameters outside `known`, naming the nearest known one.
caf::error only_params(const std::map<std::string, std::string>& params,
                       const std::vector<std::string>& known, const std::string& strategy);

} // namespace tfarm::actors
