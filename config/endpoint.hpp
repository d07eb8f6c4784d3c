// "host:port" endpoints of nodes (the exchange role's listening address, a
// remote venue's address), parsed the same way by config checks and by the
// network layer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tfarm::config {

struct endpoint {
  std::string host;
  uint16_t port = 0;
};

/// Parses "host:port" (host: a name or IPv4 address; port 0..65535, 0 only
/// with `allow_port_zero`: "pick a free one"). On failure sets `why`.
std::optional<endpoint> parse_endpoint(std::string_view x, bool allow_port_zero, std::string& why);

std::string to_string(const endpoint& x);

/// A plain-HTTP URL (the alert webhook): host, port (80 by default) and the
/// request target (path and query, "/" by default).
struct http_url {
  std::string host;
  uint16_t port = 80;
  std::string target = "/";
};

/// Parses "http://host[:port][/path]"; https is refused (say so in `why`):
/// put a TLS-terminating proxy in front of the receiver.
std::optional<http_url> parse_http_url(std::string_view x, std::string& why);

} // namespace tfarm::config
