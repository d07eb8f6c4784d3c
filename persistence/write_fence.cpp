#include "persistence/write_fence.hpp"

namespace tfarm::persistence {

namespace {

// Whether `path` is strictly below `prefix` (which ends in '/').
bool below(const std::string& path, const std::string& prefix) {
  return path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0;
}

// The segment of `path` starting at `from`.
std::string segment(const std::string& path, size_t from) {
  auto end = path.find('/', from);
  return path.substr(from, end == std::string::npos ? std::string::npos : end - from);
}

} // namespace

path_owner owner_of_path(const std::string& path) {
  static const std::string users = "/user/";
  static const std::string accounts = "/vault/accounts/";
  static const std::string sessions = "/exchanges/sessions/";
  if (below(path, users))
    return {path_owner::user, segment(path, users.size())};
  if (below(path, accounts))
    return {path_owner::account, segment(path, accounts.size())};
  if (below(path, sessions)) {
    auto venue_end = path.find('/', sessions.size());
    if (venue_end != std::string::npos && venue_end + 1 < path.size())
      return {path_owner::account, segment(path, venue_end + 1)};
  }
  return {};
}

} // namespace tfarm::persistence
