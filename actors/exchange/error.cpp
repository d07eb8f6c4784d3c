#include "actors/exchange/error.hpp"

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
  }
  return "unknown";
}

void register_exchange_error_names() {
  runtime::add_error_category_names(caf::atom("tfexch"), [](uint8_t code) {
    return to_string(static_cast<exchange_errc>(code));
  });
}

} // namespace tfarm::actors
