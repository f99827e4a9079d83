-- `hub agency disable` (and `remove`) stop an agency's traffic at once but keep its records:
-- the directory the hub loads leaves out a disabled agency, so anything from it still in
-- flight is refused like a message from an unknown sender. `hub agency enable` clears it.
ALTER TABLE agencies ADD COLUMN disabled_at timestamptz;
