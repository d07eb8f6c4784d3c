#include "actors/exchange/order_check.hpp"

#include "config/limits.hpp"

namespace tfarm::actors {

std::string order_problem(const order_request& r, const std::string& reserved_prefix) {
  if (r.client_order_id.empty() || r.client_order_id.size() > config::client_order_id_chars_max)
    return "client order id must be 1 to " + std::to_string(config::client_order_id_chars_max) +
           " characters";
  auto order = "order " + r.client_order_id;
  if (r.account.empty() || r.account.rfind(reserved_prefix, 0) == 0)
    return order + " names no account";
  if (r.s != side::buy && r.s != side::sell)
    return order + ": unknown side " + std::to_string(static_cast<int>(r.s));
  if (r.type != order_type::limit && r.type != order_type::market)
    return order + ": unknown order type " + std::to_string(static_cast<int>(r.type));
  if (r.qty <= 0)
    return order + ": quantity must be positive, got " + std::to_string(r.qty);
  if (r.type == order_type::limit && r.price <= 0)
    return order + ": limit price must be positive, got " + std::to_string(r.price);
  if (r.expires_at_ms < 0)
    return order + ": expiry must be a time (unix ms) or 0, got " + std::to_string(r.expires_at_ms);
  return {};
}

} // namespace tfarm::actors
