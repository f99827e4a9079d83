-- The inbox holds each message once per sender and message id: ids are scoped by their sender,
-- so another agency that uses the same id (by mistake, or to make a message vanish) neither
-- replaces nor hides the first. The sender is the one the hub authenticated (the hub refuses
-- a message whose envelope names another sender, and only the hub writes to the inbox).
CREATE TABLE inbox_by_sender (
    message_id     TEXT NOT NULL,
    sender         TEXT NOT NULL,
    message_type   TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    case_id        TEXT,
    subject        TEXT,
    received_at    TEXT NOT NULL,
    payload        BLOB NOT NULL,
    opened_at      TEXT,
    gateway        TEXT,
    quarantined_at TEXT,
    PRIMARY KEY (sender, message_id)
);
INSERT INTO inbox_by_sender (message_id, sender, message_type, correlation_id, case_id, subject,
                             received_at, payload, opened_at, gateway, quarantined_at)
    SELECT message_id, sender, message_type, correlation_id, case_id, subject,
           received_at, payload, opened_at, gateway, quarantined_at FROM inbox;
DROP TABLE inbox;
ALTER TABLE inbox_by_sender RENAME TO inbox;
CREATE INDEX inbox_received ON inbox (received_at);
CREATE INDEX inbox_message_id ON inbox (message_id);
