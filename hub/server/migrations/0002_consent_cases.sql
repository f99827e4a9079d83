-- Consent versions, withdrawals, cases, participants, handovers, escalations; and what the
-- disclosure log and the outbox need to know about consent.

CREATE TABLE consents (
    consent_id  uuid NOT NULL,
    version     integer NOT NULL,
    subject     text NOT NULL,
    custodian   text NOT NULL,
    record      jsonb NOT NULL,
    superseded  boolean NOT NULL DEFAULT false,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (consent_id, version)
);
CREATE INDEX consents_subject ON consents (subject);

CREATE TABLE consent_withdrawals (
    consent_id   uuid NOT NULL,
    withdrawn_at timestamptz NOT NULL,
    scope        jsonb NOT NULL,
    recorded_by  text NOT NULL,
    message_id   uuid NOT NULL,
    PRIMARY KEY (consent_id, message_id)
);

CREATE TABLE cases (
    case_id    text PRIMARY KEY,
    subject    text NOT NULL,
    owner      text NOT NULL,
    stage      text NOT NULL,
    end_reason text,
    opened_at  timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX cases_subject ON cases (subject);

CREATE TABLE case_participants (
    case_id text NOT NULL REFERENCES cases (case_id),
    agency  text NOT NULL,
    PRIMARY KEY (case_id, agency)
);

CREATE TABLE handovers (
    handover_id   uuid PRIMARY KEY,
    case_id       text NOT NULL REFERENCES cases (case_id),
    from_agency   text NOT NULL,
    to_agency     text NOT NULL,
    state         text NOT NULL,
    gateway       text NOT NULL,
    jurisdiction  text NOT NULL,
    requested_at  timestamptz NOT NULL,
    received_at   timestamptz,
    answered_at   timestamptz,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX handovers_open ON handovers (state) WHERE state IN ('requested', 'received');

-- Each escalation is sent once: a deadline of one handover (or message) at one level.
CREATE TABLE escalations (
    subject_ref text NOT NULL,
    deadline    text NOT NULL,
    level       text NOT NULL,
    sent_at     timestamptz NOT NULL,
    PRIMARY KEY (subject_ref, deadline, level)
);

ALTER TABLE decisions ADD COLUMN removed_categories text[] NOT NULL DEFAULT '{}';

-- The consent a delivery travels under, so it can be checked again when it is published.
ALTER TABLE outbox ADD COLUMN consent_id uuid;
ALTER TABLE outbox ADD COLUMN cancelled_at timestamptz;
ALTER TABLE outbox ADD COLUMN cancel_reason text;
DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE published_at IS NULL AND cancelled_at IS NULL;
