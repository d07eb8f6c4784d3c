// A trading node's way to venues on exchange nodes: answers "which actor is
// venue X?" for the remote venues of the farm file by connecting (CAF
// middleman) to the exchange node's published venue directory and asking it.
//
// Connections are made lazily (by a session's lookup or the console's) and
// cached per endpoint; a directory that goes down (node lost: heartbeats and
// the connection timeout are on) is dropped and reconnected on the next
// lookup. Connecting goes through the middleman actor asynchronously with
// `connect_timeout_ms`: a peer that accepts and never answers fails the
// lookups waiting for it, and never blocks the lookups of other endpoints.
// Lookups of one endpoint share one connection attempt. Members are touched
// only by the actor.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "config/endpoint.hpp"
#include "config/farm_config.hpp"
#include "config/limits.hpp"
#include "net/console_actor.hpp"
#include "runtime/kind_params.hpp"
#include "runtime/managed_actor.hpp"
#include "runtime/status_fields.hpp"

namespace tfarm::net {

/// The "venue_connector" kind's parameters.
struct venue_connector_params {
  /// The farm's remote venues: "name=host:port" each.
  std::vector<std::string> venues;
  /// Longest wait for a connection (the exchange's request timeout).
  int64_t connect_timeout_ms = config::exchange_request_timeout_ms_default;
};

TFARM_PARAM_FIELDS(venue_connector_params, venues, connect_timeout_ms)

/// The connector's parameters for the farm's remote venues.
venue_connector_params venue_connector_params_for(const config::exchange_settings& ex);

/// The venue connector's registry status.
struct venue_connector_status {
  /// Venue name -> the exchange node's endpoint ("host:port").
  std::map<std::string, std::string> venues;
  /// Endpoints it holds a connection to now.
  std::vector<std::string> connected;
  /// Endpoints a connection attempt is under way to.
  std::vector<std::string> connecting;
  uint64_t connects = 0;
};

TFARM_STATUS_FIELDS(venue_connector_status, "tfarm.venue_connector_status", venues, connected,
                    connecting, connects)

class venue_connector : public runtime::basic_managed_actor<venue_connector_actor::base> {
public:
  using super = runtime::basic_managed_actor<venue_connector_actor::base>;
  using params_type = venue_connector_params;

  venue_connector(caf::actor_config& cfg, runtime::spawn_context ctx);

  static runtime::kind_info kind();

  behavior_type make_behavior() override;

protected:
  std::string describe() const override;

private:
  using directory_callback = std::function<void(caf::expected<exchange_directory_actor>)>;

  /// Calls `f` with the directory at `ep`, connecting first if needed.
  void with_directory(const config::endpoint& ep, directory_callback f);

  void connected(const std::string& key, caf::expected<exchange_directory_actor> dir);

  /// venue -> where its exchange node listens.
  std::map<std::string, config::endpoint> venues_;
  /// "host:port" -> the directory there.
  std::map<std::string, exchange_directory_actor> directories_;
  /// "host:port" -> the lookups waiting for its connection attempt.
  std::map<std::string, std::vector<directory_callback>> connecting_;
  int64_t connect_timeout_ms_;
  uint64_t connects_ = 0;
};

} // namespace tfarm::net
