-- An agency's current sealing key is the one it announced last: a new key, or an older one
-- announced again (after a restore from a backup older than its last rotation) takes the
-- next seq. So seq orders when keys became current, not when they were first published.
COMMENT ON COLUMN sealing_keys.seq IS
    'Order in which keys became current; the highest per agency is its current key, the highest overall the directory version.';
