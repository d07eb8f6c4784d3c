#include "actors/vault/vault_names.hpp"

#include "actors/vault/vault_messages.hpp"

#include <sstream>

#include "config/limits.hpp"
#include "config/path_syntax.hpp"

namespace tfarm::actors {

std::string venue_account(const std::string& venue) {
  return "@venue:" + (venue.empty() ? std::string{"default"} : venue);
}

std::string venue_fees_account(const std::string& venue) {
  return "@fees:" + (venue.empty() ? std::string{"default"} : venue);
}

bool valid_venue_name(const std::string& venue) {
  return venue.empty() || config::valid_path_segment(venue);
}

std::string to_string(vault_op x) {
  switch (x) {
  case vault_op::open:
    return "open";
  case vault_op::deposit:
    return "deposit";
  case vault_op::withdraw:
    return "withdraw";
  case vault_op::transfer:
    return "transfer";
  case vault_op::reserve:
    return "reserve";
  case vault_op::settle:
    return "settle";
  case vault_op::release:
    return "release";
  case vault_op::balance:
    return "balance";
  }
  return "unknown";
}

bool valid_client_key(const std::string& key) {
  if (key.empty() || key.size() > config::vault_key_chars_max)
    return false;
  for (auto c : key)
    if (c < 0x20 || c > 0x7e || c == '/')
      return false;
  return true;
}

std::vector<std::string> split_list(const std::string& x) {
  std::vector<std::string> result;
  std::stringstream in{x};
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty())
      result.push_back(item);
  return result;
}

std::set<std::string> split_set(const std::string& x) {
  auto xs = split_list(x);
  return {xs.begin(), xs.end()};
}

std::string join_list(const std::set<std::string>& xs) {
  std::string result;
  for (auto& x : xs) {
    if (!result.empty())
      result += ", ";
    result += x;
  }
  return result;
}

std::string to_string(vault_mode x) {
  switch (x) {
  case vault_mode::emergency:
    return "emergency";
  case vault_mode::transfers_frozen:
    return "transfers_frozen";
  }
  return "mode " + std::to_string(static_cast<int>(x));
}

} // namespace tfarm::actors
