// The simulated venue's market (sim_venue.hpp): its own participants'
// quotes and takers around a random walk, or a recorded trade file
// replayed, and the book tops and trades it publishes to subscribers.
#include "actors/exchange/sim_venue.hpp"

#include <fstream>
#include <sstream>

#include "actors/exchange/error.hpp"
#include "config/duration.hpp"

namespace tfarm::actors {

caf::error sim_venue::load_replay(const std::string& path) {
  std::ifstream in{path};
  if (!in)
    return caf::error{exchange_errc::invalid_order,
                      path + ": cannot read the market-data replay file"};
  std::string line;
  size_t row = 0;
  while (std::getline(in, line)) {
    ++row;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty() || (row == 1 && line.rfind("symbol,", 0) == 0))
      continue;
    std::vector<std::string> cols;
    std::stringstream ss{line};
    for (std::string col; std::getline(ss, col, ',');)
      cols.push_back(col);
    replay_row r;
    auto bad = [&](const std::string& why) {
      return caf::error{exchange_errc::invalid_order,
                        path + ":" + std::to_string(row) + ": error: " + why};
    };
    if (cols.size() != 4)
      return bad("expected 4 columns symbol,price,qty,side, got " + std::to_string(cols.size()));
    r.symbol = cols[0];
    if (symbols_.count(r.symbol) == 0)
      return bad("symbol '" + r.symbol + "' is not traded on venue " + name_);
    std::string why;
    auto price = config::parse_integer(cols[1], 1, INT64_MAX, why);
    if (!price)
      return bad("price must be a positive integer number of ticks, got '" + cols[1] + "'");
    auto qty = config::parse_integer(cols[2], 1, INT64_MAX, why);
    if (!qty)
      return bad("qty must be a positive integer, got '" + cols[2] + "'");
    r.price = *price;
    r.qty = *qty;
    if (!parse_side(cols[3], r.aggressor))
      return bad("side must be buy or sell, got '" + cols[3] + "'");
    replay_.push_back(std::move(r));
  }
  return {};
}

// -- market data -------------------------------------------------------------------------

void sim_venue::requote(const std::string& symbol, symbol_state& s) {
  for (auto& id : s.quotes)
    engine_.cancel(symbol, id);
  s.quotes.clear();
  auto spacing = std::max<int64_t>(s.mid / 10'000, 1);
  for (int64_t level = 1; level <= depth_; ++level) {
    for (auto sd : {side::buy, side::sell}) {
      book_order b;
      b.id = participant_prefix + ":q" + std::to_string(next_participant_id_++);
      b.account = participant_prefix;
      b.s = sd;
      b.price = sd == side::buy ? s.mid - level * spacing : s.mid + level * spacing;
      if (b.price <= 0)
        continue;
      b.qty = level_qty_;
      auto res = engine_.submit(symbol, b);
      apply_fills(symbol, res, nullptr, nullptr);
      publish_trades(symbol, s, res);
      if (res.rested > 0)
        s.quotes.push_back(b.id);
    }
  }
}

void sim_venue::step() {
  forget_closed(node_clock().unix_ms());
  for (auto& [symbol, s] : symbols_) {
    if (!replay_.empty()) {
      // Replay: the next recorded trade per step, the quotes follow it.
      while (replay_next_ < replay_.size() && replay_[replay_next_].symbol != symbol)
        ++replay_next_;
      if (replay_next_ >= replay_.size())
        continue;
      auto& row = replay_[replay_next_++];
      s.mid = row.price;
      requote(symbol, s);
      publish_trade(symbol, s, row.price, row.qty, row.aggressor);
      publish(symbol, s);
      continue;
    }
    auto step_max = s.mid * volatility_bps_ / 10'000;
    if (step_max > 0)
      s.mid = std::max<int64_t>(
          s.mid + std::uniform_int_distribution<int64_t>{-step_max, step_max}(market_rng_), 1);
    requote(symbol, s);
    if (std::uniform_int_distribution<uint32_t>{0, sim_ppm_one - 1}(market_rng_) < taker_ppm_) {
      book_order b;
      b.id = participant_prefix + ":t" + std::to_string(next_participant_id_++);
      b.account = participant_prefix + "-taker";
      b.s = std::uniform_int_distribution<int>{0, 1}(market_rng_) == 0 ? side::buy : side::sell;
      b.type = order_type::market;
      b.qty = std::uniform_int_distribution<int64_t>{1, level_qty_}(market_rng_);
      auto res = engine_.submit(symbol, b);
      apply_fills(symbol, res, nullptr, nullptr);
      publish_trades(symbol, s, res);
    }
    publish(symbol, s);
  }
  publish_description();
}

void sim_venue::publish_trades(const std::string& symbol, symbol_state& s,
                               const engine_result& res) {
  for (auto& f : res.fills)
    publish_trade(symbol, s, f.fill.price, f.fill.qty, f.fill.taker_side);
}

void sim_venue::publish_trade(const std::string& symbol, symbol_state& s, int64_t price,
                              int64_t qty, side aggressor) {
  s.last = price;
  trade_tick t;
  t.venue = name_;
  t.symbol = symbol;
  t.price = price;
  t.qty = qty;
  t.aggressor = aggressor;
  t.seq = ++s.seq;
  t.ts_ms = node_clock().unix_ms();
  if (!offline())
    for (auto& sub : s.subscribers)
      caf::anon_send(sub, t);
}

void sim_venue::publish(const std::string& symbol, symbol_state& s) {
  book_top top;
  top.venue = name_;
  top.symbol = symbol;
  if (auto book = engine_.book(symbol)) {
    auto bids = book->bids(1);
    auto asks = book->asks(1);
    if (!bids.empty()) {
      top.bid = bids[0].price;
      top.bid_qty = bids[0].qty;
    }
    if (!asks.empty()) {
      top.ask = asks[0].price;
      top.ask_qty = asks[0].qty;
    }
  }
  top.last = s.last;
  if (top.bid == s.top.bid && top.bid_qty == s.top.bid_qty && top.ask == s.top.ask &&
      top.ask_qty == s.top.ask_qty && top.last == s.top.last && s.top.seq != 0)
    return;
  top.seq = ++s.seq;
  top.ts_us = node_clock().unix_us();
  top.ts_ms = top.ts_us / 1'000;
  s.top = top;
  if (!offline())
    for (auto& sub : s.subscribers)
      caf::anon_send(sub, top);
}

} // namespace tfarm::actors
