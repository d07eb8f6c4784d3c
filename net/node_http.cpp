#include "net/node_http.hpp"

#include "config/limits.hpp"

namespace tfarm::net {

node_http::node_http(runtime::node& node, http_api_options opts) : api_(node, std::move(opts)) {
  // nop
}

caf::expected<std::unique_ptr<node_http>> node_http::start(runtime::node& node,
                                                           const config::http_settings& x,
                                                           const std::string& admin_token) {
  auto token =
      std::make_shared<net::admin_token>(admin_token.empty() ? x.admin_token : admin_token);
  return start(
      node, x,
      std::make_shared<security_control>(node, std::string{}, std::move(token),
                                         std::chrono::milliseconds{config::http_actor_timeout_ms}));
}

caf::expected<std::unique_ptr<node_http>>
node_http::start(runtime::node& node, const config::http_settings& x,
                 std::shared_ptr<security_control> security,
                 std::shared_ptr<const cluster_source> cluster) {
  http_api_options api;
  api.security = std::move(security);
  api.cluster = std::move(cluster);
  api.actor_timeout = std::chrono::milliseconds{config::http_actor_timeout_ms};
  std::unique_ptr<node_http> result{new node_http(node, std::move(api))};
  http_server_options opts;
  opts.bind = x.bind;
  opts.port = static_cast<uint16_t>(x.port);
  opts.request_bytes_max = static_cast<std::size_t>(x.request_bytes_max);
  opts.read_timeout = x.read_timeout;
  opts.connections_max = static_cast<std::size_t>(x.connections_max);
  opts.connections_per_client_max = static_cast<std::size_t>(x.connections_per_client_max);
  // Admin calls may wait on actors: enough threads that /api/health and
  // /metrics are still served meanwhile.
  opts.threads = http_api_threads;
  auto server = http_server::start(opts, result->api_.handler(),
                                   runtime::http_metrics::in(node.context().metrics()),
                                   result->api_.observer());
  if (!server)
    return server.error();
  result->server_ = std::move(*server);
  return result;
}

node_http::~node_http() {
  stop();
}

void node_http::stop() {
  if (server_)
    server_->stop();
}

} // namespace tfarm::net
