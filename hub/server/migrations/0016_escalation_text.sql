-- An escalation names its deadline and level by the one text form of `schemas`' vocabularies
-- (`schemas::vocab::enum_text`: `handover_answered`, `coordinator`), as the other tables do.
-- They were written as Rust's debug text: the deadline's name (`HandoverAnswered`) and the
-- breach (`First`, `Double`), whose escalation levels are the coordinator and the contact
-- point. The mapping is one-to-one and the old and new texts are apart, so the primary key
-- (subject_ref, deadline, level) stays unique.
UPDATE escalations SET
    deadline = CASE deadline
        WHEN 'ReleaseNotice' THEN 'release_notice'
        WHEN 'HandoverReceived' THEN 'handover_received'
        WHEN 'HandoverAnswered' THEN 'handover_answered'
        WHEN 'RelocationAnswered' THEN 'relocation_answered'
        ELSE deadline
    END,
    level = CASE level
        WHEN 'First' THEN 'coordinator'
        WHEN 'Double' THEN 'contact_point'
        ELSE level
    END;
