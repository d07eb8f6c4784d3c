// Names the vault agrees on: its system accounts, its paths, operation
// names, and small helpers for the lists kinds receive as parameters.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "actors/vault/vault_messages.hpp"

namespace tfarm::actors {

/// The outside world: the other side of deposits and withdrawals.
inline const std::string external_account = "@external";
/// Transfers between their debit and their credit.
inline const std::string transit_account = "@transit";
/// The clearing account of a venue ("@venue:<name>"; "default" when empty).
std::string venue_account(const std::string& venue);

/// The account a venue's fees go to ("@fees:<name>"; "default" when empty),
/// so that each venue's system accounts add up to what it reports.
std::string venue_fees_account(const std::string& venue);

/// Empty (the default venue) or a valid path segment.
bool valid_venue_name(const std::string& venue);

/// Paths of the vault's actors.
inline const std::string accounts_path = "/vault/accounts";
inline const std::string gateway_path = "/vault/gateway";

/// 1 to vault_key_chars_max printable ASCII characters, none of them '/'
/// (the vault's own keys use '/').
bool valid_client_key(const std::string& key);

/// Splits "a,b,c" (empty items dropped).
std::vector<std::string> split_list(const std::string& x);

/// The items of "a,b,c" as a set.
std::set<std::string> split_set(const std::string& x);

std::string join_list(const std::set<std::string>& xs);

} // namespace tfarm::actors
