-- One audit entry per batch (issue 20): the messages a batch routes share one entry, whose
-- Merkle tree hash commits to one leaf per message, made from the message's record and its
-- disclosure log. A message's record names its entry and its leaf. Messages recorded before
-- this migration keep their entries of their own (both columns empty).
ALTER TABLE messages ADD COLUMN audit_seq bigint, ADD COLUMN audit_leaf integer;

-- Messages are written in the order of their entries, so a block-range index finds a range of
-- entries' messages (for the periodic check and `hub audit prove`) at almost no write cost.
CREATE INDEX messages_audit_seq ON messages USING brin (audit_seq);
