#include "net/venue_directory.hpp"

#include <algorithm>

#include <caf/actor_registry.hpp>
#include <caf/io/middleman.hpp>

#include "net/detail/caf_ports.hpp"
#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "actors/exchange/error.hpp"
#include "actors/exchange/exchange_session.hpp"
#include "net/error.hpp"
#include "net/logger.hpp"
#include "runtime/actor_registry.hpp"
#include "runtime/error_text.hpp"
#include "runtime/status_json.hpp"

namespace tfarm::net {

venue_directory::venue_directory(caf::actor_config& cfg, runtime::spawn_context ctx)
    : super(cfg, std::move(ctx)) {
  auto p = runtime::params_of<venue_directory_params>(spec());
  host_ = p.host;
  port_ = static_cast<uint16_t>(std::min<uint32_t>(p.port, UINT16_MAX));
}

runtime::kind_info venue_directory::kind() {
  // Detached: publishing binds a socket through the middleman (blocking).
  return runtime::make_kind<venue_directory, caf::detached>(
      "venue_directory", "exchange role: offers this node's venues to other nodes");
}

venue_directory::behavior_type venue_directory::make_behavior() {
  auto self = caf::actor_cast<exchange_directory_actor>(this);
  // Binding a listening socket is quick; a port in use is an error the
  // supervisor sees (and the operator reads in the log).
  auto host = host_ == "0.0.0.0" ? std::string{} : host_;
  auto bound = detail::publish_on(system(), self, port_, host.empty() ? nullptr : host.c_str());
  if (!bound) {
    auto err = caf::error{net_errc::publish_failed, "cannot offer the venues on " + host_ + ":" +
                                                        std::to_string(port_) + ": " +
                                                        runtime::to_text(bound.error())};
    log().error("{}", runtime::message_of(err));
    quit(err);
  } else {
    bound_ = *bound;
    log().info("exchange role: venues offered on {}:{}", host_, bound_);
    publish_description();
  }
  return {
      [this](actors::lookup_venue_atom, std::string& name) -> caf::result<caf::actor> {
        ++lookups_;
        auto entry = node() ? node()->registry().find(actors::venue_path(name)) : nullptr;
        if (!entry || !entry->handle()) {
          std::string known;
          if (node())
            for (auto& p : node()->registry().paths("/exchanges/venues"))
              if (p != "/exchanges/venues")
                known += (known.empty() ? "" : ", ") + p.substr(p.rfind('/') + 1);
          return caf::error{actors::exchange_errc::unknown_venue,
                            "exchange node " + (node() ? node()->node_name() : std::string{"?"}) +
                                " has no venue '" + name + "' running (has: " +
                                (known.empty() ? std::string{"none"} : known) + ")"};
        }
        return caf::actor_cast<caf::actor>(entry->handle());
      },
      [this](console_lookup_atom) -> caf::result<caf::actor> {
        auto inspector = system().registry().get(console_registry_name);
        if (!inspector)
          return caf::error{net_errc::connect_failed,
                            "node " + (node() ? node()->node_name() : std::string{"?"}) +
                                " has its console off ([console] port = 0)"};
        return caf::actor_cast<caf::actor>(inspector);
      },
  };
}

void venue_directory::on_exit() {
  if (bound_ != 0)
    system().middleman().close(bound_);
  super::on_exit();
}

std::string venue_directory::describe() const {
  return runtime::status_json(venue_directory_status{host_, bound_, lookups_});
}

} // namespace tfarm::net
