#include "config/endpoint.hpp"

namespace tfarm::config {

std::optional<endpoint> parse_endpoint(std::string_view x, bool allow_port_zero, std::string& why) {
  auto colon = x.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == x.size()) {
    why = "must be HOST:PORT (e.g. 127.0.0.1:7100)";
    return std::nullopt;
  }
  endpoint result;
  result.host = std::string{x.substr(0, colon)};
  for (auto c : result.host) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '-')) {
      why = "host '" + result.host + "' must be a name or an IPv4 address";
      return std::nullopt;
    }
  }
  uint32_t port = 0;
  auto digits = x.substr(colon + 1);
  if (digits.size() > 5) {
    why = "port '" + std::string{digits} + "' must be 0 to 65535";
    return std::nullopt;
  }
  for (auto c : digits) {
    if (c < '0' || c > '9') {
      why = "port '" + std::string{digits} + "' must be a number";
      return std::nullopt;
    }
    port = port * 10 + static_cast<uint32_t>(c - '0');
  }
  if (port > 65535 || (port == 0 && !allow_port_zero)) {
    why =
        "port " + std::to_string(port) + " must be " + (allow_port_zero ? "0" : "1") + " to 65535";
    return std::nullopt;
  }
  result.port = static_cast<uint16_t>(port);
  return result;
}

std::string to_string(const endpoint& x) {
  return x.host + ":" + std::to_string(x.port);
}

} // namespace tfarm::config
