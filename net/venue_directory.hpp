// The exchange role's door: on a node that offers its simulated venues to
// other nodes ([exchange] listen), this actor is published on the listen
// port and answers "which actor is venue X?" with the venue's current
// incarnation.
//
// Publishing the directory rather than each venue keeps one port per node
// and survives venue restarts: a session whose venue proxy went down asks
// again and gets the new incarnation. Stateless; a restart re-publishes.
// Detached (publishing and closing the port block); members are touched
// only by the actor. It also hands out this node's console inspector to
// the trading nodes it serves (`--node` in the console).
#pragma once

#include <cstdint>
#include <string>

#include "net/console_actor.hpp"
#include "runtime/kind_params.hpp"
#include "runtime/managed_actor.hpp"
#include "runtime/status_fields.hpp"

namespace tfarm::net {

/// The venue directory's registry status.
struct venue_directory_status {
  /// Where it listens; port 0 until it is bound.
  std::string host;
  uint16_t port = 0;
  uint64_t lookups = 0;
};

TFARM_STATUS_FIELDS(venue_directory_status, "tfarm.venue_directory_status", host, port, lookups)

/// The "venue_directory" kind's parameters: where it listens.
struct venue_directory_params {
  std::string host = "127.0.0.1";
  /// 0: any free port (its status names the one bound).
  uint32_t port = 0;
};

TFARM_PARAM_FIELDS(venue_directory_params, host, port)

class venue_directory : public runtime::basic_managed_actor<exchange_directory_actor::base> {
public:
  using super = runtime::basic_managed_actor<exchange_directory_actor::base>;
  using params_type = venue_directory_params;

  venue_directory(caf::actor_config& cfg, runtime::spawn_context ctx);

  static runtime::kind_info kind();

  behavior_type make_behavior() override;

  void on_exit() override;

protected:
  std::string describe() const override;

private:
  std::string host_;
  uint16_t port_ = 0;
  /// The port bound (differs from port_ when port_ is 0).
  uint16_t bound_ = 0;
  uint64_t lookups_ = 0;
};

} // namespace tfarm::net
