-- Two pseudonyms that are one person (a changed identity number, a rotated pseudonym key):
-- the hub records only the link. Each pseudonym has at most one successor and at most one
-- predecessor, so a person's pseudonyms form a chain; consent, cases and the disclosure log
-- follow it.
CREATE TABLE person_links (
    previous   text PRIMARY KEY,
    current    text NOT NULL UNIQUE,
    linked_by  text NOT NULL,
    reason     text NOT NULL CHECK (reason IN ('number_changed', 'key_rotated')),
    message_id uuid NOT NULL,
    linked_at  timestamptz NOT NULL
);

-- The pseudonyms linked with each of $1 (itself included), following links both ways.
CREATE FUNCTION person_group(subjects text[]) RETURNS TABLE (subject text, member text)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE g(subject, member) AS (
        SELECT s, s FROM unnest(subjects) AS s
        UNION
        SELECT g.subject, CASE WHEN l.previous = g.member THEN l.current ELSE l.previous END
        FROM g JOIN person_links l ON l.previous = g.member OR l.current = g.member
    )
    SELECT subject, member FROM g
$$;
