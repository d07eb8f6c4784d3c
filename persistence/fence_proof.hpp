// The fence proved per write, from user_writes: the store notes, in each
// transaction that wrote for a user, the member and the epoch it wrote
// under, with the store's order of those writes (store_writer,
// store_core::note_fenced_write). A stale owner's write that slipped past
// the fence shows here, which the count of refused writes cannot show.
// What `tfarm db check` and the chaos harness report (docs/cluster.md).
#pragma once

namespace tfarm::persistence {

/// Rows (what, user, detail), all text, one per violation; none when the
/// fence held: two members under one epoch of a user, a write under an
/// older epoch after one under a newer epoch, or a write under an epoch
/// the user's lease never reached. Valid on both backends (schema 12).
inline constexpr const char* fence_violations_sql =
    "SELECT 'two members under one epoch', \"user\", 'epoch ' || CAST(epoch AS TEXT) || ': ' || "
    "  CAST(COUNT(*) AS TEXT) || ' members' "
    "FROM user_writes GROUP BY \"user\", epoch HAVING COUNT(*) > 1 "
    "UNION ALL "
    "SELECT 'a write under an older epoch after a newer one', a.\"user\", "
    "  a.node || ' under epoch ' || CAST(a.epoch AS TEXT) || ' (its last write, #' || "
    "  CAST(a.last_seq AS TEXT) || ') after ' || b.node || ' under epoch ' || "
    "  CAST(b.epoch AS TEXT) || ' (its first, #' || CAST(b.first_seq AS TEXT) || ')' "
    "FROM user_writes a JOIN user_writes b ON a.\"user\" = b.\"user\" AND a.epoch < b.epoch "
    "  AND a.last_seq > b.first_seq "
    "UNION ALL "
    "SELECT 'a write under an epoch the lease never had', w.\"user\", "
    "  w.node || ' under epoch ' || CAST(w.epoch AS TEXT) || ', the lease is at ' || "
    "  CAST(COALESCE(l.epoch, 0) AS TEXT) "
    "FROM user_writes w LEFT JOIN user_leases l ON l.\"user\" = w.\"user\" "
    "WHERE l.epoch IS NULL OR w.epoch > l.epoch";

} // namespace tfarm::persistence
