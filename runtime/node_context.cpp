#include "runtime/node_context.hpp"

#include <algorithm>

#include <spdlog/logger.h>

#include "config/limits.hpp"
#include "runtime/logger.hpp"
#include "runtime/memory_checkpoint_store.hpp"

namespace tfarm::runtime {

node_context::node_context(std::string node_name, kind_registry kinds, config::policy_set policies,
                           config::runbook_limits limits, uint64_t seed,
                           config::checkpoint_settings checkpoints,
                           std::shared_ptr<runtime::clock> clock)
    : registry_(std::move(node_name)), kinds_(std::move(kinds)), limits_(limits), seed_(seed),
      checkpoints_(std::move(checkpoints)),
      clock_(clock ? std::move(clock) : std::make_shared<runtime::clock>()),
      policies_(std::move(policies)),
      memory_backend_(std::make_shared<memory_checkpoint_backend>()) {
  // nop
}

config::supervisor_policy node_context::policy_for(const std::string& path) const {
  std::lock_guard<std::mutex> guard{mtx_};
  return policies_.resolve(path);
}

void node_context::set_policies(config::policy_set x) {
  std::lock_guard<std::mutex> guard{mtx_};
  policies_ = std::move(x);
}

config::policy_set node_context::policies() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return policies_;
}

void node_context::preload(std::vector<checkpoint> xs, bool complete) {
  std::lock_guard<std::mutex> guard{mtx_};
  preload_complete_ = complete;
  for (auto& x : xs)
    preloaded_[x.path].push_back(std::move(x));
  for (auto& [path, versions] : preloaded_)
    std::sort(versions.begin(), versions.end(),
              [](const checkpoint& a, const checkpoint& b) { return a.seq > b.seq; });
}

std::optional<std::vector<checkpoint>> node_context::take_preloaded(const std::string& path) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (!preload_taken_.insert(path).second)
    return std::nullopt; // a later start: saves may have happened since
  auto i = preloaded_.find(path);
  if (i == preloaded_.end()) {
    if (preload_complete_)
      return std::vector<checkpoint>{};
    return std::nullopt;
  }
  auto result = std::move(i->second);
  preloaded_.erase(i);
  return result;
}

void node_context::report(const incident& x) const {
  if (x.severity == "critical")
    log().critical("{}: {}: {}", x.path, x.action, x.detail);
  else
    log().error("{}: {}: {}", x.path, x.action, x.detail);
  incident_sink sink;
  incident_sink watcher;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    sink = incident_sink_;
    watcher = incident_watcher_;
  }
  if (sink)
    sink(x);
  if (watcher) {
    watcher(x);
    return;
  }
  std::lock_guard<std::mutex> guard{mtx_};
  if (pending_incidents_.size() >= config::incidents_pending_max)
    pending_incidents_.pop_front();
  pending_incidents_.push_back(x);
}

void node_context::set_incident_watcher(incident_sink f) {
  std::deque<incident> backlog;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    incident_watcher_ = f;
    if (f)
      backlog.swap(pending_incidents_);
  }
  for (auto& x : backlog)
    f(x);
}

void node_context::set_incident_sink(incident_sink f) {
  std::lock_guard<std::mutex> guard{mtx_};
  incident_sink_ = std::move(f);
}

checkpoint_store_actor node_context::store() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return store_;
}

void node_context::set_store(checkpoint_store_actor x) {
  std::lock_guard<std::mutex> guard{mtx_};
  store_ = std::move(x);
}

} // namespace tfarm::runtime
