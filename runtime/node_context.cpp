#include "runtime/node_context.hpp"

#include "runtime/memory_checkpoint_store.hpp"

namespace tfarm::runtime {

node_context::node_context(std::string node_name, kind_registry kinds, config::policy_set policies,
                           config::runbook_limits limits, uint64_t seed)
    : registry_(std::move(node_name)), kinds_(std::move(kinds)), limits_(limits), seed_(seed),
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

checkpoint_store_actor node_context::store() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return store_;
}

void node_context::set_store(checkpoint_store_actor x) {
  std::lock_guard<std::mutex> guard{mtx_};
  store_ = std::move(x);
}

} // namespace tfarm::runtime
