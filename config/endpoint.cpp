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

std::optional<http_url> parse_http_url(std::string_view x, std::string& why) {
  constexpr std::string_view scheme = "http://";
  if (x.substr(0, 8) == "https://") {
    why = "uses https, which the webhook channel does not speak; point it at a plain http "
          "endpoint (e.g. a local TLS-terminating proxy)";
    return std::nullopt;
  }
  if (x.substr(0, scheme.size()) != scheme) {
    why = "must be http://HOST[:PORT][/PATH]";
    return std::nullopt;
  }
  auto rest = x.substr(scheme.size());
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  http_url result;
  if (slash != std::string_view::npos)
    result.target = std::string{rest.substr(slash)};
  if (authority.find(':') == std::string_view::npos) {
    std::string with_port{authority};
    with_port += ":80";
    auto ep = parse_endpoint(with_port, false, why);
    if (!ep)
      return std::nullopt;
    result.host = ep->host;
    return result;
  }
  auto ep = parse_endpoint(authority, false, why);
  if (!ep)
    return std::nullopt;
  result.host = ep->host;
  result.port = ep->port;
  return result;
}

} // namespace tfarm::config
