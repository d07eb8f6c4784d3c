// matching_engine: orders per second through one book alone, on a seeded
// stream like a busy symbol's: 45 % cancels of resting orders (real venues
// see far more cancels than trades), 45 % limit orders around a drifting
// mid price (a third of them crossing), 10 % market orders. The stream is
// generated before the clock starts.
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/exchange/matching_engine.hpp"
#include "bench/bench_support.hpp"

namespace tfarm::bench {

namespace {

constexpr uint64_t orders_n = 2'000'000;
constexpr int rounds = 3;
constexpr int64_t mid_start = 100'000;
constexpr int64_t accounts_n = 500;

struct step {
  bool cancel = false;
  actors::book_order order;
};

std::vector<step> make_stream(uint64_t n) {
  std::mt19937_64 rng{42};
  std::vector<step> out;
  out.reserve(n);
  std::vector<std::string> resting;
  int64_t mid = mid_start;
  for (uint64_t i = 0; i < n; ++i) {
    auto roll = rng() % 100;
    if (roll < 45 && !resting.empty()) {
      auto k = rng() % resting.size();
      step s;
      s.cancel = true;
      s.order.id = resting[k];
      resting[k] = resting.back();
      resting.pop_back();
      out.push_back(std::move(s));
      continue;
    }
    mid += static_cast<int64_t>(rng() % 3) - 1;
    step s;
    s.order.id = "o" + std::to_string(i);
    s.order.account = "a" + std::to_string(rng() % accounts_n);
    s.order.s = rng() % 2 == 0 ? actors::side::buy : actors::side::sell;
    s.order.qty = 1 + static_cast<int64_t>(rng() % 10);
    if (roll < 55) {
      s.order.type = actors::order_type::market;
    } else {
      s.order.type = actors::order_type::limit;
      // Two thirds rest away from the mid, a third cross it.
      auto offset = static_cast<int64_t>(rng() % 20);
      auto crossing = rng() % 3 == 0;
      auto away = s.order.s == actors::side::buy ? -1 : 1;
      s.order.price = mid + (crossing ? -away : away) * (1 + offset);
      resting.push_back(s.order.id);
    }
    out.push_back(std::move(s));
  }
  return out;
}

} // namespace

nlohmann::json matching_engine(const scenario_options& opts) {
  auto n = scaled(orders_n, opts);
  auto stream = make_stream(n);
  std::vector<double> rates;
  uint64_t fills = 0;
  uint64_t rejected = 0;
  for (int r = 0; r < rounds; ++r) {
    actors::matching_engine engine{10, 5};
    fills = 0;
    rejected = 0;
    auto start = now_ns();
    for (auto& s : stream) {
      auto res =
          s.cancel ? engine.cancel("BTC-USD", s.order.id) : engine.submit("BTC-USD", s.order);
      fills += res.fills.size();
      rejected += res.rejection.empty() ? 0 : 1;
    }
    rates.push_back(static_cast<double>(n) / (static_cast<double>(now_ns() - start) / 1e9));
  }
  nlohmann::json j;
  j["scenario"] = "matching_engine";
  j["value"] = std::llround(percentile(rates, 50));
  j["orders"] = n;
  j["fills"] = fills;
  j["rejected"] = rejected;
  j["target"] = 1'000'000;
  return j;
}

} // namespace tfarm::bench
