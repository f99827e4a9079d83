-- The contact point's view of late release notices: for each release notice the hub routed,
-- the day its release is expected and when it arrived (dated as the message's effects are).
-- A date and ids only: who it went to is in the disclosure log (`decisions`).
CREATE TABLE release_notices (
    sender           text NOT NULL,
    message_id       uuid NOT NULL,
    jurisdiction     text NOT NULL,
    expected_release date NOT NULL,
    received_at      timestamptz NOT NULL,
    PRIMARY KEY (sender, message_id)
);
CREATE INDEX release_notices_received ON release_notices (jurisdiction, received_at);
