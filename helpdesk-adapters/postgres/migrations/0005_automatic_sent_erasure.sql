-- helpdesk-postgres: the automatic-message log (autoresponder rate limits)
-- forgets the messages of deleted and anonymised tickets, and with them
-- the recipient addresses; this index finds a message's rows.

CREATE INDEX automatic_sent_message_idx ON {schema}.automatic_sent (workspace, message);
