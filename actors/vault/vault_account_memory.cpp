// What a vault account keeps in memory (vault_account.hpp): the newest
// `cached_operations` results whole, the rest of the idempotency window as
// key digests, and as many closed reservations; older ones are read back
// from the store when a request needs them.
#include "actors/vault/vault_account.hpp"

#include <algorithm>

#include "config/limits.hpp"

namespace tfarm::actors {

using persistence::reservation_record;
using persistence::vault_op_record;

uint32_t vault_account::cache_limit() const {
  return static_cast<uint32_t>(std::clamp<int64_t>(params_.cached_operations,
                                                   config::vault_cached_operations_min,
                                                   config::vault_cached_operations_max));
}

void vault_account::remember(vault_op_record row) {
  if (row.created_at_ms == 0)
    row.created_at_ms = node_clock().unix_ms();
  auto key = row.key;
  auto closes = row.op == "settle" || row.op == "release" ? row.ref : std::string{};
  if (results_.insert_or_assign(key, std::move(row)).second)
    result_order_.push_back(key);
  auto horizon = node_clock().unix_ms() - params_.window_ms;
  while (!result_order_.empty()) {
    auto i = results_.find(result_order_.front());
    if (i != results_.end()) {
      auto at = i->second.created_at_ms;
      if (result_order_.size() <= cache_limit() && at >= horizon)
        break;
      if (at >= horizon) {
        // Out of the cache, still in the window: a replay reads its row.
        auto digest = persistence::key_digest_of(i->first);
        older_keys_.insert(digest);
        older_order_.push_back(persistence::key_digest{digest, at});
      }
      results_.erase(i);
    }
    result_order_.pop_front();
  }
  while (!older_order_.empty() && older_order_.front().at_ms < horizon) {
    older_keys_.erase(older_order_.front().digest);
    older_order_.pop_front();
  }
  if (!closes.empty())
    queue_closed(closes);
}

void vault_account::put_reservation(const reservation_record& r) {
  auto [i, added] =
      reservations_.try_emplace(r.id, reservation{r.asset, r.amount, r.remaining, r.state,
                                                  r.created_at_ms, r.terms, r.filled});
  if (added && r.state == "open")
    ++open_reservations_;
}

void vault_account::queue_closed(const std::string& id) {
  auto i = reservations_.find(id);
  if (i == reservations_.end() || i->second.state == "open" || i->second.queued)
    return;
  i->second.queued = true;
  closed_order_.push_back(id);
  while (closed_order_.size() > cache_limit()) {
    auto& oldest = closed_order_.front();
    auto j = reservations_.find(oldest);
    if (j != reservations_.end()) {
      // Kept while a write about it is in flight: a decision after it
      // must see it, and the store may not hold it yet.
      auto busy = std::any_of(in_flight_.begin(), in_flight_.end(),
                              [&](auto& w) { return w.second.row.ref == oldest; });
      if (busy)
        break;
      reservations_.erase(j);
    }
    closed_order_.pop_front();
  }
}

} // namespace tfarm::actors
