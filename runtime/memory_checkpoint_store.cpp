#include "runtime/memory_checkpoint_store.hpp"

#include "runtime/status_json.hpp"

namespace tfarm::runtime {

uint64_t memory_checkpoint_backend::save(checkpoint x) {
  std::lock_guard<std::mutex> guard{mtx_};
  x.seq = ++last_seq_;
  auto seq = x.seq;
  auto& versions = by_path_[x.path];
  versions.insert(versions.begin(), std::move(x));
  if (versions.size() > static_cast<size_t>(config::checkpoint_versions_kept))
    versions.resize(static_cast<size_t>(config::checkpoint_versions_kept));
  return seq;
}

checkpoint memory_checkpoint_backend::load(const std::string& path) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = by_path_.find(path);
  return i != by_path_.end() ? i->second.front() : checkpoint{};
}

std::vector<checkpoint> memory_checkpoint_backend::load_versions(const std::string& path) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = by_path_.find(path);
  return i != by_path_.end() ? i->second : std::vector<checkpoint>{};
}

std::size_t memory_checkpoint_backend::size() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return by_path_.size();
}

memory_checkpoint_store::memory_checkpoint_store(caf::actor_config& cfg, spawn_context ctx)
    : super(cfg, std::move(ctx)) {
  backend_ = node() ? node()->memory_backend() : std::make_shared<memory_checkpoint_backend>();
  if (node())
    node()->set_store(caf::actor_cast<checkpoint_store_actor>(this));
}

memory_checkpoint_store::behavior_type memory_checkpoint_store::make_behavior() {
  return {
      [this](load_checkpoint_atom, const std::string& path) -> std::vector<checkpoint> {
        ++loads_;
        return backend_->load_versions(path);
      },
      [this](save_checkpoint_atom, checkpoint& cp) -> caf::result<uint64_t> {
        if (!cp.intact())
          return caf::error{runtime_errc::checkpoint_corrupt,
                            "checkpoint of " + cp.path + " does not match its CRC-32"};
        ++saves_;
        return backend_->save(std::move(cp));
      },
  };
}

std::string memory_checkpoint_store::describe() const {
  return status_json(memory_store_status{backend_->size(), saves_, loads_});
}

} // namespace tfarm::runtime
