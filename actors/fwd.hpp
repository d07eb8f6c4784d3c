// Forward declarations of tfarm::actors types.
#pragma once

#include <cstdint>

namespace tfarm::actors {

enum class vault_errc : uint8_t;
enum class vault_op : uint8_t;

struct discrepancy;
struct reconcile_report;
struct reconcile_request;
struct vault_mode_change;
struct vault_reply;
struct vault_request;
struct vault_status;
struct venue_balance;

class vault_account;
class vault_gateway;

} // namespace tfarm::actors
