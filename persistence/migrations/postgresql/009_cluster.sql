-- Cluster membership and user ownership (persistence/cluster_store.hpp,
-- docs/cluster.md). Times are the database server's clock in Unix ms, so
-- that no node's clock decides whether a lease ran out.
--
-- cluster_members: one row per member name; `incarnation` is new at every
-- start (from member_incarnation, so it only grows); a member whose
-- renewed_at is older than the lease TTL counts as down whatever its state.
CREATE SEQUENCE member_incarnation;
CREATE TABLE cluster_members (
  name         TEXT   PRIMARY KEY CHECK (name <> ''),
  incarnation  BIGINT NOT NULL CHECK (incarnation > 0),
  address      TEXT   NOT NULL DEFAULT '',
  host         TEXT   NOT NULL DEFAULT '',
  pid          BIGINT NOT NULL DEFAULT 0,
  state        TEXT   NOT NULL CHECK (state IN ('joining', 'up', 'leaving', 'down')),
  started_at   BIGINT NOT NULL,
  renewed_at   BIGINT NOT NULL
);
-- user_leases: who owns each user. owner '' is unowned. `epoch` grows at
-- every change of owner and fences writes: the store refuses a write made
-- under an older epoch of its user, in the same transaction.
CREATE TABLE user_leases (
  "user"       TEXT   PRIMARY KEY CHECK ("user" <> ''),
  owner        TEXT   NOT NULL DEFAULT '',
  incarnation  BIGINT NOT NULL DEFAULT 0,
  epoch        BIGINT NOT NULL DEFAULT 0 CHECK (epoch >= 0),
  expires_at   BIGINT NOT NULL DEFAULT 0,
  updated_at   BIGINT NOT NULL DEFAULT 0,
  CHECK ((owner = '') = (incarnation = 0))
);
CREATE INDEX user_leases_owner ON user_leases (owner, incarnation);
