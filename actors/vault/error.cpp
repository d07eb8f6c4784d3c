#include "actors/vault/error.hpp"

#include "runtime/error_text.hpp"

namespace tfarm::actors {

namespace {

constexpr const char* names[] = {
    "none",           "invalid_request",     "unknown_account",    "unknown_asset",
    "invalid_amount", "amount_overflow",     "insufficient_funds", "transfers_frozen",
    "emergency_mode", "unknown_reservation", "reservation_closed", "wrong_user",
    "key_reused",     "account_exists",      "unavailable",        "fill_unexplained",
};

constexpr auto names_count = sizeof(names) / sizeof(names[0]);

} // namespace

std::string to_string(vault_errc x) {
  auto i = static_cast<size_t>(x);
  return i < names_count ? names[i] : "unknown";
}

vault_errc vault_errc_from_string(const std::string& x) {
  for (size_t i = 0; i < names_count; ++i)
    if (x == names[i])
      return static_cast<vault_errc>(i);
  return vault_errc::invalid_request;
}

bool is_vault_error(const caf::error& err) {
  return err.category() == caf::atom("tfvault");
}

caf::error refusal(vault_errc code, std::string message) {
  return caf::error{code, std::move(message)};
}

vault_errc vault_reason(const caf::error& err) {
  return is_vault_error(err) ? static_cast<vault_errc>(err.code()) : vault_errc::unavailable;
}

void register_vault_error_names() {
  runtime::add_error_category_names(
      caf::atom("tfvault"), [](uint8_t code) { return to_string(static_cast<vault_errc>(code)); });
}

} // namespace tfarm::actors
