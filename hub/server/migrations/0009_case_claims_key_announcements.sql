-- A case id belongs to the agency that first named it and to one person. A message that
-- names a new case id and is refused opens no case, so its claim is kept here: nobody else
-- may later open a case under that id, and its opener only about the same person. (A routed
-- first message opens the case itself, in `cases`.)
CREATE TABLE case_claims (
    case_id    text PRIMARY KEY,
    opener     text NOT NULL,
    subject    text NOT NULL,
    claimed_at timestamptz NOT NULL
);

-- Key announcements the hub accepted, per agency, so a limit per hour holds across hub
-- instances (their batches are serialised by the audit lock).
CREATE TABLE key_announcements (
    agency       text NOT NULL,
    message_id   uuid NOT NULL,
    announced_at timestamptz NOT NULL,
    PRIMARY KEY (agency, message_id)
);
CREATE INDEX key_announcements_recent ON key_announcements (agency, announced_at);
