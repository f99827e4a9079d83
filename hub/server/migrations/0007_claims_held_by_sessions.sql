-- An outbox row's claim names the hub instance that holds it: a random key of a session-level
-- advisory lock that the instance holds on a connection of its own. When the instance dies
-- (or loses its database session), the lock is gone and its claims are free at once, instead
-- of waiting for the claim time to run out.
ALTER TABLE outbox ADD COLUMN claimed_by integer;
