// Forward declarations of the vault domain's types, for headers that only
// name them.
#pragma once

#include <cstdint>

namespace tfarm::actors {

enum class vault_errc : uint8_t;
enum class vault_mode : uint8_t;
enum class vault_op : uint8_t;

struct discrepancy;
struct holding_status;
struct reconcile_report;
struct reconcile_request;
struct vault_account_status;
struct vault_mode_change;
struct vault_params;
struct vault_reply;
struct vault_request;
struct vault_status;
struct venue_balance;

class vault_account;
class vault_gateway;

} // namespace tfarm::actors
