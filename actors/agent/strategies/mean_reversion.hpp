// Mean reversion: when the mid strays `threshold_bps` below its moving
// average over `window` ticks, go long `qty`; that far above, go short;
// back within a quarter of the threshold, go flat.
// Parameters: window (20), threshold_bps (30), qty (1).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/agent/strategy.hpp"

namespace tfarm::actors {

class mean_reversion : public strategy {
public:
  struct state {
    std::vector<int64_t> mids;

    template <class Archive>
    void serialize(Archive& ar, std::uint32_t) {
      ar(mids);
    }
  };

  std::string name() const override { return "mean_reversion"; }
  caf::error configure(const std::map<std::string, std::string>& params) override;
  void on_tick(const market_tick& tick, strategy_context& ctx) override;
  std::string save() const override;
  caf::error restore(const std::string& blob, uint32_t version) override;

private:
  struct settings {
    int64_t window = 20;
    int64_t threshold_bps = 30;
    int64_t qty = 1;
  };

  settings set_;
  state st_;
};

} // namespace tfarm::actors
