#include "actors/exchange/fill_check.hpp"

#include <algorithm>

#include "config/limits.hpp"

namespace tfarm::actors {

std::string fill_problem(const venue_fill& f, const std::string& client_order_id,
                         const order_request* req, const fill_terms* before,
                         int64_t filled_before) {
  auto printable =
      !f.fill_id.empty() && f.fill_id.size() <= config::fill_id_chars_max &&
      std::all_of(f.fill_id.begin(), f.fill_id.end(), [](char c) { return c > 0x20 && c < 0x7f; });
  if (!printable)
    return "its fill id is not 1 to " + std::to_string(config::fill_id_chars_max) +
           " printable characters";
  if (f.client_order_id != client_order_id)
    return "it names order " + f.client_order_id;
  if (f.qty <= 0 || f.price <= 0 || f.fee < 0)
    return "quantity and price must be positive, the fee not negative";
  int64_t value = 0;
  if (__builtin_mul_overflow(f.price, f.qty, &value))
    return "price x quantity exceeds 2^63 - 1";
  if (f.fee > value)
    return "its fee exceeds its value (" + std::to_string(value) + ")";
  if (req != nullptr && (f.s != req->s || (!f.symbol.empty() && f.symbol != req->symbol)))
    return "its side or symbol is not the order's (" + to_string(req->s) + " " + req->symbol + ")";
  if (req != nullptr && req->type == order_type::limit &&
      (req->s == side::buy ? f.price > req->price : f.price < req->price))
    return "its price is beyond the order's limit " + std::to_string(req->price);
  if (req != nullptr && before == nullptr && f.qty > req->qty - filled_before)
    return "its quantity exceeds what is left of the order (" +
           std::to_string(req->qty - filled_before) + " of " + std::to_string(req->qty) + ")";
  if (before != nullptr &&
      (before->price != f.price || before->qty != f.qty || before->fee != f.fee))
    return "it was reported before as " + std::to_string(before->qty) + " at " +
           std::to_string(before->price) + ", fee " + std::to_string(before->fee);
  return {};
}

persistence::fill_record record_of(const venue_fill& f, const std::string& venue,
                                   const std::string& client_order_id) {
  persistence::fill_record x;
  x.venue = venue;
  x.venue_fill_id = f.fill_id;
  x.client_order_id = client_order_id;
  x.price = f.price;
  x.qty = f.qty;
  x.fee = f.fee;
  x.ts_ms = f.ts_ms;
  return x;
}

} // namespace tfarm::actors
