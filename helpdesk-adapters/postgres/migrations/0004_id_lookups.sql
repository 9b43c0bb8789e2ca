-- helpdesk-postgres: lookups of a ticket by id use the primary key, also
-- on a database that was never analyzed.
--
-- Until a table is first analyzed the planner knows nothing of its
-- columns; on a table as wide as `tickets` it then estimates
-- `workspace = $1` at one row, as it does `workspace = $1 AND id = $2`, and
-- may plan a lookup by (workspace, id) as a scan of another index that
-- starts with `workspace`, filtering on `id`: a visit of every ticket of the
-- workspace. The foreign-key checks of every message, event, outbox row,
-- job and ingest key are such lookups, and PostgreSQL keeps their plans
-- for the life of a connection (until the table is next analyzed), so a
-- new database got slower with every ticket. No index of `tickets` but the
-- primary key now lets a lookup by (workspace, id) use it:
--
-- * the number key becomes a unique index on the same columns that holds
--   only rows with a number (every row: the column is NOT NULL); a lookup
--   by number implies that predicate, a lookup by id does not (the ticket
--   lists say `t.number IS NOT NULL` to keep their ordered scans by number);
-- * the requester and state indexes lead with the column they are for.

ALTER TABLE {schema}.tickets DROP CONSTRAINT tickets_number_key;
CREATE UNIQUE INDEX tickets_number_key ON {schema}.tickets (workspace, number)
    WHERE number IS NOT NULL;

DROP INDEX {schema}.tickets_requester_idx;
CREATE INDEX tickets_requester_idx ON {schema}.tickets (requester, workspace);

DROP INDEX {schema}.tickets_state_idx;
CREATE INDEX tickets_state_idx ON {schema}.tickets (state, workspace, updated_at);
