// SMA crossover: long `qty` when the fast moving average of the mid price
// crosses above the slow one, short `qty` when it crosses below; the
// position moves to its target with market orders.
// Parameters: fast (5), slow (20), qty (1); fast < slow.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/agent/strategy.hpp"

namespace tfarm::actors {

class sma_crossover : public strategy {
public:
  struct state {
    /// The last `slow` mids, oldest first.
    std::vector<int64_t> mids;
    /// -1 short, 0 none yet, 1 long.
    int32_t signal = 0;

    template <class Archive>
    void serialize(Archive& ar, std::uint32_t) {
      ar(mids, signal);
    }
  };

  std::string name() const override { return "sma_crossover"; }
  caf::error configure(const std::map<std::string, std::string>& params) override;
  void on_tick(const market_tick& tick, strategy_context& ctx) override;
  std::string save() const override;
  caf::error restore(const std::string& blob, uint32_t version) override;

private:
  struct settings {
    int64_t fast = 5;
    int64_t slow = 20;
    int64_t qty = 1;
  };

  settings set_;
  state st_;
};

} // namespace tfarm::actors
