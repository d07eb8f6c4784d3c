#include "actors/exchange/error.hpp"

#include <caf/sec.hpp>

#include "runtime/error_text.hpp"

namespace tfarm::actors {

std::string to_string(exchange_errc x) {
  switch (x) {
  case exchange_errc::none:
    return "none";
  case exchange_errc::bad_master_key:
    return "bad_master_key";
  case exchange_errc::wrong_master_key:
    return "wrong_master_key";
  case exchange_errc::corrupt_secret:
    return "corrupt_secret";
  case exchange_errc::crypto_failed:
    return "crypto_failed";
  case exchange_errc::rate_limited:
    return "rate_limited";
  case exchange_errc::venue_unavailable:
    return "venue_unavailable";
  case exchange_errc::disconnected:
    return "disconnected";
  case exchange_errc::timeout:
    return "timeout";
  case exchange_errc::invalid_order:
    return "invalid_order";
  case exchange_errc::insufficient_funds:
    return "insufficient_funds";
  case exchange_errc::authentication_failed:
    return "authentication_failed";
  case exchange_errc::duplicate_order:
    return "duplicate_order";
  case exchange_errc::unknown_order:
    return "unknown_order";
  case exchange_errc::unknown_venue:
    return "unknown_venue";
  case exchange_errc::order_unknown:
    return "order_unknown";
  case exchange_errc::order_expired:
    return "order_expired";
  }
  return "unknown";
}

exchange_errc exchange_reason(const caf::error& x) {
  if (x.category() == caf::atom("tfexch"))
    return static_cast<exchange_errc>(x.code());
  if (x == caf::sec::request_timeout)
    return exchange_errc::timeout;
  if (x == caf::sec::request_receiver_down)
    return exchange_errc::disconnected;
  return exchange_errc::none;
}

bool is_retryable(const caf::error& x) {
  switch (exchange_reason(x)) {
  case exchange_errc::rate_limited:
  case exchange_errc::venue_unavailable:
  case exchange_errc::disconnected:
  case exchange_errc::timeout:
    return true;
  default:
    return false;
  }
}

void register_exchange_error_names() {
  runtime::add_error_category_names(caf::atom("tfexch"), [](uint8_t code) {
    return to_string(static_cast<exchange_errc>(code));
  });
}

} // namespace tfarm::actors
