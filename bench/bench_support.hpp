// Shared plumbing for scenarios: an actor system configured like a node's,
// and a node context with a supervisor tree built from child specs.
#pragma once

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "bench/scenario.hpp"
#include "runtime/clock.hpp"
#include "runtime/error_text.hpp"
#include "runtime/memory_checkpoint_store.hpp"
#include "runtime/node_context.hpp"
#include "runtime/supervisor.hpp"
#include "runtime/type_ids.hpp"

namespace tfarm::bench {

inline std::unique_ptr<caf::actor_system_config> make_config(const scenario_options& opts) {
  auto cfg = std::make_unique<caf::actor_system_config>();
  cfg->add_message_types<caf::id_block::tfarm_runtime>();
  runtime::add_error_renderers(*cfg);
  if (opts.threads > 0)
    cfg->set("scheduler.max-threads", opts.threads);
  cfg->set("scheduler.policy",
           opts.scheduler == "sharing" ? caf::atom("sharing") : caf::atom("stealing"));
  if (opts.poll_sleep_us > 0)
    cfg->set("work-stealing.moderate-sleep-duration",
             caf::timespan{std::chrono::microseconds{opts.poll_sleep_us}});
  return cfg;
}

/// A fresh folder inside `parent` (the system's temp folder when empty),
/// removed on destruction.
class temp_dir {
public:
  explicit temp_dir(const std::string& parent) {
    auto base =
        parent.empty() ? std::filesystem::temp_directory_path() : std::filesystem::path{parent};
    std::string pattern = (base / "tfarm-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("cannot create a folder in " + base.string());
    path_ = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
  std::filesystem::path path_;
};

/// The process's resident memory (VmRSS), bytes; 0 if unknown.
inline double rss_bytes() {
  std::ifstream in{"/proc/self/status"};
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, 6, "VmRSS:") == 0)
      return std::stod(line.substr(6)) * 1024.0; // kB
  return 0;
}

inline int64_t now_ns() {
  return runtime::steady_now_ns();
}

/// A supervised tree in an existing actor system: an in-memory store at
/// /store plus a supervisor at `path` with `children`.
class managed_tree {
public:
  managed_tree(caf::actor_system& sys, runtime::kind_registry kinds,
               config::supervisor_policy policy, std::vector<runtime::child_spec> children)
      : sys_(sys) {
    config::policy_set ps;
    auto path = policy.path;
    ps.add(std::move(policy));
    ctx_ = std::make_shared<runtime::node_context>("bench", std::move(kinds), std::move(ps),
                                                   config::runbook_limits{}, 1);
    runtime::child_spec store;
    store.id = "store";
    store.kind = "memory_store";
    store_ = caf::actor_cast<caf::actor>(
        sys.spawn<runtime::memory_checkpoint_store>(runtime::spawn_context{
            "/store", store, ctx_, ctx_->registry().add("/store", "memory_store"), {}}));
    runtime::child_spec root;
    root.id = path.substr(1);
    root.kind = "supervisor";
    root.children = std::move(children);
    root_ = sys.spawn<runtime::supervisor>(
        runtime::spawn_context{path, root, ctx_, ctx_->registry().add(path, "supervisor"), {}});
    caf::scoped_actor self{sys};
    self->request(root_, std::chrono::seconds{30}, runtime::wait_started_atom_v)
        .receive([](bool) {}, [](caf::error&) {});
  }

  ~managed_tree() {
    caf::scoped_actor self{sys_};
    self->monitor(root_);
    self->send_exit(root_, caf::exit_reason::user_shutdown);
    self->receive([](caf::down_msg&) {}, caf::after(std::chrono::seconds{30}) >> [] {});
    ctx_->set_store({});
    self->send_exit(store_, caf::exit_reason::kill);
  }

  runtime::node_context& context() { return *ctx_; }

  caf::actor handle(const std::string& path) {
    auto entry = ctx_->registry().find(path);
    return entry ? entry->handle() : caf::actor{};
  }

private:
  caf::actor_system& sys_;
  std::shared_ptr<runtime::node_context> ctx_;
  caf::actor store_;
  runtime::supervisor_actor root_;
};

} // namespace tfarm::bench
