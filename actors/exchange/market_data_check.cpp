#include "actors/exchange/market_data_check.hpp"

namespace tfarm::actors {

namespace {

std::string side_problem(const char* name, int64_t price, int64_t qty) {
  if (price < 0 || qty < 0)
    return std::string{name} + " " + std::to_string(qty) + " at " + std::to_string(price) +
           " is negative";
  if ((price == 0) != (qty == 0))
    return std::string{name} + " " + std::to_string(qty) + " at " + std::to_string(price) +
           ": a price needs a quantity and a quantity a price";
  return {};
}

} // namespace

std::string top_problem(const book_top& x) {
  if (x.symbol.empty())
    return "a top without a symbol";
  if (auto why = side_problem("bid", x.bid, x.bid_qty); !why.empty())
    return x.symbol + ": " + why;
  if (auto why = side_problem("ask", x.ask, x.ask_qty); !why.empty())
    return x.symbol + ": " + why;
  if (x.bid > 0 && x.ask > 0 && x.bid >= x.ask)
    return x.symbol + ": bid " + std::to_string(x.bid) + " is not under ask " +
           std::to_string(x.ask);
  if (x.last < 0)
    return x.symbol + ": last price " + std::to_string(x.last) + " is negative";
  if (x.ts_us < 0)
    return x.symbol + ": time stamp " + std::to_string(x.ts_us) + " us is negative";
  return {};
}

std::string trade_problem(const trade_tick& x) {
  if (x.symbol.empty())
    return "a trade without a symbol";
  if (x.price <= 0 || x.qty <= 0)
    return x.symbol + ": trade of " + std::to_string(x.qty) + " at " + std::to_string(x.price) +
           " is not positive";
  if (x.aggressor != side::buy && x.aggressor != side::sell)
    return x.symbol + ": unknown aggressor side " + std::to_string(static_cast<int>(x.aggressor));
  return {};
}

} // namespace tfarm::actors
