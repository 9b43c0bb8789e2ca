-- helpdesk-postgres: which messages hold a blob key (`Store::blobs_in_use`),
-- so that an erasure keeps the bytes a message of another ticket still
-- holds (a reply that sent on a customer's file holds its key too).

CREATE INDEX messages_attachments_idx ON {schema}.messages
    USING gin ((doc -> 'attachments') jsonb_path_ops);
