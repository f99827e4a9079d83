-- What became of each recipient's copy of a sent message, as the hub's Receipt or
-- Undeliverable told it: delivered, or refused with the hub's reason code (and, from an
-- Undeliverable, its words). A recipient without a row waits for the hub's answer. The
-- outbox's own status and answer columns stay as they were (the message as a whole).
CREATE TABLE IF NOT EXISTS outbox_recipients (
    message_id  TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('delivered', 'refused')),
    reason      TEXT,
    detail      TEXT,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (message_id, recipient)
);

-- A sent message's page lists the answers in its conversation.
CREATE INDEX IF NOT EXISTS inbox_correlation ON inbox (correlation_id);

-- The answers received before this table existed, from the receipts the inbox kept.
INSERT OR IGNORE INTO outbox_recipients (message_id, recipient, outcome, answered_at)
    SELECT json_extract(CAST(i.payload AS TEXT), '$.body.in_reply_to'), d.value, 'delivered', i.received_at
    FROM inbox i, json_each(CAST(i.payload AS TEXT), '$.body.delivered_to') d
    WHERE i.message_type = 'Receipt'
      AND json_extract(CAST(i.payload AS TEXT), '$.body.in_reply_to') IN (SELECT message_id FROM outbox);
INSERT OR IGNORE INTO outbox_recipients (message_id, recipient, outcome, reason, answered_at)
    SELECT json_extract(CAST(i.payload AS TEXT), '$.body.in_reply_to'), json_extract(r.value, '$.recipient'),
           'refused', json_extract(r.value, '$.reason'), i.received_at
    FROM inbox i, json_each(CAST(i.payload AS TEXT), '$.body.refused') r
    WHERE i.message_type = 'Receipt'
      AND json_extract(CAST(i.payload AS TEXT), '$.body.in_reply_to') IN (SELECT message_id FROM outbox);
-- An Undeliverable refused every recipient: each by its own reason where it names one.
INSERT OR IGNORE INTO outbox_recipients (message_id, recipient, outcome, reason, detail, answered_at)
    SELECT o.message_id, a.value,
           'refused',
           coalesce((SELECT json_extract(r.value, '$.reason')
                     FROM json_each(CAST(i.payload AS TEXT), '$.body.refused') r
                     WHERE json_extract(r.value, '$.recipient') = a.value),
                    json_extract(CAST(i.payload AS TEXT), '$.body.reason')),
           json_extract(CAST(i.payload AS TEXT), '$.body.detail'),
           i.received_at
    FROM inbox i
    JOIN outbox o ON o.message_id = json_extract(CAST(i.payload AS TEXT), '$.body.in_reply_to')
    , json_each(o.recipients) a
    WHERE i.message_type = 'Undeliverable';
