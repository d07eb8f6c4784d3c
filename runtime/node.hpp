// One Trading Farm node: an actor system plus its supervision tree.
//
// start() builds the tree from a farm configuration (DESIGN section 3):
//
//   /            rest_for_one (default)  if the store dies, all after it restart
//   ├── store    the checkpoint store (node_options::store)
//   ├── monitor  registry summaries (the farm's monitor, where one is set up)
//   └── user     one supervisor per user, holding that user's agents
//
// Later modules add their subtrees with node_options::extend_tree (the
// persistence module /backup after /store; the domain /exchanges, /vault
// and /risk before /user; net its connectors), so the runtime names no
// domain.
//
// and returns once every static child has started. stop() is bounded: it asks
// the root to stop (children in reverse order, each killed after its shutdown
// timeout) and gives up waiting after the node's shutdown timeout, reporting
// which actors were still alive; the caller must then end the process
// without destroying the actor system, whose destructor would wait for them.
//
// Thread-safety: call a node's member functions from one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/expected.hpp>
#include <caf/scoped_actor.hpp>

#include "config/farm_config.hpp"
#include "runtime/interfaces.hpp"
#include "runtime/kind_registry.hpp"
#include "runtime/node_context.hpp"

namespace tfarm::runtime {

/// The policies a node runs with: the farm's, plus rest_for_one at the root
/// unless the farm gives the root a policy (if the store dies, everything
/// after it restarts). Start and `policy reload` both use it.
config::policy_set node_policies(config::policy_set farm);

/// A /store child of kind "memory_store" (tests; nothing is durable).
child_spec memory_store_spec();

struct node_options {
  config::farm_config farm;
  /// Kinds the node can spawn; the built-in ones when left empty.
  kind_registry kinds;
  /// The /store child (its id is "store").
  child_spec store = memory_store_spec();
  /// Seed for restart jitter; 0 picks one from the clock.
  uint64_t seed = 0;
  /// The clock the node's actors read; a fresh system clock when null.
  /// Tests share one across restarts of a node and advance it.
  std::shared_ptr<runtime::clock> clock;
  /// Checkpoints read from the database before start (every persistent
  /// actor's first start uses them instead of asking the store).
  std::vector<checkpoint> preload;
  /// `preload` holds every checkpoint the database has: an actor whose
  /// path has none starts fresh without asking the store.
  bool preload_complete = false;
  /// Adds message types, error renderers, ... of other modules to the actor
  /// system's configuration before the system starts.
  std::function<void(caf::actor_system_config&)> configure;
  /// Runs once the node context exists, before the tree starts (e.g. to
  /// route incidents into the audit log).
  std::function<void(node_context&)> prepare;
  /// Adds the children of later modules to the default tree before it
  /// starts (e.g. the vault's accounts supervisor and gateway).
  std::function<void(const config::farm_config&, child_spec& root)> extend_tree;
};

/// Outcome of node::stop().
struct stop_report {
  /// True if the whole tree stopped within the shutdown timeout.
  bool clean = false;
  std::chrono::milliseconds took{0};
  /// Paths still alive when the deadline passed.
  std::vector<std::string> stuck;
};

/// The static tree of a farm (without the root's own id) before
/// node_options::extend_tree: `store`, the monitor and the users' agents.
child_spec default_tree(const config::farm_config& farm, child_spec store);

class node {
public:
  /// Starts the node; fails with the error that stopped start-up.
  static caf::expected<std::unique_ptr<node>> start(node_options opts);

  node(const node&) = delete;
  node& operator=(const node&) = delete;

  /// Stops the node (bounded) if stop() was not called. If actors were stuck,
  /// the actor system is deliberately leaked so that this returns.
  ~node();

  caf::actor_system& system() noexcept { return *system_; }
  node_context& context() noexcept { return *context_; }
  const std::shared_ptr<node_context>& context_ptr() const noexcept { return context_; }
  const supervisor_actor& root() const noexcept { return root_; }

  /// Waits up to `timeout` for the root to stop by itself (e.g. after an
  /// escalation); returns true if it has stopped.
  bool wait_for_exit(std::chrono::milliseconds timeout);

  /// True while the root supervisor runs.
  bool running();

  /// Why the root stopped (valid once running() is false).
  const caf::error& exit_reason() const noexcept { return exit_reason_; }

  /// Stops the tree within the node's shutdown timeout: the root and every
  /// actor in the registry must be gone. Later calls return the first report.
  stop_report stop();

private:
  node() = default;

  std::unique_ptr<caf::actor_system_config> cfg_;
  std::unique_ptr<caf::actor_system> system_;
  std::shared_ptr<node_context> context_;
  std::unique_ptr<caf::scoped_actor> self_;
  supervisor_actor root_;
  std::chrono::milliseconds shutdown_timeout_{0};
  bool root_down_ = false;
  bool stopped_ = false;
  stop_report report_;
  caf::error exit_reason_;
};

} // namespace tfarm::runtime
