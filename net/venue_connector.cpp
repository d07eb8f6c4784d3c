#include "net/venue_connector.hpp"

#include <algorithm>
#include <set>

#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>

#include "net/detail/caf_ports.hpp"
#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "actors/exchange/error.hpp"
#include "actors/vault/vault_names.hpp"
#include "net/error.hpp"
#include "net/logger.hpp"
#include "runtime/error_text.hpp"
#include "runtime/status_json.hpp"

namespace tfarm::net {

venue_connector_params venue_connector_params_for(const config::exchange_settings& ex) {
  venue_connector_params p;
  for (auto& v : ex.venues)
    if (v.kind == "remote")
      p.venues.push_back(v.name + "=" + v.endpoint);
  p.connect_timeout_ms = ex.request_timeout.count();
  return p;
}

venue_connector::venue_connector(caf::actor_config& cfg, runtime::spawn_context ctx)
    : super(cfg, std::move(ctx)) {
  auto p = runtime::params_of<venue_connector_params>(spec());
  connect_timeout_ms_ = std::max<int64_t>(1, p.connect_timeout_ms);
  for (auto& item : p.venues) {
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
  return runtime::make_kind<venue_connector>(
      "venue_connector", "reaches venues on exchange nodes (CAF remote messaging)");
}

void venue_connector::with_directory(const config::endpoint& ep, directory_callback f) {
  auto key = config::to_string(ep);
  if (auto i = directories_.find(key); i != directories_.end())
    return f(i->second);
  auto& waiting = connecting_[key];
  waiting.push_back(std::move(f));
  if (waiting.size() > 1)
    return; // one attempt serves every lookup of this endpoint
  ++connects_;
  publish_description();
  auto fail = [this, key](const std::string& why) {
    connected(key, caf::error{net_errc::connect_failed,
                              "cannot connect to the exchange node at " + key + ": " + why});
  };
  request(detail::connector(system()), std::chrono::milliseconds{connect_timeout_ms_},
          caf::connect_atom_v, ep.host, ep.port)
      .then(
          [this, key, fail](const caf::node_id&, caf::strong_actor_ptr& ptr,
                            const std::set<std::string>& ifs) {
            // Asked for the venues' interface only: an exchange node from
            // before the console answers console lookups with an error,
            // and still serves venues.
            if (!ptr)
              return fail("nothing is published at that port");
            if (!system().assignable(ifs, system().message_types<actors::venue_directory_actor>()))
              return fail("the actor there is not a venue directory");
            connected(key, caf::actor_cast<exchange_directory_actor>(std::move(ptr)));
          },
          [fail, this](caf::error& err) {
            fail(err == caf::sec::request_timeout
                     ? "no answer within " + std::to_string(connect_timeout_ms_) + " ms"
                     : runtime::to_text(err));
          });
}

void venue_connector::connected(const std::string& key,
                                caf::expected<exchange_directory_actor> dir) {
  auto waiting = std::move(connecting_[key]);
  connecting_.erase(key);
  if (dir) {
    monitor(*dir);
    directories_.emplace(key, *dir);
    log().info("connected to the exchange node at {}", key);
  } else {
    log().debug("{}", runtime::to_text(dir.error())); // each waiting lookup reports it
  }
  publish_description();
  for (auto& f : waiting)
    f(dir);
}

venue_connector::behavior_type venue_connector::make_behavior() {
  return {
      [this](actors::lookup_venue_atom, std::string& name) -> caf::result<caf::actor> {
        auto i = venues_.find(name);
        if (i == venues_.end())
          return caf::error{actors::exchange_errc::unknown_venue,
                            "venue '" + name + "' is not a remote venue of this farm"};
        auto rp = make_response_promise<caf::actor>();
        with_directory(i->second, [rp, name](caf::expected<exchange_directory_actor> dir) mutable {
          if (!dir)
            rp.deliver(std::move(dir.error()));
          else
            rp.delegate(*dir, actors::lookup_venue_atom_v, std::move(name));
        });
        return rp;
      },
      [this](console_lookup_atom, std::string& endpoint) -> caf::result<caf::actor> {
        auto known = std::find_if(venues_.begin(), venues_.end(),
                                  [&](auto& v) { return config::to_string(v.second) == endpoint; });
        if (known == venues_.end())
          return caf::error{net_errc::bad_endpoint,
                            "no exchange node of this farm listens on " + endpoint};
        auto rp = make_response_promise<caf::actor>();
        with_directory(known->second, [rp](caf::expected<exchange_directory_actor> dir) mutable {
          if (!dir)
            rp.deliver(std::move(dir.error()));
          else
            rp.delegate(*dir, console_lookup_atom_v);
        });
        return rp;
      },
  };
}

std::string venue_connector::describe() const {
  venue_connector_status x;
  for (auto& [name, ep] : venues_)
    x.venues[name] = config::to_string(ep);
  for (auto& [key, dir] : directories_)
    x.connected.push_back(key);
  for (auto& [key, waiting] : connecting_)
    x.connecting.push_back(key);
  x.connects = connects_;
  return runtime::status_json(x);
}

} // namespace tfarm::net
