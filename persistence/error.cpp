#include "persistence/error.hpp"

#include "runtime/error_text.hpp"
#include "runtime/outage.hpp"

namespace tfarm::persistence {

std::string to_string(store_errc x) {
  switch (x) {
  case store_errc::none:
    return "none";
  case store_errc::open_failed:
    return "open_failed";
  case store_errc::corrupt:
    return "corrupt";
  case store_errc::locked:
    return "locked";
  case store_errc::read_only:
    return "read_only";
  case store_errc::disk_full:
    return "disk_full";
  case store_errc::io_error:
    return "io_error";
  case store_errc::migration_failed:
    return "migration_failed";
  case store_errc::unbalanced_transaction:
    return "unbalanced_transaction";
  case store_errc::invalid_record:
    return "invalid_record";
  case store_errc::unknown_order:
    return "unknown_order";
  case store_errc::backup_failed:
    return "backup_failed";
  case store_errc::restore_refused:
    return "restore_refused";
  case store_errc::negative_balance:
    return "negative_balance";
  case store_errc::account_conflict:
    return "account_conflict";
  case store_errc::amount_overflow:
    return "amount_overflow";
  case store_errc::fill_conflict:
    return "fill_conflict";
  case store_errc::unavailable:
    return "unavailable";
  case store_errc::auth_failed:
    return "auth_failed";
  case store_errc::timeout:
    return "timeout";
  case store_errc::conflict:
    return "conflict";
  case store_errc::fenced:
    return "fenced";
  }
  return "unknown";
}

void register_error_names() {
  runtime::add_error_category_names(
      caf::atom("tfstore"), [](uint8_t code) { return to_string(static_cast<store_errc>(code)); });
  // The server is down or the connection broke: the node's actors come
  // back once it answers, so their restarts meanwhile are not a crash loop.
  runtime::register_outage(caf::atom("tfstore"), static_cast<uint8_t>(store_errc::unavailable));
  // Another member owns the user now: this member stops the user's actors
  // at its next step; restarting them meanwhile cannot make a write pass.
  // A start does not wait for it: it will not pass.
  runtime::register_outage(caf::atom("tfstore"), static_cast<uint8_t>(store_errc::fenced),
                           runtime::outage_kind::not_owner);
}

} // namespace tfarm::persistence
