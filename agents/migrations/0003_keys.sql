-- Sealed fields. The agency's own key pairs: the one with no `retired_at` is current (the one
-- published for senders to seal to); rotated-out keys are kept, so what was sealed to them
-- still opens. The private key never leaves this file.
CREATE TABLE own_keys (
    key_id      TEXT PRIMARY KEY,
    public_key  TEXT NOT NULL,
    private_key BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    retired_at  TEXT
);
-- At most one current key, even when the service and the command line race.
CREATE UNIQUE INDEX own_keys_one_current ON own_keys ((retired_at IS NULL)) WHERE retired_at IS NULL;

-- The newest key directory received from the hub: its version (one row), and its entries.
CREATE TABLE key_directory (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    version     INTEGER NOT NULL,
    received_at TEXT NOT NULL
);

CREATE TABLE directory_keys (
    agency             TEXT NOT NULL,
    key_id             TEXT NOT NULL,
    role               TEXT NOT NULL,
    scheme             TEXT NOT NULL,
    public_key         TEXT NOT NULL,
    published_at       TEXT NOT NULL,
    current            INTEGER NOT NULL,
    protected_location INTEGER NOT NULL,
    PRIMARY KEY (agency, key_id)
);
