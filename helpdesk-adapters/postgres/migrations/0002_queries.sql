-- helpdesk-postgres: ticket lists (filters, sorts, keyset cursors,
-- counters), saved views and favourites.
--
-- The columns below are written by the store from the ticket on every
-- ticket write (they are derived from `doc`, which stays the source of
-- truth); this migration fills them for tickets stored before it.

ALTER TABLE {schema}.tickets
    ADD COLUMN subject_lc      text        NOT NULL DEFAULT '',
    ADD COLUMN status          text,
    ADD COLUMN prio            smallint    NOT NULL DEFAULT 1,
    ADD COLUMN channel_kind    text        NOT NULL DEFAULT 'email',
    ADD COLUMN kind            text        NOT NULL DEFAULT 'regular',
    ADD COLUMN tags            text[]      NOT NULL DEFAULT '{}',
    ADD COLUMN followers       uuid[]      NOT NULL DEFAULT '{}',
    ADD COLUMN due_at          timestamptz,
    ADD COLUMN last_inbound    timestamptz,
    ADD COLUMN last_activity   timestamptz,
    ADD COLUMN unread_by_owner boolean     NOT NULL DEFAULT false;

-- Existing rows. (The store lowercases with Rust's `to_lowercase`; `lower`
-- agrees on everything but a few exotic letters, which the next write of
-- the ticket fixes.)
UPDATE {schema}.tickets SET
    subject_lc = lower(doc->>'subject'),
    status = doc->>'status',
    prio = CASE doc->>'priority'
        WHEN 'low' THEN 0 WHEN 'high' THEN 2 WHEN 'urgent' THEN 3 ELSE 1 END,
    channel_kind = coalesce(doc->'channel'->>'type', 'email'),
    kind = coalesce(doc->>'kind', 'regular'),
    tags = ARRAY(SELECT jsonb_array_elements_text(coalesce(doc->'tags', '[]'))),
    followers = ARRAY(SELECT jsonb_array_elements_text(coalesce(doc->'followers', '[]')))::uuid[],
    due_at = LEAST((doc->'sla'->'first_response'->>'due')::timestamptz,
                   (doc->'sla'->'next_response'->>'due')::timestamptz,
                   (doc->'sla'->'resolution'->>'due')::timestamptz),
    last_inbound = (doc->'times'->>'last_inbound')::timestamptz,
    last_activity = GREATEST(updated_at,
                             (doc->'times'->>'last_inbound')::timestamptz,
                             (doc->'times'->>'last_outbound')::timestamptz),
    unread_by_owner = coalesce((doc->>'unread_by_owner')::boolean, false);
ALTER TABLE {schema}.tickets ALTER COLUMN last_activity SET NOT NULL;

-- The lowercased text of a message, for `Filter::Text`.
ALTER TABLE {schema}.messages ADD COLUMN text_lc text NOT NULL DEFAULT '';
UPDATE {schema}.messages SET text_lc = lower(coalesce(doc->>'text', ''));

-- The autoresponder rate limit counts mail sent to an address; it outlives
-- the deletion of the ticket (as in the memory store).
ALTER TABLE {schema}.automatic_sent DROP CONSTRAINT automatic_sent_message_fkey;

-- The built-in views: each first page is an ordered scan of one of these
-- (partial indexes whose predicates are the views' filters; the store
-- renders lifecycle states as constants so the planner can match them).
CREATE INDEX tickets_waiting_idx ON {schema}.tickets (workspace, created_at, number)
    WHERE assignee IS NULL AND merged_into IS NULL AND state IN ('open', 'pending');
CREATE INDEX tickets_mine_idx ON {schema}.tickets (workspace, assignee, due_at, number)
    WHERE merged_into IS NULL AND state IN ('open', 'pending');
CREATE INDEX tickets_others_idx ON {schema}.tickets (workspace, last_activity, number)
    WHERE assignee IS NOT NULL AND merged_into IS NULL AND state IN ('open', 'pending');
CREATE INDEX tickets_closed_idx ON {schema}.tickets (workspace, updated_at, number)
    WHERE merged_into IS NULL AND state IN ('closed', 'archived');
-- Slim copies for the counters: index-only scans of keys that repeat,
-- which B-tree deduplication packs (about 6 bytes a ticket).
CREATE INDEX tickets_active_count_idx ON {schema}.tickets (workspace, assignee)
    WHERE merged_into IS NULL AND state IN ('open', 'pending');
CREATE INDEX tickets_closed_count_idx ON {schema}.tickets (workspace)
    WHERE merged_into IS NULL AND state IN ('closed', 'archived');
-- General orders (any filter), merged tickets left out as by default.
CREATE INDEX tickets_activity_idx ON {schema}.tickets (workspace, last_activity, number)
    WHERE merged_into IS NULL;
CREATE INDEX tickets_created_idx ON {schema}.tickets (workspace, created_at, number)
    WHERE merged_into IS NULL;
CREATE INDEX tickets_due_idx ON {schema}.tickets (workspace, due_at, number)
    WHERE merged_into IS NULL;
CREATE INDEX tickets_unread_idx ON {schema}.tickets (workspace, assignee)
    WHERE unread_by_owner;
CREATE INDEX tickets_queue_idx ON {schema}.tickets (workspace, queue, created_at, number)
    WHERE queue IS NOT NULL;
CREATE INDEX tickets_tags_idx ON {schema}.tickets USING gin (tags);
CREATE INDEX tickets_followers_idx ON {schema}.tickets USING gin (followers);

-- Favourite tickets per agent.
CREATE TABLE {schema}.favourites (
    workspace uuid NOT NULL,
    agent     uuid NOT NULL,
    ticket    uuid NOT NULL,
    CONSTRAINT favourites_pkey PRIMARY KEY (workspace, agent, ticket),
    CONSTRAINT favourites_ticket_fkey FOREIGN KEY (workspace, ticket)
        REFERENCES {schema}.tickets (workspace, id)
);
CREATE INDEX favourites_ticket_idx ON {schema}.favourites (workspace, ticket);

-- Saved views; `owner_agent` is NULL for workspace-wide views.
CREATE TABLE {schema}.views (
    workspace   uuid  NOT NULL,
    id          uuid  NOT NULL,
    owner_agent uuid,
    name        text  NOT NULL,
    doc         jsonb NOT NULL,
    CONSTRAINT views_pkey PRIMARY KEY (workspace, id)
);
CREATE INDEX views_owner_idx ON {schema}.views (workspace, owner_agent);
