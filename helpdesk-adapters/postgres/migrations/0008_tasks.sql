-- helpdesk-postgres: tasks linked to a ticket (`Commit::tasks`,
-- `Store::tasks`, `Store::open_tasks`).

CREATE TABLE {schema}.tasks (
    workspace  uuid        NOT NULL,
    id         uuid        NOT NULL,
    ticket     uuid        NOT NULL,
    assignee   uuid,
    due        timestamptz,
    done       boolean     NOT NULL,
    created_at timestamptz NOT NULL,
    doc        jsonb       NOT NULL,
    CONSTRAINT tasks_pkey PRIMARY KEY (workspace, id),
    CONSTRAINT tasks_ticket_fkey FOREIGN KEY (workspace, ticket)
        REFERENCES {schema}.tickets (workspace, id)
);
CREATE INDEX tasks_ticket_idx ON {schema}.tasks (workspace, ticket, created_at, id);
-- "My tasks": the open ones of an agent, due first.
CREATE INDEX tasks_open_idx ON {schema}.tasks (workspace, assignee, (due IS NULL), due, created_at, id)
    WHERE NOT done;
