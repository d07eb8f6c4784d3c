#include "runtime/actor_registry.hpp"

#include <algorithm>

#include <caf/actor_cast.hpp>

#include "runtime/checkpoint.hpp"

namespace tfarm::runtime {

// -- path helpers -------------------------------------------------------------

bool path_within(std::string_view path, std::string_view prefix) noexcept {
  if (prefix.empty() || prefix == "/")
    return !path.empty() && path.front() == '/';
  if (path.size() < prefix.size() || path.compare(0, prefix.size(), prefix) != 0)
    return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/';
}

std::string parent_path(std::string_view path) {
  if (path.empty() || path == "/")
    return {};
  auto pos = path.rfind('/');
  if (pos == 0)
    return "/";
  return std::string{path.substr(0, pos)};
}

std::string child_path(std::string_view parent, std::string_view id) {
  std::string result{parent};
  if (result.empty() || result.back() != '/')
    result += '/';
  result += id;
  return result;
}

std::string normalize_path(std::string p) {
  if (p.empty() || p[0] != '/')
    p.insert(p.begin(), '/');
  while (p.size() > 1 && p.back() == '/')
    p.pop_back();
  return p;
}

// -- registry_entry -----------------------------------------------------------

registry_entry::registry_entry(std::string path, std::string kind, std::string node, uint64_t order)
    : path_(std::move(path)), kind_(std::move(kind)), node_(std::move(node)), order_(order) {
  // nop
}

std::shared_ptr<actor_counters> registry_entry::attach(caf::actor_addr addr) {
  auto counters = std::make_shared<actor_counters>();
  std::lock_guard<std::mutex> guard{mtx_};
  addr_ = std::move(addr);
  // Saves the previous instance left unacknowledged may still land in the
  // store, and a previous instance still attached may still write: the
  // cache cannot be trusted until this instance saves again.
  if (saves_in_flight_ > 0)
    cached_.reset();
  if (current_)
    stale_writer_ = true; // the previous instance is still alive
  saves_in_flight_ = 0;
  if (current_)
    handled_before_ += current_->handled.load(std::memory_order_relaxed);
  current_ = counters;
  ++incarnations_;
  started_at_ms_ = unix_now_ms();
  return counters;
}

void registry_entry::detach(const std::shared_ptr<actor_counters>& counters) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (current_ != counters)
    return;
  handled_before_ += current_->handled.load(std::memory_order_relaxed);
  current_.reset();
  addr_ = nullptr;
}

void registry_entry::set_description(std::string json) {
  std::lock_guard<std::mutex> guard{mtx_};
  state_json_ = std::move(json);
}

void registry_entry::set_checkpoint(uint64_t seq, int64_t at_ms) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (seq >= checkpoint_seq_) {
    checkpoint_seq_ = seq;
    checkpoint_at_ms_ = at_ms;
  }
}

void registry_entry::begin_save(const actor_counters* counters) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (current_.get() == counters)
    ++saves_in_flight_;
  else
    stale_writer_ = true;
}

void registry_entry::end_save(const actor_counters* counters,
                              std::shared_ptr<const checkpoint> saved) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (current_.get() != counters) {
    stale_writer_ = true;
    return;
  }
  if (saves_in_flight_ > 0)
    --saves_in_flight_;
  if (!saved) {
    cached_.reset(); // the store's state is unknown now
    return;
  }
  if (!cached_ || saved->seq > cached_->seq)
    cached_ = std::move(saved);
}

std::shared_ptr<const checkpoint> registry_entry::cached_checkpoint() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return current_ == nullptr && saves_in_flight_ == 0 && !stale_writer_ ? cached_ : nullptr;
}

void registry_entry::record_failure(std::string reason, int64_t at_ms) {
  std::lock_guard<std::mutex> guard{mtx_};
  failures_.push_back(failure_record{at_ms, std::move(reason)});
  if (failures_.size() > failure_history_max)
    failures_.erase(failures_.begin(),
                    failures_.begin() +
                        static_cast<std::ptrdiff_t>(failures_.size() - failure_history_max));
}

void registry_entry::record_restart() {
  std::lock_guard<std::mutex> guard{mtx_};
  ++restarts_;
}

actor_info registry_entry::snapshot() const {
  actor_info x;
  x.path = path_;
  x.kind = kind_;
  x.node = node_;
  std::lock_guard<std::mutex> guard{mtx_};
  x.alive = current_ != nullptr;
  x.incarnations = incarnations_;
  x.restarts = restarts_;
  x.failures = failures_;
  x.messages_handled = handled_before_;
  if (current_) {
    auto handled = current_->handled.load(std::memory_order_relaxed);
    auto enqueued = current_->enqueued.load(std::memory_order_relaxed);
    x.messages_handled += handled;
    x.mailbox_size = enqueued > handled ? enqueued - handled : 0;
  }
  x.checkpoint_seq = checkpoint_seq_;
  x.checkpoint_at_ms = checkpoint_at_ms_;
  x.started_at_ms = started_at_ms_;
  x.state_json = state_json_;
  return x;
}

bool registry_entry::alive() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return current_ != nullptr;
}

uint64_t registry_entry::restarts() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return restarts_;
}

uint64_t registry_entry::checkpoint_seq() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return checkpoint_seq_;
}

caf::actor registry_entry::handle() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return caf::actor_cast<caf::actor>(addr_);
}

// -- actor_registry -----------------------------------------------------------

actor_registry::actor_registry(std::string node_name) : node_name_(std::move(node_name)) {
  // nop
}

std::shared_ptr<registry_entry> actor_registry::add(const std::string& path,
                                                    const std::string& kind) {
  std::unique_lock<std::shared_mutex> guard{mtx_};
  auto i = entries_.find(path);
  if (i != entries_.end())
    return i->second;
  auto entry = std::make_shared<registry_entry>(path, kind, node_name_, next_order_++);
  entries_.emplace(path, entry);
  return entry;
}

void actor_registry::remove(const std::string& path) {
  std::unique_lock<std::shared_mutex> guard{mtx_};
  entries_.erase(path);
}

std::shared_ptr<registry_entry> actor_registry::find(std::string_view path) const {
  std::shared_lock<std::shared_mutex> guard{mtx_};
  auto i = entries_.find(path);
  return i != entries_.end() ? i->second : nullptr;
}

std::vector<std::shared_ptr<registry_entry>>
actor_registry::matching(std::string_view prefix) const {
  std::vector<std::shared_ptr<registry_entry>> result;
  {
    std::shared_lock<std::shared_mutex> guard{mtx_};
    auto first = prefix == "/" ? entries_.begin() : entries_.lower_bound(prefix);
    for (auto i = first; i != entries_.end(); ++i) {
      if (path_within(i->first, prefix))
        result.push_back(i->second);
      else if (prefix != "/" && i->first.compare(0, prefix.size(), prefix) != 0)
        break;
    }
  }
  // Depth-first in start order: sort by the chain of ancestors' orders.
  std::map<std::string, uint64_t, std::less<>> order_of;
  for (auto& e : result)
    order_of.emplace(e->path(), e->order());
  auto key = [&](const std::string& path) {
    std::vector<std::pair<uint64_t, std::string>> chain;
    for (auto p = path; !p.empty(); p = parent_path(p)) {
      auto i = order_of.find(p);
      chain.emplace_back(i != order_of.end() ? i->second : 0, p);
      if (p == "/")
        break;
    }
    std::reverse(chain.begin(), chain.end());
    return chain;
  };
  std::vector<std::pair<std::vector<std::pair<uint64_t, std::string>>, size_t>> keyed;
  keyed.reserve(result.size());
  for (size_t i = 0; i < result.size(); ++i)
    keyed.emplace_back(key(result[i]->path()), i);
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::shared_ptr<registry_entry>> sorted;
  sorted.reserve(result.size());
  for (auto& [k, i] : keyed)
    sorted.push_back(result[i]);
  return sorted;
}

std::vector<actor_info> actor_registry::query(std::string_view prefix) const {
  std::vector<actor_info> result;
  for (auto& e : matching(prefix))
    result.push_back(e->snapshot());
  return result;
}

std::vector<std::string> actor_registry::paths(std::string_view prefix) const {
  std::vector<std::string> result;
  for (auto& e : matching(prefix))
    result.push_back(e->path());
  return result;
}

std::size_t actor_registry::size() const {
  std::shared_lock<std::shared_mutex> guard{mtx_};
  return entries_.size();
}

void actor_registry::for_each(const std::function<void(const registry_entry&)>& f) const {
  std::shared_lock<std::shared_mutex> guard{mtx_};
  for (auto& [path, entry] : entries_)
    f(*entry);
}

} // namespace tfarm::runtime
