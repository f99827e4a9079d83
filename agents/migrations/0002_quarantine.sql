-- The gateway each message came under, and quarantine after a consent withdrawal: a message
-- under a withdrawn consent that no caseworker opened yet can no longer be opened.
ALTER TABLE inbox ADD COLUMN gateway TEXT;
ALTER TABLE inbox ADD COLUMN quarantined_at TEXT;
