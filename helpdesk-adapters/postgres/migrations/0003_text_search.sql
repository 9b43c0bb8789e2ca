-- helpdesk-postgres: full-text search by word prefixes (`Filter::Text`).
--
-- The words of a ticket's subject and of a message's text are stored as
-- `tsvector`s, indexed with GIN. The store writes them on every write of
-- the ticket or message with `array_to_tsvector` from the word list of the
-- core tokeniser (`helpdesk_core::query::words`: maximal runs of letters
-- and digits, lowercased, cut to 64 characters, capped), so PostgreSQL's
-- parser and dictionaries never touch them and the memory store finds the
-- same tickets. A search word `w` is the bound `tsquery` `'w':*`.
--
-- The substring columns of 0002 (`subject_lc`, `text_lc`) are replaced.

ALTER TABLE {schema}.tickets ADD COLUMN subject_words tsvector NOT NULL DEFAULT '';
ALTER TABLE {schema}.messages ADD COLUMN words tsvector NOT NULL DEFAULT '';

-- Existing rows, best effort: the same rule written in SQL (runs of
-- `[:alnum:]` of the lowercased text, cut to 64 characters; only the first
-- 65,536 characters of a text, which keeps within the tokeniser's caps).
-- The database's idea of letters, digits and lowercase differs from Rust's
-- on some characters (for example `½` or `İ`): such words are fixed when the
-- store next writes the row (any ticket write for a subject; for a message
-- its redaction), until then they may be missed or found where the memory
-- store would not.
UPDATE {schema}.tickets SET subject_words = array_to_tsvector(ARRAY(
    SELECT DISTINCT left(w, 64)
    FROM regexp_split_to_table(lower(left(coalesce(doc->>'subject', ''), 65536)),
                               '[^[:alnum:]]+') AS w
    WHERE w <> ''));
UPDATE {schema}.messages SET words = array_to_tsvector(ARRAY(
    SELECT DISTINCT left(w, 64)
    FROM regexp_split_to_table(lower(left(coalesce(doc->>'text', ''), 65536)),
                               '[^[:alnum:]]+') AS w
    WHERE w <> ''));

ALTER TABLE {schema}.tickets DROP COLUMN subject_lc;
ALTER TABLE {schema}.messages DROP COLUMN text_lc;

CREATE INDEX tickets_subject_words_idx ON {schema}.tickets USING gin (subject_words);
CREATE INDEX messages_words_idx ON {schema}.messages USING gin (words);
