-- helpdesk-postgres: attachment bytes (the `Blobs` port), each under its
-- own random key, per workspace. Not tied to a message: a file uploaded
-- for a reply is stored before the reply exists; the engine deletes the
-- bytes of erased messages itself.

CREATE TABLE {schema}.blobs (
    workspace  uuid        NOT NULL,
    key        text        NOT NULL,
    bytes      bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT blobs_pkey PRIMARY KEY (workspace, key)
);
