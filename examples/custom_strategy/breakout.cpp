// A user's strategy in one file: "breakout" goes long when the mid breaks
// above the highest mid of the last `window` ticks, short when it breaks
// below the lowest, `qty` units either way.
//
// Build it into `tfarm` by listing this file in TFARM_STRATEGY_SOURCES (see
// README.md); the static registration at the bottom makes the name
// "breakout" usable in [[user.agent]] params, and `tfarm config check`
// validates its parameters like the built-ins'.
#include <algorithm>
#include <deque>
#include <map>
#include <sstream>
#include <string>

#include "actors/agent/error.hpp"
#include "actors/agent/strategy.hpp"

namespace {

using namespace tfarm::actors;

class breakout : public strategy {
public:
  std::string name() const override { return "breakout"; }

  // Parameters come as strings from the farm file. Refuse what you do not
  // know and say what you expected: the messages reach `config check`.
  caf::error configure(const std::map<std::string, std::string>& params) override {
    if (auto err = only_params(params, {"window", "qty"}, name()))
      return err;
    int64_t window = window_;
    int64_t qty = qty_;
    if (auto err = int_param(params, "window", 2, 10'000, window))
      return err;
    if (auto err = int_param(params, "qty", 1, 1'000'000, qty))
      return err;
    window_ = window;
    qty_ = qty;
    return {};
  }

  // Ticks, fills and timers arrive here; orders go through `ctx`, which
  // hands them to the agent's risk gate, the vault and the exchange.
  void on_tick(const market_tick& tick, strategy_context& ctx) override {
    auto mid = tick.mid();
    if (mid <= 0)
      return;
    if (static_cast<int64_t>(mids_.size()) == window_) {
      auto [lo, hi] = std::minmax_element(mids_.begin(), mids_.end());
      if (mid > *hi)
        target_ = qty_;
      else if (mid < *lo)
        target_ = -qty_;
      mids_.pop_front();
    }
    mids_.push_back(mid);
    if (target_ != 0)
      ctx.trade_towards(target_);
  }

  // State saved with the agent's checkpoint and given back after a restart
  // (plain text here; the built-ins use cereal). Bump state_version() when
  // the format changes and handle older versions in restore().
  std::string save() const override {
    std::ostringstream out;
    out << target_;
    for (auto m : mids_)
      out << ' ' << m;
    return out.str();
  }

  caf::error restore(const std::string& blob, uint32_t) override {
    std::istringstream in{blob};
    int64_t target = 0;
    std::deque<int64_t> mids;
    if (!(in >> target))
      return caf::error{agent_errc::bad_state, "breakout: no target in the saved state"};
    for (int64_t m; in >> m;)
      mids.push_back(m);
    target_ = target;
    mids_ = std::move(mids);
    return {};
  }

private:
  int64_t window_ = 20;
  int64_t qty_ = 1;
  int64_t target_ = 0;
  std::deque<int64_t> mids_;
};

register_strategy<breakout> registration{"breakout"};

} // namespace
