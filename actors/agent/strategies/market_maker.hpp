// Market maker: quotes a bid and an ask around the mid, `spread_bps` apart,
// shifted against its inventory by `skew_bps` per unit held, and stops
// quoting the side that would take the inventory past `max_inventory`.
// Requotes when the mid moved more than `requote_bps` or after a fill.
// Parameters: spread_bps (20), qty (1), max_inventory (5), skew_bps (5),
// requote_bps (5).
#pragma once

#include <cstdint>
#include <string>

#include "actors/agent/strategy.hpp"

namespace tfarm::actors {

class market_maker : public strategy {
public:
  struct state {
    /// The mid the working quotes were made at (0: requote).
    int64_t quoted_mid = 0;

    template <class Archive>
    void serialize(Archive& ar, std::uint32_t) {
      ar(quoted_mid);
    }
  };

  std::string name() const override { return "market_maker"; }
  caf::error configure(const std::map<std::string, std::string>& params) override;
  void on_tick(const market_tick& tick, strategy_context& ctx) override;
  void on_fill(const venue_fill& fill, const std::string& tag, strategy_context& ctx) override;
  std::string save() const override;
  caf::error restore(const std::string& blob, uint32_t version) override;

private:
  struct settings {
    int64_t spread_bps = 20;
    int64_t qty = 1;
    int64_t max_inventory = 5;
    int64_t skew_bps = 5;
    int64_t requote_bps = 5;
  };

  settings set_;
  state st_;
};

} // namespace tfarm::actors
