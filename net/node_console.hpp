// The console endpoint of a running node: an inspector actor published on
// [console] bind:port through CAF's middleman, and a few detached workers
// that run commands (console_service) so that a slow one (a reconcile)
// does not hold up the rest. Started and stopped like node_http: stop it
// before the node.
//
// Why outside the supervision tree: like the HTTP API it is an interface to
// the tree, not part of it; it must not restart with the tree, and a node
// keeps answering its operators while its root restarts children.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <caf/actor.hpp>
#include <caf/expected.hpp>

#include "config/farm_config.hpp"
#include "net/console_service.hpp"
#include "runtime/node.hpp"

namespace tfarm::net {

class node_console {
public:
  /// Publishes the inspector on `x.bind`:`x.port` (0 picks a free port; the
  /// caller decides whether the console is on). The node must have CAF's
  /// middleman loaded (net::configure).
  static caf::expected<std::unique_ptr<node_console>>
  start(runtime::node& node, const config::console_settings& x, console_options opts);

  ~node_console();

  uint16_t port() const noexcept { return port_; }

  /// Closes the port and ends the inspector and its workers (a worker in
  /// the middle of a command finishes it first: its waits are bounded).
  void stop();

private:
  node_console(runtime::node& node) : node_(node) {}

  runtime::node& node_;
  std::shared_ptr<console_service> service_;
  caf::actor inspector_;
  std::vector<caf::actor> workers_;
  uint16_t port_ = 0;
  bool stopped_ = false;
};

} // namespace tfarm::net
