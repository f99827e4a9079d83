-- Each agency's inbox queue is `inbox.<agency>.<tag>` with a random tag, so that no other
-- agency can guess its name: RabbitMQ tells anyone who passively declares a queue how many
-- messages wait in it and how many consumers it has. The hub keeps the names here (for its
-- metrics, and so every hub instance and every re-provisioning uses the same one); the
-- agency gets its own from the operator with its credentials.
CREATE TABLE agency_inboxes (
    agency     text PRIMARY KEY,
    queue      text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
