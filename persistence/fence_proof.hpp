// The fence proved per write, from user_writes: the store notes, in each
// transaction that wrote for a user, the member and the epoch it wrote
// under, numbered in the store's order (store_writer,
// store_core::note_fenced_write). A stale owner's write that slipped past
// the fence shows here, which the count of refused writes cannot show.
// What `tfarm db check` and the chaos harness report (docs/cluster.md).
#pragma once

namespace tfarm::persistence {

/// Rows (what, user, detail), all text, one per violation; none when the
/// fence held: two members under one epoch of a user, a write under an
/// older epoch numbered after the first under a newer epoch, or a write
/// under an epoch the user's lease never reached. One pass over the table
/// (grouped per user and epoch, then a running maximum per user). Valid on
/// both backends (schema 12).
inline constexpr const char* fence_violations_sql =
    "WITH e AS (SELECT \"user\", epoch, MIN(seq) AS first_seq, MAX(seq) AS last_seq, "
    "    MIN(node) AS node, MAX(node) AS other_node, COUNT(DISTINCT node) AS nodes "
    "  FROM user_writes GROUP BY \"user\", epoch), "
    "r AS (SELECT e.*, MAX(last_seq) OVER (PARTITION BY \"user\" ORDER BY epoch "
    "    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS older_last FROM e) "
    "SELECT 'two members under one epoch', \"user\", 'epoch ' || CAST(epoch AS TEXT) || ': ' || "
    "  CAST(nodes AS TEXT) || ' members (' || node || ', ' || other_node || ')' "
    "FROM e WHERE nodes > 1 "
    "UNION ALL "
    "SELECT 'a write under an older epoch after a newer one', \"user\", "
    "  'write #' || CAST(older_last AS TEXT) || ' under an epoch before ' || "
    "  CAST(epoch AS TEXT) || ', whose first write is #' || CAST(first_seq AS TEXT) || ' (' || "
    "  node || ')' "
    "FROM r WHERE older_last > first_seq "
    "UNION ALL "
    "SELECT 'a write under an epoch the lease never had', e.\"user\", "
    "  e.node || ' under epoch ' || CAST(e.epoch AS TEXT) || ', the lease is at ' || "
    "  CAST(COALESCE(l.epoch, 0) AS TEXT) "
    "FROM e LEFT JOIN user_leases l ON l.\"user\" = e.\"user\" "
    "WHERE l.epoch IS NULL OR e.epoch > l.epoch";

} // namespace tfarm::persistence
