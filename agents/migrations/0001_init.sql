-- The agent's durable store. A message is in the outbox before it is published and stays
-- until the hub answers; the inbox is deduplicated by message id.

CREATE TABLE outbox (
    message_id     TEXT PRIMARY KEY,
    message_type   TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    case_id        TEXT,
    recipients     TEXT NOT NULL,
    payload        BLOB NOT NULL,
    accepted_at    TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'delivered', 'partially_delivered', 'refused')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT,
    sent_at        TEXT,
    answered_at    TEXT,
    answer_reason  TEXT,
    answer_detail  TEXT
);
CREATE INDEX outbox_queued ON outbox (status, accepted_at);

CREATE TABLE inbox (
    message_id     TEXT PRIMARY KEY,
    sender         TEXT NOT NULL,
    message_type   TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    case_id        TEXT,
    subject        TEXT,
    received_at    TEXT NOT NULL,
    payload        BLOB NOT NULL,
    opened_at      TEXT
);
CREATE INDEX inbox_received ON inbox (received_at);

-- Deliveries that did not decode: kept for inspection, never blocking the queue.
CREATE TABLE rejected (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at TEXT NOT NULL,
    detail      TEXT NOT NULL,
    payload     BLOB NOT NULL
);
