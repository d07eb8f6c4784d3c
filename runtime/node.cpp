#include "runtime/node.hpp"

#include <chrono>
#include <thread>

#include <caf/exit_reason.hpp>
#include <spdlog/logger.h>

#include "config/suggest.hpp"
#include "runtime/actor_registry.hpp"
#include "runtime/builtin_kinds.hpp"
#include "runtime/error.hpp"
#include "runtime/error_text.hpp"
#include "runtime/logger.hpp"
#include "runtime/supervisor.hpp"
#include "runtime/type_ids.hpp"

namespace tfarm::runtime {

config::policy_set node_policies(config::policy_set farm) {
  if (!farm.find("/")) {
    config::supervisor_policy root_policy;
    root_policy.path = "/";
    root_policy.strategy = config::restart_strategy::rest_for_one;
    farm.add(root_policy);
  }
  return farm;
}

namespace {

/// Time start() waits for the whole static tree to start.
constexpr int64_t node_start_timeout_ms = 60'000;

/// How often stop() looks for actors still alive once the root is down.
constexpr int64_t node_stop_poll_ms = 5;

// Refuses a tree naming a kind the node cannot spawn, before anything starts.
caf::error check_kinds(const child_spec& x, const std::string& parent, const kind_registry& kinds) {
  auto path = x.id.empty() ? std::string{"/"} : child_path(parent, x.id);
  if (!kinds.find(x.kind))
    return caf::error{runtime_errc::unknown_kind, path + ": unknown actor kind '" + x.kind +
                                                      "' (known: " + config::join(kinds.names()) +
                                                      ")"};
  for (auto& c : x.children)
    if (auto err = check_kinds(c, path, kinds))
      return err;
  return {};
}

} // namespace

child_spec memory_store_spec() {
  child_spec x;
  x.id = "store";
  x.kind = "memory_store";
  return x;
}

child_spec default_tree(const config::farm_config& farm, child_spec store) {
  auto root = supervisor_spec("");
  root.children.push_back(std::move(store));
  child_spec monitor;
  monitor.id = "monitor";
  monitor.kind = "monitor";
  monitor.params["interval"] = std::to_string(farm.node.monitor_interval.count()) + "ms";
  root.children.push_back(std::move(monitor));
  auto users = supervisor_spec("user");
  for (auto& u : farm.users) {
    auto user = supervisor_spec(u.name, farm.limits.max_agents_per_user);
    for (auto& a : u.agents) {
      child_spec agent;
      agent.id = a.id;
      agent.kind = a.kind;
      agent.params = a.params;
      user.children.push_back(std::move(agent));
    }
    users.children.push_back(std::move(user));
  }
  root.children.push_back(std::move(users));
  return root;
}

caf::expected<std::unique_ptr<node>> node::start(node_options opts) {
  std::unique_ptr<node> self{new node};
  auto& farm = opts.farm;
  if (opts.kinds.names().empty())
    opts.kinds = builtin_kinds();
  for (auto& u : farm.users) {
    if (u.agents.size() > static_cast<size_t>(farm.limits.max_agents_per_user))
      return caf::error{runtime_errc::too_many_children,
                        "user '" + u.name + "' lists " + std::to_string(u.agents.size()) +
                            " agents; MAX_AGENTS_PER_USER is " +
                            std::to_string(farm.limits.max_agents_per_user)};
  }
  auto policies = node_policies(farm.policies);
  auto seed =
      opts.seed != 0
          ? opts.seed
          : static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  self->cfg_ = std::make_unique<caf::actor_system_config>();
  auto& cfg = *self->cfg_;
  cfg.add_message_types<caf::id_block::tfarm_runtime>();
  if (opts.configure)
    opts.configure(cfg);
  add_error_renderers(cfg);
  if (farm.node.scheduler_threads > 0)
    cfg.set("scheduler.max-threads", static_cast<size_t>(farm.node.scheduler_threads));
  cfg.set("scheduler.policy",
          farm.node.scheduler == "sharing" ? caf::atom("sharing") : caf::atom("stealing"));
  self->system_ = std::make_unique<caf::actor_system>(cfg);
  self->context_ =
      std::make_shared<node_context>(farm.node.name, std::move(opts.kinds), std::move(policies),
                                     farm.limits, seed, farm.checkpoints, opts.clock);
  self->context_->preload(std::move(opts.preload), opts.preload_complete);
  if (opts.prepare)
    opts.prepare(*self->context_);
  self->shutdown_timeout_ = farm.node.shutdown_timeout;
  self->self_ = std::make_unique<caf::scoped_actor>(*self->system_);
  auto tree = default_tree(farm, std::move(opts.store));
  if (opts.extend_tree)
    opts.extend_tree(farm, tree);
  if (auto err = check_kinds(tree, "", self->context_->kinds()))
    return err;
  auto root_kind = self->context_->kinds().find("supervisor");
  auto entry = self->context_->registry().add("/", "supervisor");
  auto spawned = root_kind->spawn(*self->system_, nullptr,
                                  spawn_context{"/", tree, self->context_, entry, {}});
  if (!spawned)
    return spawned.error();
  self->root_ = caf::actor_cast<supervisor_actor>(*spawned);
  auto& scoped = *self->self_;
  scoped->monitor(self->root_);
  caf::error failure;
  scoped
      ->request(self->root_, std::chrono::milliseconds{node_start_timeout_ms}, wait_started_atom_v)
      .receive([](bool) {}, [&](caf::error& err) { failure = std::move(err); });
  if (failure) {
    log().error("node {}: start-up failed: {}", farm.node.name, to_text(failure));
    self->stop();
    return failure;
  }
  log().info("node {}: started ({} actors)", farm.node.name, self->context_->registry().size());
  return self;
}

bool node::wait_for_exit(std::chrono::milliseconds timeout) {
  if (root_down_)
    return true;
  (*self_)->receive(
      [this](caf::down_msg& msg) {
        if (msg.source == root_.address()) {
          root_down_ = true;
          exit_reason_ = std::move(msg.reason);
        }
      },
      caf::after(timeout) >> [] {});
  return root_down_;
}

bool node::running() {
  return !wait_for_exit(std::chrono::milliseconds{0});
}

stop_report node::stop() {
  if (stopped_)
    return report_;
  stopped_ = true;
  if (context_)
    context_->begin_stop();
  if (!root_)
    root_down_ = true; // start-up failed before the root existed
  auto started = std::chrono::steady_clock::now();
  auto deadline = started + shutdown_timeout_;
  auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                 std::chrono::steady_clock::now());
  };
  if (!root_down_)
    (*self_)->send_exit(root_, caf::exit_reason::user_shutdown);
  while (!root_down_ && left().count() > 0)
    wait_for_exit(left());
  // The root going down is not enough: a child its supervisor gave up on
  // (killed, but stuck in a handler) may still run. Wait for the registry.
  auto alive = [&] {
    std::vector<std::string> result;
    context_->registry().for_each([&](const registry_entry& e) {
      if (e.alive())
        result.push_back(e.path());
    });
    return result;
  };
  auto stuck = alive();
  while (!stuck.empty() && left().count() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds{node_stop_poll_ms});
    stuck = alive();
  }
  report_.took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  context_->set_store({});
  report_.clean = root_down_ && stuck.empty();
  if (!report_.clean) {
    report_.stuck = stuck.empty() ? std::vector<std::string>{"/"} : stuck;
    log().error("node {}: {} actors still alive after the shutdown timeout of {} ms",
                context_->node_name(), report_.stuck.size(), shutdown_timeout_.count());
  }
  return report_;
}

node::~node() {
  if (!system_)
    return;
  auto report = stop(); // the first report, if stop() already ran
  self_.reset();
  root_ = nullptr;
  if (!report.clean) {
    // The actor system's destructor would wait for the stuck actors forever.
    static_cast<void>(system_.release());
    static_cast<void>(cfg_.release());
  }
}

} // namespace tfarm::runtime
