-- Issue 14, who may make a gateway.
-- The disclosure log names, per category, the gateway that allowed it ("CATEGORY=GATEWAY"),
-- as several consent records (and statutes) in force may each cover part of a delivery.
ALTER TABLE decisions ADD COLUMN basis text[] NOT NULL DEFAULT '{}';

-- A withdrawal covers the versions that existed when it was recorded (NULL: recorded before
-- versions were scoped, so every version); a new version from the custodian after it is in
-- force from its start. One recorded by an agency other than the custodian keeps its evidence
-- (who received the person's wish, when and how).
ALTER TABLE consent_withdrawals ADD COLUMN through_version integer;
ALTER TABLE consent_withdrawals ADD COLUMN evidence jsonb;
