#include "net/venue_connector.hpp"

#include <algorithm>
#include <set>

#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "actors/exchange/error.hpp"
#include "actors/vault/vault_names.hpp"
#include "net/detail/caf_ports.hpp"
#include "net/detail/peer_probe.hpp"
#include "net/error.hpp"
#include "net/logger.hpp"
#include "runtime/error_text.hpp"
#include "runtime/status_json.hpp"

namespace tfarm::net {

namespace {

/// An attempt the middleman has not answered after this long is given up
/// and another one asked: longer than a connect to a peer whose SYNs are
/// dropped blocks the middleman on Linux (127 s with tcp_syn_retries = 6).
constexpr int64_t connect_abandon_ms = 150'000;

} // namespace

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
    return; // one deadline and one attempt serve every lookup of this endpoint
  auto token = ++next_token_;
  deadlines_[key] = token;
  delayed_send(this, std::chrono::milliseconds{connect_timeout_ms_}, connect_wait_atom_v, key,
               token);
  auto now = std::chrono::steady_clock::now();
  if (auto a = in_flight_.find(key);
      a != in_flight_.end() &&
      now - a->second.since < std::chrono::milliseconds{connect_abandon_ms})
    return; // the middleman still works on the last attempt: its answer serves these lookups
  start_attempt(key, ep);
}

void venue_connector::start_attempt(const std::string& key, const config::endpoint& ep) {
  auto id = ++next_token_;
  in_flight_[key] = attempt{id, std::chrono::steady_clock::now()};
  ++connects_;
  publish_description();
  directory_callback done = [this, key, id](caf::expected<exchange_directory_actor> dir) {
    if (auto a = in_flight_.find(key); a != in_flight_.end() && a->second.id == id)
      in_flight_.erase(a);
    connected(key, std::move(dir));
  };
  attempt_failure fail = [key](const std::string& why) {
    return caf::error{net_errc::connect_failed,
                      "cannot connect to the exchange node at " + key + ": " + why};
  };
  if (!system().has_openssl_manager()) {
    connect_through_caf(ep, done, fail);
    return;
  }
  // TLS: a peer that drops connections at once is seen by a probe first
  // (net/detail/peer_probe.hpp: CAF's TLS connect would leak a socket per
  // attempt). The probe blocks, so it runs in a thread of its own.
  auto probe = system().spawn<caf::detached>([](caf::event_based_actor* self) -> caf::behavior {
    return {[self](const std::string& host, uint16_t port, int64_t timeout_ms) {
      self->quit();
      return detail::probe_peer(host, port, std::chrono::milliseconds{timeout_ms}, true);
    }};
  });
  request(probe, caf::infinite, ep.host, ep.port, connect_timeout_ms_)
      .then(
          [this, ep, done, fail](std::string& why) {
            if (!why.empty())
              return done(fail(why));
            connect_through_caf(ep, done, fail);
          },
          [done, fail](caf::error& err) { done(fail(runtime::to_text(err))); });
}

void venue_connector::connect_through_caf(const config::endpoint& ep, directory_callback done,
                                          attempt_failure fail) {
  // No timeout here: the lookups' deadline is connect_wait_atom's.
  request(detail::connector(system()), caf::infinite, caf::connect_atom_v, ep.host, ep.port)
      .then(
          [this, done, fail](const caf::node_id&, caf::strong_actor_ptr& ptr,
                             const std::set<std::string>& ifs) {
            // Asked for the venues' interface only: an exchange node from
            // before the console answers console lookups with an error,
            // and still serves venues.
            if (!ptr)
              return done(fail("nothing is published at that port"));
            if (!system().assignable(ifs, system().message_types<actors::venue_directory_actor>()))
              return done(fail("the actor there is not a venue directory"));
            done(caf::actor_cast<exchange_directory_actor>(std::move(ptr)));
          },
          [done, fail](caf::error& err) { done(fail(runtime::to_text(err))); });
}

void venue_connector::connected(const std::string& key,
                                caf::expected<exchange_directory_actor> dir) {
  auto waiting = std::move(connecting_[key]);
  connecting_.erase(key);
  deadlines_.erase(key);
  if (dir) {
    if (directories_.emplace(key, *dir).second) {
      monitor(*dir);
      log().info("connected to the exchange node at {}", key);
    }
  } else {
    log().debug("{}", runtime::to_text(dir.error())); // each waiting lookup reports it
  }
  publish_description();
  for (auto& f : waiting)
    f(dir);
}

venue_connector::behavior_type venue_connector::make_behavior() {
  return {
      [this](connect_wait_atom, const std::string& key, uint64_t token) {
        auto d = deadlines_.find(key);
        if (d == deadlines_.end() || d->second != token)
          return; // answered in time
        deadlines_.erase(d);
        auto waiting = std::move(connecting_[key]);
        connecting_.erase(key);
        publish_description();
        caf::error why{net_errc::connect_failed, "cannot connect to the exchange node at " + key +
                                                     ": no answer within " +
                                                     std::to_string(connect_timeout_ms_) + " ms"};
        log().debug("{}", runtime::to_text(why));
        for (auto& f : waiting)
          f(why);
      },
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
  for (auto& [key, a] : in_flight_)
    x.connecting.push_back(key);
  x.connects = connects_;
  return runtime::status_json(x);
}

} // namespace tfarm::net
