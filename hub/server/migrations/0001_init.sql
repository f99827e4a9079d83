-- The hub's state. Bodies are kept only in the outbox (what is forwarded) and in dead
-- letters (what was refused, for inspection); everything else is metadata.

CREATE TABLE agencies (
    id           text PRIMARY KEY,
    name         text NOT NULL,
    role         text NOT NULL,
    jurisdiction text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- One row per accepted message: the deduplication key is (sender, message_id).
CREATE TABLE messages (
    sender         text NOT NULL,
    message_id     uuid NOT NULL,
    correlation_id uuid NOT NULL,
    message_type   text NOT NULL,
    case_id        text,
    subject        text,
    purpose        text NOT NULL,
    body_sha256    bytea NOT NULL,
    sent_at        timestamptz NOT NULL,
    received_at    timestamptz NOT NULL,
    outcome        text NOT NULL CHECK (outcome IN ('routed', 'refused')),
    reason         text,
    PRIMARY KEY (sender, message_id)
);

-- The disclosure log: one row per recipient decision, with the gateway that allowed it.
CREATE TABLE decisions (
    sender      text NOT NULL,
    message_id  uuid NOT NULL,
    recipient   text NOT NULL,
    delivered   boolean NOT NULL,
    gateway     text,
    categories  text[] NOT NULL,
    reason      text,
    decided_at  timestamptz NOT NULL,
    PRIMARY KEY (sender, message_id, recipient),
    FOREIGN KEY (sender, message_id) REFERENCES messages (sender, message_id)
);
CREATE INDEX decisions_recipient ON decisions (recipient, decided_at);

-- Messages waiting to be published, and the record that they were.
CREATE TABLE outbox (
    id              uuid PRIMARY KEY,
    recipient       text NOT NULL,
    message_id      uuid NOT NULL,
    correlation_id  uuid NOT NULL,
    message_type    text NOT NULL,
    sender          text NOT NULL,
    payload         bytea NOT NULL,
    created_at      timestamptz NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    published_at    timestamptz
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE published_at IS NULL;

-- Refused input kept for inspection.
CREATE TABLE dead_letters (
    id              uuid PRIMARY KEY,
    received_at     timestamptz NOT NULL,
    sender          text NOT NULL,
    amqp_message_id text,
    reason          text NOT NULL,
    detail          text NOT NULL,
    body_sha256     bytea NOT NULL,
    size_bytes      integer NOT NULL,
    body            bytea NOT NULL
);
-- A redelivery of the same refused input is recorded (and answered) once.
CREATE UNIQUE INDEX dead_letters_once ON dead_letters (sender, body_sha256, coalesce(amqp_message_id, ''));

-- Append-only, hash-chained audit log.
-- Append-only, hash-chained audit log. `entry` is the canonical JSON text that is hashed:
-- hash = SHA-256(prev_hash || length || entry). Query it as entry::jsonb.
CREATE TABLE audit_log (
    seq        bigint PRIMARY KEY CHECK (seq > 0),
    entry      text NOT NULL,
    prev_hash  bytea NOT NULL,
    hash       bytea NOT NULL
);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
