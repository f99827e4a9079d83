-- Failed dashboard logins, counted per login name and per client address, whether or not the
-- name exists (so a throttled name tells nothing about which names exist). A key's delay
-- grows with its failures; a success clears its name's row. Replaces the hard 15-minute
-- lockout of dashboard_users.failed_logins / locked_until (kept, no longer written).
CREATE TABLE dashboard_login_throttle (
    key           text PRIMARY KEY,
    failures      integer NOT NULL,
    last_failure  timestamptz NOT NULL,
    not_before    timestamptz NOT NULL
);
