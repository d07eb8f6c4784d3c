// Error codes of the exchange side (category "tfexch").
#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace tfarm::actors {

enum class exchange_errc : uint8_t {
  none = 0,
  /// The master key is missing or not 64 hex digits.
  bad_master_key,
  /// A secret was sealed under another master key.
  wrong_master_key,
  /// A sealed secret fails authentication (altered, or bound to another row).
  corrupt_secret,
  /// The crypto library failed.
  crypto_failed,
  // -- venues and sessions: retryable (the order was not placed, or its fate
  //    is resolved by a status query before any resubmission) ------------------
  /// The venue (or the session's token bucket) refused for its rate limit.
  rate_limited,
  /// The venue is up but cannot take requests now.
  venue_unavailable,
  /// The venue is not reachable (disconnect window, lost connection).
  disconnected,
  /// No answer in time: the order's fate is unknown until its status is read.
  timeout,
  // -- fatal: retrying cannot help -------------------------------------------
  /// The order is malformed or breaks the venue's rules.
  invalid_order,
  /// The venue's account cannot pay for the order.
  insufficient_funds,
  /// The session has no valid credential, or the venue refused it.
  authentication_failed,
  /// A client order id used before for another order.
  duplicate_order,
  /// The venue knows no order by that client order id.
  unknown_order,
  /// No venue by that name is configured.
  unknown_venue,
  /// The order's fate stays unknown after every status query: not resubmitted.
  order_unknown,
  /// The order could not be sent within its send window
  /// (config::order_send_window_ms): never placed.
  order_expired,
};

/// Retryable errors (network, timeout, rate limit, venue unavailable) are
/// worth another attempt after a backoff; everything else is final. CAF's
/// own request_timeout and request_receiver_down count as timeout and
/// disconnected.
bool is_retryable(const caf::error& x);

/// The exchange code of `x` (timeout for CAF's request_timeout,
/// disconnected for request_receiver_down), or none.
exchange_errc exchange_reason(const caf::error& x);

std::string to_string(exchange_errc x);

/// Registers the "tfexch" category with runtime::to_text() (idempotent).
void register_exchange_error_names();

} // namespace tfarm::actors

CAF_ERROR_CODE_ENUM(tfarm::actors::exchange_errc, "tfexch")
