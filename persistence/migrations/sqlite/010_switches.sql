-- Farm-wide switches (persistence/farm_switch.hpp, docs/cluster.md): the
-- kill switch's trading states and the vault's modes of a cluster, read by
-- every member. A row exists only while its switch is away from its
-- default. set_at is the database's clock in Unix ms.
CREATE TABLE farm_switches (
  name    TEXT   PRIMARY KEY CHECK (name <> ''),
  state   TEXT   NOT NULL CHECK (state <> ''),
  reason  TEXT   NOT NULL DEFAULT '',
  set_by  TEXT   NOT NULL DEFAULT '',
  set_at  BIGINT NOT NULL
);
