-- helpdesk-postgres: the initial schema.
--
-- `{schema}` is replaced by the store's schema (default "helpdesk", quoted)
-- before this runs. Every entity is stored as a JSONB document of its
-- helpdesk-core type (`doc`), beside real columns for everything that is
-- queried, constrained or claimed. Every table is keyed by workspace first.

-- Ticket numbers: one counter row per workspace, bumped inside the commit
-- that creates the ticket (or by `reserve_ticket_number`).
CREATE TABLE {schema}.ticket_counters (
    workspace   uuid   PRIMARY KEY,
    last_number bigint NOT NULL CHECK (last_number >= 0)
);

CREATE TABLE {schema}.contacts (
    workspace    uuid  NOT NULL,
    id           uuid  NOT NULL,
    external_id  text,
    organization uuid,
    doc          jsonb NOT NULL,
    CONSTRAINT contacts_pkey PRIMARY KEY (workspace, id)
);
CREATE INDEX contacts_external_id_idx ON {schema}.contacts (workspace, external_id)
    WHERE external_id IS NOT NULL;

-- One row per (normalised) email address: an address belongs to one contact
-- per workspace.
CREATE TABLE {schema}.contact_emails (
    workspace uuid NOT NULL,
    email     text NOT NULL,
    contact   uuid NOT NULL,
    CONSTRAINT contact_emails_pkey PRIMARY KEY (workspace, email),
    CONSTRAINT contact_emails_contact_fkey FOREIGN KEY (workspace, contact)
        REFERENCES {schema}.contacts (workspace, id) ON DELETE CASCADE
);
CREATE INDEX contact_emails_contact_idx ON {schema}.contact_emails (workspace, contact);

CREATE TABLE {schema}.tickets (
    workspace   uuid        NOT NULL,
    id          uuid        NOT NULL,
    number      bigint      NOT NULL CHECK (number > 0),
    version     bigint      NOT NULL CHECK (version > 0),
    state       text        NOT NULL,
    reopen_at   timestamptz,
    closed_at   timestamptz,
    requester   uuid        NOT NULL,
    assignee    uuid,
    team        uuid,
    queue       uuid,
    category    uuid,
    priority    text        NOT NULL,
    parent      uuid,
    merged_into uuid,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    doc         jsonb       NOT NULL,
    CONSTRAINT tickets_pkey PRIMARY KEY (workspace, id),
    CONSTRAINT tickets_number_key UNIQUE (workspace, number),
    CONSTRAINT tickets_state_check
        CHECK (state IN ('open', 'pending', 'closed', 'archived')),
    CONSTRAINT tickets_reopen_at_check
        CHECK (reopen_at IS NULL OR state IN ('pending', 'closed')),
    CONSTRAINT tickets_closed_at_check
        CHECK ((closed_at IS NOT NULL) = (state IN ('closed', 'archived'))),
    -- Deferred, so one commit may write tickets that point at each other.
    CONSTRAINT tickets_parent_fkey FOREIGN KEY (workspace, parent)
        REFERENCES {schema}.tickets (workspace, id) DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT tickets_merged_into_fkey FOREIGN KEY (workspace, merged_into)
        REFERENCES {schema}.tickets (workspace, id) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX tickets_parent_idx ON {schema}.tickets (workspace, parent)
    WHERE parent IS NOT NULL;
CREATE INDEX tickets_merged_into_idx ON {schema}.tickets (workspace, merged_into)
    WHERE merged_into IS NOT NULL;
CREATE INDEX tickets_state_idx ON {schema}.tickets (workspace, state, updated_at);
CREATE INDEX tickets_assignee_idx ON {schema}.tickets (workspace, assignee)
    WHERE assignee IS NOT NULL;
CREATE INDEX tickets_requester_idx ON {schema}.tickets (workspace, requester);

-- `raw` (the message as received) is kept out of `doc`, as bytes.
CREATE TABLE {schema}.messages (
    workspace        uuid        NOT NULL,
    id               uuid        NOT NULL,
    ticket           uuid        NOT NULL,
    direction        text        NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    author_system    boolean     NOT NULL,
    email_message_id text,
    created_at       timestamptz NOT NULL,
    raw              bytea,
    doc              jsonb       NOT NULL,
    CONSTRAINT messages_pkey PRIMARY KEY (workspace, id),
    CONSTRAINT messages_ticket_fkey FOREIGN KEY (workspace, ticket)
        REFERENCES {schema}.tickets (workspace, id)
);
CREATE INDEX messages_ticket_idx ON {schema}.messages (workspace, ticket, created_at, id);

-- Every email Message-ID we stored (inbound and outbound), for threading.
-- The first message stored with an id keeps it.
CREATE TABLE {schema}.message_email_ids (
    workspace        uuid NOT NULL,
    email_message_id text NOT NULL,
    message          uuid NOT NULL,
    CONSTRAINT message_email_ids_pkey PRIMARY KEY (workspace, email_message_id),
    CONSTRAINT message_email_ids_message_fkey FOREIGN KEY (workspace, message)
        REFERENCES {schema}.messages (workspace, id)
);

-- One row per recipient (To and Cc) of an automatic message (outbound,
-- written by the system), for the autoresponder rate limit.
CREATE TABLE {schema}.automatic_sent (
    workspace uuid        NOT NULL,
    address   text        NOT NULL,
    at        timestamptz NOT NULL,
    message   uuid        NOT NULL,
    CONSTRAINT automatic_sent_message_fkey FOREIGN KEY (workspace, message)
        REFERENCES {schema}.messages (workspace, id)
);
CREATE INDEX automatic_sent_idx ON {schema}.automatic_sent (workspace, address, at);

CREATE TABLE {schema}.events (
    workspace uuid        NOT NULL,
    id        uuid        NOT NULL,
    ticket    uuid        NOT NULL,
    at        timestamptz NOT NULL,
    kind      text        NOT NULL,
    doc       jsonb       NOT NULL,
    CONSTRAINT events_pkey PRIMARY KEY (workspace, id),
    CONSTRAINT events_ticket_fkey FOREIGN KEY (workspace, ticket)
        REFERENCES {schema}.tickets (workspace, id)
);
CREATE INDEX events_ticket_idx ON {schema}.events (workspace, ticket, at, id);

-- Agents, teams, queues, categories, organizations, SLA policies, settings.
CREATE TABLE {schema}.directory (
    workspace uuid  NOT NULL,
    kind      text  NOT NULL,
    id        uuid  NOT NULL,
    doc       jsonb NOT NULL,
    CONSTRAINT directory_pkey PRIMARY KEY (workspace, kind, id)
);

CREATE TABLE {schema}.outbox (
    seq         bigint      GENERATED ALWAYS AS IDENTITY,
    workspace   uuid        NOT NULL,
    id          uuid        NOT NULL,
    ticket      uuid        NOT NULL,
    message     uuid        NOT NULL,
    channel     jsonb       NOT NULL,
    not_before  timestamptz NOT NULL,
    attempts    bigint      NOT NULL CHECK (attempts >= 0),
    status      text        NOT NULL
        CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
    last_error  text,
    lease_until timestamptz,
    CONSTRAINT outbox_pkey PRIMARY KEY (workspace, id),
    CONSTRAINT outbox_ticket_fkey FOREIGN KEY (workspace, ticket)
        REFERENCES {schema}.tickets (workspace, id)
);
CREATE INDEX outbox_ticket_idx ON {schema}.outbox (workspace, ticket, seq);
CREATE INDEX outbox_due_idx ON {schema}.outbox (not_before, id) WHERE status = 'pending';

-- At most one job per (ticket, kind); `kind` is a stable text key of the
-- job kind (e.g. `reopen`, `sla_breach:first_response`), `kind_doc` its JSON.
CREATE TABLE {schema}.jobs (
    workspace   uuid        NOT NULL,
    id          uuid        NOT NULL,
    ticket      uuid        NOT NULL,
    kind        text        NOT NULL,
    kind_doc    jsonb       NOT NULL,
    due_at      timestamptz NOT NULL,
    lease_until timestamptz,
    CONSTRAINT jobs_pkey PRIMARY KEY (workspace, id),
    CONSTRAINT jobs_ticket_kind_key UNIQUE (workspace, ticket, kind),
    CONSTRAINT jobs_ticket_fkey FOREIGN KEY (workspace, ticket)
        REFERENCES {schema}.tickets (workspace, id)
);
CREATE INDEX jobs_due_idx ON {schema}.jobs (due_at, id);

-- Inbound mail dedupe keys.
CREATE TABLE {schema}.ingest_keys (
    workspace uuid NOT NULL,
    mailbox   text NOT NULL,
    key       text NOT NULL,
    ticket    uuid NOT NULL,
    message   uuid NOT NULL,
    CONSTRAINT ingest_keys_pkey PRIMARY KEY (workspace, mailbox, key),
    CONSTRAINT ingest_keys_ticket_fkey FOREIGN KEY (workspace, ticket)
        REFERENCES {schema}.tickets (workspace, id)
);

-- Addresses automatic mail must not go to, until when.
CREATE TABLE {schema}.suppressions (
    workspace uuid        NOT NULL,
    address   text        NOT NULL,
    until     timestamptz NOT NULL,
    CONSTRAINT suppressions_pkey PRIMARY KEY (workspace, address)
);

-- How far the sync of each remote mailbox folder has got (IMAP UIDVALIDITY
-- and the last UID ingested), written with the mail it covers.
CREATE TABLE {schema}.mailbox_checkpoints (
    workspace    uuid   NOT NULL,
    mailbox      text   NOT NULL,
    uid_validity bigint NOT NULL CHECK (uid_validity >= 0),
    last_uid     bigint NOT NULL CHECK (last_uid >= 0),
    CONSTRAINT mailbox_checkpoints_pkey PRIMARY KEY (workspace, mailbox)
);
