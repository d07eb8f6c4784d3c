// The node's actor registry: one entry per actor path, kept across restarts.
//
// Entries outlive actor instances: a supervisor creates an entry when it adds
// a child and removes it when the child is removed, and every incarnation of
// the child attaches to the same entry. That is what keeps restart counts,
// failure history and message totals exact through restarts.
//
// Thread-safety: everything here may be called from any thread. The per-
// message counters are relaxed atomics in a per-incarnation block (the hot
// path takes no lock); everything else is guarded by a mutex per entry, and
// the path map by a shared mutex. Registry accounting is why the supervised
// actors of bench/ pay a few nanoseconds per message.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>

#include "runtime/actor_info.hpp"
#include "runtime/checkpoint.hpp"

namespace tfarm::runtime {

/// Failures remembered per entry (the newest; older ones are dropped).
constexpr std::size_t failure_history_max = 8;

/// Message counters of one actor instance. Written by the actor (handled) and
/// by its senders (enqueued); read by anyone. Each counter has a cache line of
/// its own: senders and the actor write them concurrently, and sharing a
/// line would make every message pay for the other side's writes.
struct actor_counters {
  alignas(64) std::atomic<uint64_t> enqueued{0};
  alignas(64) std::atomic<uint64_t> handled{0};
};

class registry_entry {
public:
  registry_entry(std::string path, std::string kind, std::string node, uint64_t order);

  registry_entry(const registry_entry&) = delete;
  registry_entry& operator=(const registry_entry&) = delete;

  const std::string& path() const noexcept { return path_; }
  const std::string& kind() const noexcept { return kind_; }

  /// Creation order on the node; siblings sort by it (start order).
  uint64_t order() const noexcept { return order_; }

  // -- called by the actor's instances ---------------------------------------

  /// A new instance starts; returns its counters.
  std::shared_ptr<actor_counters> attach(caf::actor_addr addr);

  /// The instance owning `counters` ended; its handled count joins the total.
  void detach(const std::shared_ptr<actor_counters>& counters);

  void set_description(std::string json);
  void set_checkpoint(uint64_t seq, int64_t at_ms);

  /// The instance owning `counters` sent a checkpoint save to the store.
  void begin_save(const actor_counters* counters);

  /// The store acknowledged `saved` (with its seq), or the save failed
  /// (nullptr), for the instance owning `counters`.
  void end_save(const actor_counters* counters, std::shared_ptr<const checkpoint> saved);

  // -- called by the supervisor ------------------------------------------------

  void record_failure(std::string reason, int64_t at_ms);
  void record_restart();

  // -- queries ---------------------------------------------------------------

  actor_info snapshot() const;
  bool alive() const;
  uint64_t restarts() const;
  uint64_t checkpoint_seq() const;

  /// The newest acknowledged checkpoint, if it is certainly the newest one
  /// the store holds: no instance is attached (alive) and none of the last
  /// instance's saves was in flight when it ended.
  /// Lets a supervisor restart a child without a round trip to the store;
  /// otherwise (nullptr) the store must be asked, which orders the load
  /// after any save still in flight.
  std::shared_ptr<const checkpoint> cached_checkpoint() const;

  /// The running instance, or an invalid handle (a weak reference is kept,
  /// so the registry never keeps an actor alive).
  caf::actor handle() const;

private:
  const std::string path_;
  const std::string kind_;
  const std::string node_;
  const uint64_t order_;
  mutable std::mutex mtx_;
  std::shared_ptr<actor_counters> current_;
  caf::actor_addr addr_;
  uint64_t handled_before_ = 0;
  uint64_t incarnations_ = 0;
  uint64_t restarts_ = 0;
  /// Oldest first; a vector because most entries never fail (an empty
  /// std::deque still allocates).
  std::vector<failure_record> failures_;
  uint64_t checkpoint_seq_ = 0;
  int64_t checkpoint_at_ms_ = 0;
  std::shared_ptr<const checkpoint> cached_;
  uint32_t saves_in_flight_ = 0;
  /// An instance outlived its replacement (stuck past its kill) and wrote:
  /// only the store can order such writes, so the cache stays off for good.
  bool stale_writer_ = false;
  int64_t started_at_ms_ = 0;
  std::string state_json_ = "{}";
};

class actor_registry {
public:
  explicit actor_registry(std::string node_name);

  const std::string& node_name() const noexcept { return node_name_; }

  /// Returns the entry for `path`, creating it with `kind` if absent (an
  /// existing entry is returned unchanged: a re-added child keeps its history).
  std::shared_ptr<registry_entry> add(const std::string& path, const std::string& kind);

  /// Removes `path` (not its descendants).
  void remove(const std::string& path);

  std::shared_ptr<registry_entry> find(std::string_view path) const;

  /// Snapshots of `prefix` and everything below it ("/" for all), parents
  /// before children and siblings in start order.
  std::vector<actor_info> query(std::string_view prefix = "/") const;

  /// Paths under `prefix`, for completion and "did you mean".
  std::vector<std::string> paths(std::string_view prefix = "/") const;

  std::size_t size() const;

  /// Calls `f` with every entry, in no particular order (cheaper than
  /// query() for counting over large trees). `f` must not call back into
  /// the registry's add() or remove().
  void for_each(const std::function<void(const registry_entry&)>& f) const;

private:
  std::vector<std::shared_ptr<registry_entry>> matching(std::string_view prefix) const;

  const std::string node_name_;
  mutable std::shared_mutex mtx_;
  std::map<std::string, std::shared_ptr<registry_entry>, std::less<>> entries_;
  std::atomic<uint64_t> next_order_{0};
};

/// True if `path` equals `prefix` or lies below it.
bool path_within(std::string_view path, std::string_view prefix) noexcept;

/// The parent path ("/a/b" -> "/a", "/a" -> "/", "/" -> "").
std::string parent_path(std::string_view path);

/// Joins a parent path and a child id ("/" + "a" -> "/a").
std::string child_path(std::string_view parent, std::string_view id);

/// A path as an operator may type it, made absolute without a trailing
/// slash ("user/alice/" -> "/user/alice", "" -> "/").
std::string normalize_path(std::string path);

} // namespace tfarm::runtime
