#include "net/venue_connector.hpp"

#include <caf/io/middleman.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "actors/exchange/error.hpp"
#include "actors/vault/vault_names.hpp"
#include "net/error.hpp"
#include "net/logger.hpp"
#include "runtime/error_text.hpp"
#include "runtime/status_json.hpp"

namespace tfarm::net {

std::map<std::string, std::string> venue_connector_params(const config::exchange_settings& ex) {
  std::string list;
  for (auto& v : ex.venues)
    if (v.kind == "remote")
      list += (list.empty() ? "" : ",") + v.name + "=" + v.endpoint;
  return {{"venues", list}};
}

venue_connector::venue_connector(caf::actor_config& cfg, runtime::spawn_context ctx)
    : super(cfg, std::move(ctx)) {
  for (auto& item : actors::split_list(runtime::param(spec(), "venues", ""))) {
    auto eq = item.find('=');
    std::string why;
    auto ep = eq == std::string::npos ? std::nullopt
                                      : config::parse_endpoint(item.substr(eq + 1), false, why);
    if (ep)
      venues_.emplace(item.substr(0, eq), *ep);
    else
      log().error("remote venue '{}' ignored: {}", item, why);
  }
  set_down_handler([this](caf::down_msg& msg) {
    for (auto i = directories_.begin(); i != directories_.end(); ++i) {
      if (i->second.address() == msg.source) {
        log().warn("lost the exchange node at {}: {}", i->first, runtime::to_text(msg.reason));
        directories_.erase(i);
        publish_description();
        return;
      }
    }
  });
}

runtime::kind_info venue_connector::kind() {
  return runtime::make_kind<venue_connector, caf::detached>(
      "venue_connector", "reaches venues on exchange nodes (CAF remote messaging)");
}

caf::expected<exchange_directory_actor> venue_connector::directory(const config::endpoint& ep) {
  auto key = config::to_string(ep);
  if (auto i = directories_.find(key); i != directories_.end())
    return i->second;
  ++connects_;
  // Asked for the venues' interface only: an exchange node from before the
  // console answers console lookups with an error, and still serves venues.
  auto dir = system().middleman().remote_actor<actors::venue_directory_actor>(ep.host, ep.port);
  if (!dir)
    return caf::error{net_errc::connect_failed, "cannot connect to the exchange node at " + key +
                                                    ": " + runtime::to_text(dir.error())};
  monitor(*dir);
  directories_.emplace(key, caf::actor_cast<exchange_directory_actor>(*dir));
  log().info("connected to the exchange node at {}", key);
  publish_description();
  return directories_.at(key);
}

venue_connector::behavior_type venue_connector::make_behavior() {
  return {
      [this](actors::lookup_venue_atom, std::string& name) -> caf::result<caf::actor> {
        auto i = venues_.find(name);
        if (i == venues_.end())
          return caf::error{actors::exchange_errc::unknown_venue,
                            "venue '" + name + "' is not a remote venue of this farm"};
        auto dir = directory(i->second);
        if (!dir)
          return dir.error();
        return delegate(*dir, actors::lookup_venue_atom_v, std::move(name));
      },
      [this](console_lookup_atom, std::string& endpoint) -> caf::result<caf::actor> {
        std::string why;
        auto ep = config::parse_endpoint(endpoint, false, why);
        auto known = std::any_of(venues_.begin(), venues_.end(),
                                 [&](auto& v) { return config::to_string(v.second) == endpoint; });
        if (!ep || !known)
          return caf::error{net_errc::bad_endpoint,
                            "no exchange node of this farm listens on " + endpoint};
        // Only over a connection the sessions already made: connecting
        // blocks this actor, and venue lookups must not wait behind a
        // console.
        auto i = directories_.find(endpoint);
        if (i == directories_.end())
          return caf::error{net_errc::connect_failed, "not connected to the exchange node at " +
                                                          endpoint +
                                                          " (no session reached it yet)"};
        return delegate(i->second, console_lookup_atom_v);
      },
  };
}

std::string venue_connector::describe() const {
  venue_connector_status x;
  for (auto& [name, ep] : venues_)
    x.venues[name] = config::to_string(ep);
  for (auto& [key, dir] : directories_)
    x.connected.push_back(key);
  x.connects = connects_;
  return runtime::status_json(x);
}

} // namespace tfarm::net
