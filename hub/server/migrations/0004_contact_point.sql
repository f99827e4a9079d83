-- The contact point's dashboard: agencies' regions, the figures of outcome reports delivered
-- to a contact point, typed handover rejection reasons, and the dashboard's logins and
-- sessions (in the database, so every hub instance serves every session).

ALTER TABLE agencies ADD COLUMN region text;

ALTER TABLE handovers ADD COLUMN reject_code text;

-- Figures only: an outcome report's fields, no free text. Recorded when the report was
-- delivered to at least one contact point (the consent allowed OUTCOME_STATISTICS).
CREATE TABLE outcomes (
    sender                     text NOT NULL,
    message_id                 uuid NOT NULL,
    case_id                    text,
    subject                    text,
    end_reason                 text NOT NULL,
    ended_on                   date NOT NULL,
    no_new_serious_charge_12m  boolean,
    in_education_or_job_3m     boolean,
    reported_at                timestamptz NOT NULL,
    PRIMARY KEY (sender, message_id)
);

CREATE TABLE dashboard_users (
    name          text PRIMARY KEY,
    role          text NOT NULL CHECK (role IN ('analyst', 'statistician')),
    -- The contact point a login belongs to sees its own jurisdiction's figures only.
    jurisdiction  text NOT NULL,
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    disabled_at   timestamptz,
    -- Consecutive failed logins; at 5 the login is locked for 15 minutes.
    failed_logins integer NOT NULL DEFAULT 0,
    locked_until  timestamptz
);

-- Only a hash of the session token is stored: a copy of this table logs nobody in.
CREATE TABLE dashboard_sessions (
    token_sha256 bytea PRIMARY KEY,
    user_name    text NOT NULL REFERENCES dashboard_users (name),
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);
CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions (expires_at);
