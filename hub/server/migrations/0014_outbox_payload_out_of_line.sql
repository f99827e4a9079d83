-- An outbox row is written once and then marked published (or cancelled), and an UPDATE
-- writes a whole new version of the row. So that this version is small, the payload (the
-- message as forwarded, a few kilobytes) is kept compressed in the table's TOAST storage
-- once the row is over 128 bytes: the new version then points to the payload rather than
-- copying it, and the payload is written to the WAL once. Half of each page is left free,
-- so that the new version of a row fits on its page (a smaller WAL record, and no row lock
-- logged first).
ALTER TABLE outbox SET (toast_tuple_target = 128, fillfactor = 50);
