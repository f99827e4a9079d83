-- The access log: who at this agency saw or did what, about which message and which person,
-- never content. Append-only, and hash-chained (each entry's hash covers the one before), so
-- a change made around these triggers is found by `agent access-log verify`.
CREATE TABLE access_log (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    message_id TEXT,
    sender     TEXT,
    subject    TEXT,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX access_log_subject ON access_log (subject);
CREATE INDEX access_log_actor ON access_log (actor);
CREATE TRIGGER access_log_append_only_update BEFORE UPDATE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only');
END;
CREATE TRIGGER access_log_append_only_delete BEFORE DELETE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only');
END;
