#include "actors/exchange/order_book.hpp"

#include <algorithm>

namespace tfarm::actors {

namespace {

/// Buckets reserved for the id index up front: growing a large hash table
/// step by step costs more than the memory.
constexpr size_t index_buckets_initial = 4'096;

} // namespace

std::string to_string(side x) {
  return x == side::buy ? "buy" : "sell";
}

bool parse_side(const std::string& x, side& out) {
  if (x != "buy" && x != "sell")
    return false;
  out = x == "buy" ? side::buy : side::sell;
  return true;
}

std::string to_string(order_type x) {
  return x == order_type::limit ? "limit" : "market";
}

order_book::order_book(std::string symbol) : symbol_(std::move(symbol)) {
  index_.reserve(index_buckets_initial);
}

template <class Levels>
void order_book::match(Levels& opposite, const book_order& x, int64_t& left, submit_result& out) {
  auto crosses = [&](int64_t level_price) {
    if (x.type == order_type::market)
      return true;
    return x.s == side::buy ? level_price <= x.price : level_price >= x.price;
  };
  while (left > 0 && !opposite.empty()) {
    auto lvl = opposite.begin();
    if (!crosses(lvl->first))
      break;
    auto& queue = lvl->second.orders;
    auto& maker = queue.front();
    if (maker.account == x.account) {
      out.rejection = "self_trade";
      out.detail = "order " + x.id + " would trade with " + maker.id + " of the same account " +
                   x.account + "; " + std::to_string(left) + " cancelled";
      return;
    }
    auto qty = std::min(left, maker.qty);
    out.fills.push_back(book_fill{lvl->first, qty, x.id, maker.id, x.account, maker.account, x.s});
    left -= qty;
    maker.qty -= qty;
    lvl->second.qty -= qty;
    if (maker.qty == 0) {
      index_.erase(maker.id);
      queue.pop_front();
      if (queue.empty())
        opposite.erase(lvl);
    }
  }
}

submit_result order_book::submit(const book_order& x) {
  submit_result out;
  if (x.id.empty() || x.qty <= 0 || (x.type == order_type::limit && x.price <= 0)) {
    out.rejection = "invalid_order";
    out.detail = "order '" + x.id + "' needs an id, a positive quantity and (limit) price";
    return out;
  }
  if (index_.count(x.id) > 0) {
    out.rejection = "duplicate_order_id";
    out.detail = "order id " + x.id + " rests in the book already";
    return out;
  }
  auto left = x.qty;
  if (x.s == side::buy)
    match(asks_, x, left, out);
  else
    match(bids_, x, left, out);
  if (left == 0)
    return out;
  if (!out.rejection.empty() || x.type == order_type::market) {
    out.cancelled = left;
    if (out.rejection.empty())
      out.detail = "market order " + x.id + ": " + std::to_string(left) + " of " +
                   std::to_string(x.qty) + " found no liquidity; cancelled";
    return out;
  }
  out.rested = left;
  if (x.s == side::buy) {
    auto& q = bids_[x.price];
    q.orders.push_back(resting_order{x.id, x.account, left});
    q.qty += left;
    index_[x.id] = location{side::buy, x.price, std::prev(q.orders.end())};
  } else {
    auto& q = asks_[x.price];
    q.orders.push_back(resting_order{x.id, x.account, left});
    q.qty += left;
    index_[x.id] = location{side::sell, x.price, std::prev(q.orders.end())};
  }
  return out;
}

int64_t order_book::cancel(const std::string& order_id) {
  auto i = index_.find(order_id);
  if (i == index_.end())
    return 0;
  auto loc = i->second;
  auto qty = loc.it->qty;
  auto drop = [&](auto& levels) {
    auto lvl = levels.find(loc.price);
    lvl->second.qty -= qty;
    lvl->second.orders.erase(loc.it);
    if (lvl->second.orders.empty())
      levels.erase(lvl);
  };
  if (loc.s == side::buy)
    drop(bids_);
  else
    drop(asks_);
  index_.erase(i);
  return qty;
}

bool order_book::resting(const std::string& order_id) const {
  return index_.count(order_id) > 0;
}

template <class Levels>
std::vector<level_view> order_book::view(const Levels& levels, size_t depth) {
  std::vector<level_view> result;
  for (auto& [price, lvl] : levels) {
    if (result.size() >= depth)
      break;
    result.push_back(level_view{price, lvl.qty, lvl.orders.size()});
  }
  return result;
}

std::vector<level_view> order_book::bids(size_t depth) const {
  return view(bids_, depth);
}

std::vector<level_view> order_book::asks(size_t depth) const {
  return view(asks_, depth);
}

} // namespace tfarm::actors
