-- Relocations are handovers of their own kind (a RelocationRequest's relocation_id is the
-- handover id), and the sealing keys agencies publish.

ALTER TABLE handovers ADD COLUMN kind text NOT NULL DEFAULT 'handover'
    CHECK (kind IN ('handover', 'relocation'));

-- Public keys only: private keys never leave the agencies. An agency's newest key (highest
-- seq) is its current one; older ones stay listed so their holders' copies remain explained.
-- The directory's version is the highest seq.
CREATE TABLE sealing_keys (
    seq          bigserial UNIQUE,
    agency       text NOT NULL REFERENCES agencies (id),
    key_id       text NOT NULL,
    scheme       text NOT NULL,
    public_key   text NOT NULL,
    published_at timestamptz NOT NULL,
    PRIMARY KEY (agency, key_id)
);
