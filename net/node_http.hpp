// The HTTP API of a running node: the API (http_api) served by an
// http_server with the farm file's [http] settings, started and stopped
// together (stop it before the node: its handlers use the node).
#pragma once

#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "config/farm_config.hpp"
#include "net/http_api.hpp"
#include "net/http_server.hpp"
#include "runtime/node.hpp"

namespace tfarm::net {

/// I/O threads of a node's API.
constexpr int http_api_threads = 4;

class node_http {
public:
  /// Serves `node` on `x.bind`:`x.port` (port 0 is not "disabled" here:
  /// the caller decides that; 0 picks a free port). `admin_token`
  /// overrides x.admin_token when not empty (TFARM_ADMIN_TOKEN).
  static caf::expected<std::unique_ptr<node_http>>
  start(runtime::node& node, const config::http_settings& x, const std::string& admin_token);

  /// The same with the node's lockdown control (its token rules) and, on a
  /// cluster member, its cluster (GET /api/cluster/status).
  static caf::expected<std::unique_ptr<node_http>>
  start(runtime::node& node, const config::http_settings& x,
        std::shared_ptr<security_control> security,
        std::shared_ptr<const cluster_source> cluster = nullptr);

  ~node_http();

  uint16_t port() const noexcept { return server_->port(); }

  void stop();

private:
  node_http(runtime::node& node, http_api_options opts);

  http_api api_;
  std::unique_ptr<http_server> server_;
};

} // namespace tfarm::net
