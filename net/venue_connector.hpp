// A trading node's way to venues on exchange nodes: answers "which actor is
// venue X?" for the remote venues of the farm file by connecting (CAF
// middleman) to the exchange node's published venue directory and asking it.
//
// Connections are made lazily (by a session's lookup or the console's) and
// cached per endpoint; a directory that goes down (node lost: heartbeats and
// the connection timeout are on) is dropped and reconnected on the next
// lookup. Connecting goes through the middleman actor asynchronously: a peer
// that accepts and never answers fails the lookups waiting for it after
// `connect_timeout_ms`, and never blocks the lookups of other endpoints.
// One attempt per endpoint is under way at a time, until the middleman
// answers it (not until its lookups stopped waiting): CAF 0.17's middleman
// cancels nothing when an asker gives up, so attempts asked again while a
// peer is cut off would queue there and each hold a connection at the heal.
// Under TLS an attempt first probes the peer with a connection of its own
// (net/detail/peer_probe.hpp) that must stay open and answer a TLS hello:
// CAF 0.17.6's TLS connect leaks a socket when the peer drops the
// connection at once, and never frees one to a peer that accepts and does
// not answer (a stopped or hung exchange node).
// Members are touched only by the actor.
#pragma once

#include <chrono>
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
  /// Endpoints a connection attempt is under way to (asked of the
  /// middleman and not answered yet).
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
  /// The error naming why an attempt failed.
  using attempt_failure = std::function<caf::error(const std::string&)>;

  /// Calls `f` with the directory at `ep`, connecting first if needed.
  void with_directory(const config::endpoint& ep, directory_callback f);

  /// Asks the middleman to connect to `ep` (no attempt for it under way).
  void start_attempt(const std::string& key, const config::endpoint& ep);
  /// Asks the middleman to connect (the attempt's second step under TLS).
  void connect_through_caf(const config::endpoint& ep, directory_callback done,
                           attempt_failure fail);

  void connected(const std::string& key, caf::expected<exchange_directory_actor> dir);

  /// venue -> where its exchange node listens.
  std::map<std::string, config::endpoint> venues_;
  /// "host:port" -> the directory there.
  std::map<std::string, exchange_directory_actor> directories_;
  /// "host:port" -> the lookups waiting for its connection attempt, and
  /// the token of their deadline.
  std::map<std::string, std::vector<directory_callback>> connecting_;
  std::map<std::string, uint64_t> deadlines_;
  /// "host:port" -> the attempt the middleman has not answered yet: its
  /// number and when it was asked.
  struct attempt {
    uint64_t id = 0;
    std::chrono::steady_clock::time_point since;
  };
  std::map<std::string, attempt> in_flight_;
  int64_t connect_timeout_ms_;
  uint64_t connects_ = 0;
  uint64_t next_token_ = 0;
};

} // namespace tfarm::net
