-- Cluster membership and user ownership (persistence/cluster_store.hpp,
-- docs/cluster.md); a cluster's store is PostgreSQL, but a version number
-- means one schema on both backends. Times are the database's clock in
-- Unix ms. member_incarnation stands for PostgreSQL's sequence of the same
-- name (one row: the last number given).
CREATE TABLE member_incarnation (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  last  INTEGER NOT NULL
);
INSERT INTO member_incarnation (id, last) VALUES (1, 0);
CREATE TABLE cluster_members (
  name         TEXT    PRIMARY KEY CHECK (name <> ''),
  incarnation  INTEGER NOT NULL CHECK (incarnation > 0),
  address      TEXT    NOT NULL DEFAULT '',
  host         TEXT    NOT NULL DEFAULT '',
  pid          INTEGER NOT NULL DEFAULT 0,
  state        TEXT    NOT NULL CHECK (state IN ('joining', 'up', 'leaving', 'down')),
  started_at   INTEGER NOT NULL,
  renewed_at   INTEGER NOT NULL
);
CREATE TABLE user_leases (
  "user"       TEXT    PRIMARY KEY CHECK ("user" <> ''),
  owner        TEXT    NOT NULL DEFAULT '',
  incarnation  INTEGER NOT NULL DEFAULT 0,
  epoch        INTEGER NOT NULL DEFAULT 0 CHECK (epoch >= 0),
  expires_at   INTEGER NOT NULL DEFAULT 0,
  updated_at   INTEGER NOT NULL DEFAULT 0,
  CHECK ((owner = '') = (incarnation = 0))
);
CREATE INDEX user_leases_owner ON user_leases (owner, incarnation);
