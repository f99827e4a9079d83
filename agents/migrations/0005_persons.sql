-- The person register: the people this agency knows, by the subject pseudonym every agency
-- derives from the national identity number, with who they are as the agency's own staff
-- entered it ('entered') or as opened from a sealed identity ('opened'). Personal data: the
-- store's files are readable by the agent's user only, and nothing here is ever logged.
CREATE TABLE persons (
    subject       TEXT PRIMARY KEY,
    jurisdiction  TEXT NOT NULL CHECK (jurisdiction IN ('DK', 'NO', 'SE')),
    national_id   TEXT NOT NULL,
    name          TEXT NOT NULL,
    -- The name in lower case, for search in any case (SQLite's NOCASE folds ASCII only).
    name_folded   TEXT NOT NULL,
    date_of_birth TEXT NOT NULL,
    source        TEXT NOT NULL CHECK (source IN ('entered', 'opened')),
    first_seen    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX persons_national_id ON persons (national_id);

-- One person's messages, in and out, for the person's page.
ALTER TABLE outbox ADD COLUMN subject TEXT;
UPDATE outbox SET subject = json_extract(CAST(payload AS TEXT), '$.envelope.subject');
CREATE INDEX outbox_subject ON outbox (subject);
CREATE INDEX inbox_subject ON inbox (subject);
