#include "net/kinds.hpp"

#include <caf/io/middleman.hpp>

#include "actors/agent/agent_settings.hpp"
#include "actors/kinds.hpp"
#include "config/endpoint.hpp"
#include "config/limits.hpp"
#include "net/error.hpp"
#include "net/tls_identity.hpp"
#include "net/type_ids.hpp"
#include "net/venue_connector.hpp"
#include "net/venue_directory.hpp"
#include "persistence/kinds.hpp"
#include "runtime/builtin_kinds.hpp"

namespace tfarm::net {

void add_kinds(runtime::kind_registry& x) {
  x.add(venue_directory::kind());
  x.add(venue_connector::kind());
}

config::check_options farm_check_options() {
  // Every kind a node of this program can run (the validator keeps it).
  static const runtime::kind_registry kinds = [] {
    auto x = runtime::builtin_kinds();
    persistence::add_kinds(x);
    actors::add_kinds(x);
    add_kinds(x);
    return x;
  }();
  config::check_options opts;
  opts.known_kinds = kinds.agent_names();
  opts.validate_agent = actors::agent_validator(kinds);
  opts.env = config::process_environment();
  return opts;
}

bool needs_middleman(const config::farm_config& farm) {
  if (!farm.exchange.listen.empty() || farm.console.port != 0)
    return true;
  for (auto& v : farm.exchange.venues)
    if (v.kind == "remote")
      return true;
  return false;
}

void configure(caf::actor_system_config& cfg, const config::tls_settings& tls) {
  register_net_error_names();
  cfg.add_message_types<caf::id_block::tfarm_net>();
  cfg.load<caf::io::middleman>();
  if (tls.enabled())
    use_tls(cfg, tls);
  cfg.set("middleman.heartbeat-interval",
          caf::timespan{std::chrono::milliseconds{config::node_heartbeat_interval_ms}});
  cfg.set("middleman.connection-timeout",
          caf::timespan{std::chrono::milliseconds{config::node_connection_timeout_ms}});
}

void extend_tree(const config::farm_config& farm, runtime::child_spec& root) {
  for (auto& child : root.children) {
    if (child.id != "exchanges")
      continue;
    std::string why;
    if (auto ep = config::parse_endpoint(farm.exchange.listen, true, why)) {
      child.children.push_back(runtime::spec_with("directory", "venue_directory",
                                                  venue_directory_params{ep->host, ep->port}));
    }
    auto params = venue_connector_params_for(farm.exchange);
    if (!params.venues.empty()) {
      // Before the sessions, which look it up when they start.
      child.children.insert(child.children.begin(),
                            runtime::spec_with("remote", "venue_connector", params));
    }
  }
}

runtime::node_options sqlite_node_options(config::farm_config farm,
                                          std::vector<runtime::checkpoint> preload) {
  auto network = needs_middleman(farm);
  auto tls = farm.tls;
  auto opts = actors::sqlite_node_options(std::move(farm), std::move(preload));
  add_kinds(opts.kinds);
  if (network) {
    auto inner = opts.configure;
    opts.configure = [inner, tls](caf::actor_system_config& cfg) {
      inner(cfg);
      configure(cfg, tls);
    };
  }
  auto inner_tree = opts.extend_tree;
  opts.extend_tree = [inner_tree](const config::farm_config& f, runtime::child_spec& root) {
    inner_tree(f, root);
    extend_tree(f, root);
  };
  return opts;
}

} // namespace tfarm::net
