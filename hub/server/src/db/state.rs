//! The state a batch's messages decide on and change: consents with their withdrawals, cases
//! with their participants, handovers.
//!
//! It is read for the whole batch when the batch starts, three queries in all (the cases are
//! locked `FOR UPDATE`), and each message's effects are applied to it in memory, so the next
//! message of the batch decides on what the one before left, exactly as if each had read the
//! database. Cases and handovers are written when the batch ends, one statement per table;
//! consents, withdrawals and keys, which are rare, are written at once. Reading per message
//! cost five round trips in a row each, most of the hub's time per message.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use hub_core::Effect;
use hub_core::cases::{Case, CaseClaim, Handover, HandoverKind, HandoverState, Stage};
use hub_core::consent::{ConsentInForce, Withdrawal};
use schemas::messages::{CaseEndReason, ConsentRecord, WithdrawalScope};
use schemas::vocab::enum_text;
use schemas::{AgencyId, Body, CaseId, Envelope, GatewayRef, Message, Pseudonym};
use sqlx::types::Json;
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use super::columns::{self, Vocab, decode_err};

/// The state of a batch, as read and as changed so far.
#[derive(Debug, Default)]
pub struct BatchState {
    /// Every consent version read or recorded, by id and version (the order decisions see).
    consents: BTreeMap<(Uuid, u32), ConsentInForce>,
    /// Subjects whose consents are all in `consents`.
    subjects_read: HashSet<String>,
    /// The pseudonyms linked as one person with each subject read (itself included).
    groups: HashMap<String, BTreeSet<Pseudonym>>,
    /// Consent ids whose versions are all in `consents`.
    consent_ids_read: HashSet<Uuid>,
    /// Cases read (`None`: no such case yet) or saved.
    cases: HashMap<CaseId, Option<Case>>,
    /// The handovers of each case in `cases`.
    handovers: HashMap<CaseId, Vec<Handover>>,
    /// Handovers in the database when they were read.
    stored_handovers: HashSet<Uuid>,
    /// Claims on case ids that have no case (read with the cases, or recorded).
    claims: HashMap<CaseId, CaseClaim>,
    /// The published sealing key ids of each agency read (read once per batch for the
    /// recipients of its messages with sealed fields; keys recorded since are added).
    sealing_keys: HashMap<AgencyId, BTreeSet<String>>,
    /// What waits to be written.
    pending: Pending,
}

/// What one message decides on.
#[derive(Debug, Default)]
pub struct MessageState {
    /// The consents about its subject, and the one it names.
    pub consents: Vec<ConsentInForce>,
    /// Its case, if it names one that exists.
    pub case: Option<Case>,
    /// That case's handovers.
    pub handovers: Vec<Handover>,
    /// The claim on its case id, when the hub has no case for it but a refused message
    /// named it first.
    pub claim: Option<CaseClaim>,
    /// The published key ids of its recipients, when it carries a sealed field.
    pub sealing_keys: hub_core::routing::SealingKeys,
    /// The pseudonyms linked as one person with its subject (for a `PersonLinked`, with
    /// `body.previous`), itself included.
    pub same_person: BTreeSet<Pseudonym>,
}

/// Whether `message` carries a sealed field, whose copies are checked against its recipients'
/// published keys.
fn carries_sealed(message: &Message) -> bool {
    schemas::messages::sealed_field(message.envelope.message_type).is_some()
        || message.body.sealed_identity().is_some()
}

#[derive(Debug, Default)]
struct Pending {
    cases: BTreeMap<CaseId, CaseWrite>,
    participants: BTreeSet<(CaseId, AgencyId)>,
    handovers: Vec<HandoverWrite>,
    handover_index: HashMap<Uuid, usize>,
    reject_codes: BTreeMap<Uuid, &'static str>,
}

#[derive(Debug)]
struct CaseWrite {
    case: Case,
    opened_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// One handover's saves in this batch, merged into the row the saves one by one would have
/// left: created by the first (unless it was stored already), updated by the rest.
#[derive(Debug)]
struct HandoverWrite {
    handover: Handover,
    jurisdiction: String,
    requested_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// When an update first found it received or answered.
    received_at: Option<DateTime<Utc>>,
    /// When an update last found it answered.
    answered_at: Option<DateTime<Utc>>,
}

/// The person a consent record names: its other records (one in force per programme) are
/// read even when the envelope names no subject.
fn consent_subject(message: &Message) -> Option<&str> {
    match &message.body {
        Body::ConsentGranted(g) => Some(g.consent.subject.as_str()),
        _ => None,
    }
}

/// The person whose linked pseudonyms `message` decides with: its subject, or for a
/// `PersonLinked` the previous pseudonym.
fn person_of(message: &Message) -> Option<&str> {
    match &message.body {
        Body::PersonLinked(linked) => Some(linked.previous.as_str()),
        _ => message.envelope.subject.as_ref().map(Pseudonym::as_str),
    }
}

fn named_consent(message: &Message) -> Option<Uuid> {
    match &message.body {
        Body::ConsentGranted(g) => Some(g.consent.consent_id),
        Body::ConsentWithdrawn(w) => Some(w.consent_id),
        _ => None,
    }
}

impl BatchState {
    /// Reads, in one query per table, what `messages` may decide on and is not read yet.
    pub async fn read(
        &mut self,
        tx: &mut Transaction<'_, Postgres>,
        messages: &[&Message],
    ) -> Result<(), sqlx::Error> {
        // The pseudonyms linked with each person named, then the consents of all of them.
        let people: BTreeSet<&str> = messages
            .iter()
            .flat_map(|m| [person_of(m), consent_subject(m)])
            .flatten()
            .filter(|p| !self.groups.contains_key(*p))
            .collect();
        if !people.is_empty() {
            self.read_groups(tx, people).await?;
        }
        let mut subjects = BTreeSet::new();
        let mut consent_ids = BTreeSet::new();
        let mut case_ids = BTreeSet::new();
        let mut key_holders = BTreeSet::new();
        for message in messages {
            for person in [person_of(message), consent_subject(message)]
                .into_iter()
                .flatten()
            {
                subjects.extend(
                    self.groups
                        .get(person)
                        .into_iter()
                        .flatten()
                        .map(Pseudonym::as_str)
                        .filter(|s| !self.subjects_read.contains(*s))
                        .map(str::to_owned),
                );
            }
            let e = &message.envelope;
            if carries_sealed(message) {
                key_holders.extend(
                    e.recipients
                        .iter()
                        .filter(|r| !self.sealing_keys.contains_key(*r))
                        .cloned(),
                );
            }
            if let Some(id) = named_consent(message)
                && !self.consent_ids_read.contains(&id)
            {
                consent_ids.insert(id);
            }
            if let Some(case_id) = &e.case_id
                && !self.cases.contains_key(case_id)
            {
                case_ids.insert(case_id.clone());
            }
        }
        if !subjects.is_empty() || !consent_ids.is_empty() {
            self.read_consents(tx, subjects, consent_ids).await?;
        }
        if !case_ids.is_empty() {
            self.read_cases(tx, case_ids).await?;
        }
        if !key_holders.is_empty() {
            self.read_sealing_keys(tx, key_holders).await?;
        }
        Ok(())
    }

    async fn read_groups(
        &mut self,
        tx: &mut Transaction<'_, Postgres>,
        people: BTreeSet<&str>,
    ) -> Result<(), sqlx::Error> {
        let people: Vec<String> = people.into_iter().map(str::to_owned).collect();
        #[derive(sqlx::FromRow)]
        struct Member {
            subject: String,
            #[sqlx(try_from = "String")]
            member: Pseudonym,
        }
        let rows: Vec<Member> = sqlx::query_as("SELECT subject, member FROM person_group($1)")
            .bind(&people)
            .fetch_all(&mut **tx)
            .await?;
        for Member { subject, member } in rows {
            self.groups.entry(subject).or_default().insert(member);
        }
        Ok(())
    }

    /// Whether anything this batch holds in memory names `subject`: a case or claim saved, or
    /// a consent recorded (what the database does not hold yet).
    pub fn names_subject(&self, subject: &Pseudonym) -> bool {
        self.cases.values().flatten().any(|c| &c.subject == subject)
            || self.claims.values().any(|c| &c.subject == subject)
            || self.consents.values().any(|c| &c.record.subject == subject)
    }

    async fn read_sealing_keys(
        &mut self,
        tx: &mut Transaction<'_, Postgres>,
        agencies: BTreeSet<AgencyId>,
    ) -> Result<(), sqlx::Error> {
        #[derive(sqlx::FromRow)]
        struct SealingKey {
            #[sqlx(try_from = "String")]
            agency: AgencyId,
            key_id: String,
        }
        let rows: Vec<SealingKey> =
            sqlx::query_as("SELECT agency, key_id FROM sealing_keys WHERE agency = ANY($1)")
                .bind(agencies.iter().map(AgencyId::as_str).collect::<Vec<_>>())
                .fetch_all(&mut **tx)
                .await?;
        for agency in agencies {
            self.sealing_keys.entry(agency).or_default();
        }
        for SealingKey { agency, key_id } in rows {
            self.sealing_keys.entry(agency).or_default().insert(key_id);
        }
        Ok(())
    }

    async fn read_consents(
        &mut self,
        tx: &mut Transaction<'_, Postgres>,
        subjects: BTreeSet<String>,
        consent_ids: BTreeSet<Uuid>,
    ) -> Result<(), sqlx::Error> {
        let subjects: Vec<String> = subjects.into_iter().collect();
        let consent_ids: Vec<Uuid> = consent_ids.into_iter().collect();
        // Each consent version with its withdrawals, in one round trip.
        #[derive(sqlx::FromRow)]
        struct StoredConsent {
            record: Json<ConsentRecord>,
            superseded: bool,
            withdrawals: Json<Vec<serde_json::Value>>,
        }
        let rows: Vec<StoredConsent> = sqlx::query_as(
            "SELECT record, superseded,
                    COALESCE((SELECT jsonb_agg(jsonb_build_object('at', w.withdrawn_at, 'scope', w.scope,
                                                                  'through', w.through_version)
                                               ORDER BY w.withdrawn_at)
                              FROM consent_withdrawals w WHERE w.consent_id = c.consent_id), '[]'::jsonb)
                      AS withdrawals
             FROM consents c WHERE subject = ANY($1) OR consent_id = ANY($2)",
        )
        .bind(&subjects)
        .bind(&consent_ids)
        .fetch_all(&mut **tx)
        .await?;
        for row in rows {
            let record = row.record.0;
            let withdrawals = (row.withdrawals.0)
                .into_iter()
                .map(|mut w| {
                    Ok(Withdrawal {
                        at: serde_json::from_value(w["at"].take()).map_err(decode_err)?,
                        scope: serde_json::from_value(w["scope"].take()).map_err(decode_err)?,
                        // Recorded before versions were scoped: every version.
                        through_version: serde_json::from_value::<Option<u32>>(w["through"].take())
                            .map_err(decode_err)?
                            .unwrap_or(u32::MAX),
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
            // Consents are written at once, so what the database holds is current.
            self.consents.insert(
                (record.consent_id, record.version),
                ConsentInForce {
                    record,
                    superseded: row.superseded,
                    withdrawals,
                },
            );
        }
        self.subjects_read.extend(subjects);
        self.consent_ids_read.extend(consent_ids);
        Ok(())
    }

    async fn read_cases(
        &mut self,
        tx: &mut Transaction<'_, Postgres>,
        case_ids: BTreeSet<CaseId>,
    ) -> Result<(), sqlx::Error> {
        let ids: Vec<&str> = case_ids.iter().map(CaseId::as_str).collect();
        // Locked in id order, so two hubs locking several cases cannot deadlock.
        let rows: Vec<StoredCase> = sqlx::query_as(
            "SELECT case_id, subject, owner, stage, end_reason,
                    ARRAY(SELECT agency FROM case_participants p WHERE p.case_id = c.case_id) AS participants
             FROM cases c WHERE case_id = ANY($1) ORDER BY case_id FOR UPDATE",
        )
        .bind(&ids)
        .fetch_all(&mut **tx)
        .await?;
        for row in rows {
            let case = Case::try_from(row)?;
            self.cases.insert(case.id.clone(), Some(case));
        }
        let rows: Vec<StoredHandover> = sqlx::query_as(
            "SELECT case_id, handover_id, kind, from_agency, to_agency, state, gateway
             FROM handovers WHERE case_id = ANY($1)",
        )
        .bind(&ids)
        .fetch_all(&mut **tx)
        .await?;
        for row in rows {
            let handover = Handover::try_from(row)?;
            self.stored_handovers.insert(handover.id);
            self.handovers
                .entry(handover.case_id.clone())
                .or_default()
                .push(handover);
        }
        // A claim matters only while the id has no case: read for those, in one query.
        let unopened: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| {
                !matches!(
                    CaseId::try_from(*id)
                        .ok()
                        .and_then(|id| self.cases.get(&id).cloned()),
                    Some(Some(_))
                )
            })
            .collect();
        if !unopened.is_empty() {
            #[derive(sqlx::FromRow)]
            struct StoredClaim {
                #[sqlx(try_from = "String")]
                case_id: CaseId,
                #[sqlx(try_from = "String")]
                opener: AgencyId,
                #[sqlx(try_from = "String")]
                subject: Pseudonym,
            }
            let rows: Vec<StoredClaim> = sqlx::query_as(
                "SELECT case_id, opener, subject FROM case_claims WHERE case_id = ANY($1)",
            )
            .bind(&unopened)
            .fetch_all(&mut **tx)
            .await?;
            for c in rows {
                let claim = CaseClaim {
                    case_id: c.case_id,
                    opener: c.opener,
                    subject: c.subject,
                };
                self.claims.insert(claim.case_id.clone(), claim);
            }
        }
        for id in case_ids {
            self.cases.entry(id).or_insert(None);
        }
        Ok(())
    }

    /// What `message` decides on: the state as the messages before it in the batch left it.
    /// It must have been [`read`](Self::read).
    pub fn for_message(&self, message: &Message) -> MessageState {
        let e = &message.envelope;
        let named = named_consent(message);
        let same_person: BTreeSet<Pseudonym> = person_of(message)
            .and_then(|p| self.groups.get(p))
            .cloned()
            .unwrap_or_default();
        let consent_subject = consent_subject(message);
        let consents = self
            .consents
            .values()
            .filter(|c| {
                same_person.contains(&c.record.subject)
                    || Some(c.record.subject.as_str()) == consent_subject
                    || Some(c.record.consent_id) == named
            })
            .cloned()
            .collect();
        let case = e
            .case_id
            .as_ref()
            .and_then(|id| self.cases.get(id).cloned().flatten());
        let handovers = match &case {
            Some(case) => self.handovers.get(&case.id).cloned().unwrap_or_default(),
            None => Vec::new(),
        };
        let claim = match (&case, &e.case_id) {
            (None, Some(id)) => self.claims.get(id).cloned(),
            _ => None,
        };
        let sealing_keys = if carries_sealed(message) {
            e.recipients
                .iter()
                .filter_map(|r| Some((r.clone(), self.sealing_keys.get(r)?.clone())))
                .filter(|(_, keys)| !keys.is_empty())
                .collect()
        } else {
            Default::default()
        };
        MessageState {
            consents,
            case,
            handovers,
            claim,
            sealing_keys,
            same_person,
        }
    }

    /// Applies one effect of an accepted message: to the state at once, and to the database
    /// at once (consents, withdrawals, keys) or when the batch ends (cases, handovers).
    /// `at` dates the effect; `jurisdiction` is the sender's, for a new handover.
    pub async fn apply(
        &mut self,
        tx: &mut Transaction<'_, Postgres>,
        effect: &Effect,
        envelope: &Envelope,
        at: DateTime<Utc>,
        jurisdiction: &str,
    ) -> Result<(), sqlx::Error> {
        match effect {
            Effect::SaveCase(case) => {
                self.save_case(case, at);
                Ok(())
            }
            Effect::SaveHandover(handover) => {
                self.save_handover(handover, at, jurisdiction);
                Ok(())
            }
            Effect::RecordKey {
                agency,
                key_id,
                public_key,
            } => {
                // A key announced again after a newer one becomes current again: it takes the
                // next seq (see `keys`).
                sqlx::query(
                    "INSERT INTO sealing_keys (agency, key_id, scheme, public_key, published_at)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (agency, key_id) DO UPDATE
                         SET seq = nextval(pg_get_serial_sequence('sealing_keys', 'seq'))
                         WHERE sealing_keys.seq < (SELECT max(s.seq) FROM sealing_keys s
                                                   WHERE s.agency = EXCLUDED.agency)",
                )
                .bind(agency.as_str())
                .bind(key_id)
                .bind(schemas::messages::SEALING_SCHEME)
                .bind(public_key)
                .bind(at)
                .execute(&mut **tx)
                .await?;
                // Counted for the limit per hour (`keys::recent_announcements`), by the
                // database's clock.
                sqlx::query(
                    "INSERT INTO key_announcements (agency, message_id, announced_at)
                     VALUES ($1, $2, now()) ON CONFLICT DO NOTHING",
                )
                .bind(agency.as_str())
                .bind(envelope.message_id.as_uuid())
                .execute(&mut **tx)
                .await?;
                // A later message of the batch may seal to it.
                if let Some(keys) = self.sealing_keys.get_mut(agency) {
                    keys.insert(key_id.clone());
                }
                Ok(())
            }
            Effect::ClaimCase(claim) => {
                // Rare (a refused first message of a case): written at once.
                sqlx::query(
                    "INSERT INTO case_claims (case_id, opener, subject, claimed_at)
                     VALUES ($1, $2, $3, $4) ON CONFLICT (case_id) DO NOTHING",
                )
                .bind(claim.case_id.as_str())
                .bind(claim.opener.as_str())
                .bind(claim.subject.as_str())
                .bind(at)
                .execute(&mut **tx)
                .await?;
                self.claims
                    .entry(claim.case_id.clone())
                    .or_insert_with(|| claim.clone());
                Ok(())
            }
            Effect::RecordConsent(record) => self.record_consent(tx, record, at).await,
            Effect::LinkPersons {
                previous,
                current,
                by,
                reason,
            } => {
                // Rare: written at once.
                sqlx::query(
                    "INSERT INTO person_links (previous, current, linked_by, reason, message_id, linked_at)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(previous.as_str())
                .bind(current.as_str())
                .bind(by.as_str())
                .bind(match reason {
                    schemas::messages::LinkReason::NumberChanged => "number_changed",
                    schemas::messages::LinkReason::KeyRotated => "key_rotated",
                })
                .bind(envelope.message_id.as_uuid())
                .bind(at)
                .execute(&mut **tx)
                .await?;
                // The rest of the batch sees one person.
                let mut group: BTreeSet<Pseudonym> = [previous, current]
                    .into_iter()
                    .flat_map(|p| {
                        self.groups
                            .get(p.as_str())
                            .cloned()
                            .unwrap_or_else(|| BTreeSet::from([p.clone()]))
                    })
                    .collect();
                group.insert(previous.clone());
                group.insert(current.clone());
                for member in &group {
                    self.groups
                        .insert(member.as_str().to_owned(), group.clone());
                }
                Ok(())
            }
            Effect::RecordWithdrawal {
                consent_id,
                withdrawal,
                evidence,
            } => {
                let evidence = match evidence {
                    Some(e) => Some(serde_json::to_value(e).map_err(decode_err)?),
                    None => None,
                };
                self.record_withdrawal(tx, *consent_id, withdrawal, evidence, envelope, at)
                    .await
            }
        }
    }

    fn save_case(&mut self, case: &Case, at: DateTime<Utc>) {
        // Participants are only ever added (the table keeps every one), and the subject of a
        // stored case does not change.
        let mut saved = case.clone();
        if let Some(Some(before)) = self.cases.get(&case.id) {
            saved.subject = before.subject.clone();
            saved
                .participants
                .extend(before.participants.iter().cloned());
        }
        for agency in &case.participants {
            self.pending
                .participants
                .insert((case.id.clone(), agency.clone()));
        }
        self.pending
            .cases
            .entry(case.id.clone())
            .and_modify(|w| {
                w.case = saved.clone();
                w.updated_at = at;
            })
            .or_insert_with(|| CaseWrite {
                case: saved.clone(),
                opened_at: at,
                updated_at: at,
            });
        self.cases.insert(case.id.clone(), Some(saved));
    }

    fn save_handover(&mut self, handover: &Handover, at: DateTime<Utc>, jurisdiction: &str) {
        let received = matches!(handover.state, HandoverState::Received);
        let answered = matches!(
            handover.state,
            HandoverState::Accepted | HandoverState::Rejected
        );
        let pending = &mut self.pending;
        match pending.handover_index.get(&handover.id) {
            Some(&i) => {
                let w = &mut pending.handovers[i];
                w.handover.state = handover.state;
                w.updated_at = at;
                if received || answered {
                    w.received_at = w.received_at.or(Some(at));
                }
                if answered {
                    w.answered_at = Some(at);
                }
            }
            None => {
                let update = self.stored_handovers.contains(&handover.id);
                pending
                    .handover_index
                    .insert(handover.id, pending.handovers.len());
                pending.handovers.push(HandoverWrite {
                    handover: handover.clone(),
                    jurisdiction: jurisdiction.to_owned(),
                    requested_at: at,
                    updated_at: at,
                    received_at: (update && (received || answered)).then_some(at),
                    answered_at: (update && answered).then_some(at),
                });
            }
        }
        let list = self.handovers.entry(handover.case_id.clone()).or_default();
        match list.iter_mut().find(|h| h.id == handover.id) {
            Some(h) => h.state = handover.state,
            None => list.push(handover.clone()),
        }
    }

    /// Notes the reason code of a rejected handover, written with the handovers.
    pub fn reject_code(&mut self, handover_id: Uuid, code: &'static str) {
        self.pending.reject_codes.insert(handover_id, code);
    }

    async fn record_consent(
        &mut self,
        tx: &mut Transaction<'_, Postgres>,
        record: &ConsentRecord,
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE consents SET superseded = true WHERE consent_id = $1 AND version < $2")
            .bind(record.consent_id)
            .bind(i64::from(record.version))
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO consents (consent_id, version, subject, custodian, record, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(record.consent_id)
        .bind(i32::try_from(record.version).map_err(decode_err)?)
        .bind(record.subject.as_str())
        .bind(record.custodian.as_str())
        .bind(serde_json::to_value(record).map_err(decode_err)?)
        .bind(at)
        .execute(&mut **tx)
        .await?;
        let mut withdrawals = Vec::new();
        for ((id, version), c) in self.consents.iter_mut() {
            if *id == record.consent_id {
                withdrawals.clone_from(&c.withdrawals);
                if *version < record.version {
                    c.superseded = true;
                }
            }
        }
        self.consents.insert(
            (record.consent_id, record.version),
            ConsentInForce {
                record: record.clone(),
                superseded: false,
                withdrawals,
            },
        );
        Ok(())
    }

    async fn record_withdrawal(
        &mut self,
        tx: &mut Transaction<'_, Postgres>,
        consent_id: Uuid,
        withdrawal: &Withdrawal,
        evidence: Option<serde_json::Value>,
        envelope: &Envelope,
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        let scope = serde_json::to_value(&withdrawal.scope).map_err(decode_err)?;
        let inserted = sqlx::query(
            "INSERT INTO consent_withdrawals (consent_id, withdrawn_at, scope, recorded_by, message_id,
                                              through_version, evidence)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(consent_id)
        .bind(withdrawal.at)
        .bind(&scope)
        .bind(envelope.sender.as_str())
        .bind(envelope.message_id.as_uuid())
        .bind(i64::from(withdrawal.through_version))
        .bind(evidence)
        .execute(&mut **tx)
        .await?
        .rows_affected()
            == 1;
        if inserted {
            for ((id, _), c) in self.consents.iter_mut() {
                if *id == consent_id {
                    // Oldest first, as read.
                    let position = c.withdrawals.partition_point(|w| w.at <= withdrawal.at);
                    c.withdrawals.insert(position, withdrawal.clone());
                }
            }
        }
        // Effective at once: what is still waiting to be published under it stays put.
        let recipients: Option<Vec<String>> = match &withdrawal.scope {
            WithdrawalScope::Entire => None,
            WithdrawalScope::Recipients(list) => {
                Some(list.iter().map(ToString::to_string).collect())
            }
        };
        // A copy relied on it when its envelope names it or when the disclosure log names it
        // for any category (several records may each have covered part of it).
        sqlx::query(
            "UPDATE outbox o SET cancelled_at = $2, cancel_reason = 'CONSENT_WITHDRAWN'
             WHERE o.published_at IS NULL AND o.cancelled_at IS NULL
               AND ($3::text[] IS NULL OR cardinality($3) = 0 OR o.recipient = ANY($3))
               AND (o.consent_id = $1
                    OR EXISTS (SELECT 1 FROM decisions d
                               WHERE d.sender = o.sender AND d.message_id = o.message_id
                                 AND d.recipient = o.recipient AND d.delivered
                                 AND array_to_string(d.basis, ',') LIKE '%=CONSENT:' || $4 || '@%'))",
        )
        .bind(consent_id)
        .bind(at)
        .bind(recipients)
        .bind(consent_id.to_string())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Writes the cases, participants and handovers the batch saved, one statement each.
    pub async fn flush(&mut self, tx: &mut Transaction<'_, Postgres>) -> Result<(), sqlx::Error> {
        let Pending {
            cases,
            participants,
            handovers,
            handover_index: _,
            reject_codes,
        } = std::mem::take(&mut self.pending);
        if !cases.is_empty() {
            let cases: Vec<CaseWrite> = cases.into_values().collect();
            sqlx::query(
                "INSERT INTO cases (case_id, subject, owner, stage, end_reason, opened_at, updated_at)
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                                      $6::timestamptz[], $7::timestamptz[])
                 ON CONFLICT (case_id) DO UPDATE SET owner = EXCLUDED.owner, stage = EXCLUDED.stage,
                     end_reason = EXCLUDED.end_reason, updated_at = EXCLUDED.updated_at",
            )
            .bind(cases.iter().map(|w| w.case.id.as_str()).collect::<Vec<_>>())
            .bind(cases.iter().map(|w| w.case.subject.as_str()).collect::<Vec<_>>())
            .bind(cases.iter().map(|w| w.case.owner.as_str()).collect::<Vec<_>>())
            .bind(cases.iter().map(|w| w.case.stage.name()).collect::<Vec<_>>())
            .bind(
                cases
                    .iter()
                    .map(|w| match w.case.stage {
                        Stage::Closed(reason) => Some(enum_text(&reason)),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            )
            .bind(cases.iter().map(|w| w.opened_at).collect::<Vec<_>>())
            .bind(cases.iter().map(|w| w.updated_at).collect::<Vec<_>>())
            .execute(&mut **tx)
            .await?;
        }
        if !participants.is_empty() {
            let (case_ids, agencies): (Vec<String>, Vec<String>) = participants
                .into_iter()
                .map(|(c, a)| (c.as_str().to_owned(), a.to_string()))
                .unzip();
            sqlx::query(
                "INSERT INTO case_participants (case_id, agency)
                 SELECT * FROM UNNEST($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
            )
            .bind(case_ids)
            .bind(agencies)
            .execute(&mut **tx)
            .await?;
        }
        if !handovers.is_empty() {
            let h = |f: fn(&HandoverWrite) -> String| handovers.iter().map(f).collect::<Vec<_>>();
            // A handover id already used by another case is left alone, never moved or changed.
            sqlx::query(
                "INSERT INTO handovers (handover_id, case_id, from_agency, to_agency, state, gateway,
                                        jurisdiction, requested_at, updated_at, kind, received_at, answered_at)
                 SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                                      $7::text[], $8::timestamptz[], $9::timestamptz[], $10::text[],
                                      $11::timestamptz[], $12::timestamptz[])
                 ON CONFLICT (handover_id) DO UPDATE SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at,
                     received_at = coalesce(handovers.received_at, EXCLUDED.received_at),
                     answered_at = coalesce(EXCLUDED.answered_at, handovers.answered_at)
                 WHERE handovers.case_id = EXCLUDED.case_id",
            )
            .bind(handovers.iter().map(|w| w.handover.id).collect::<Vec<_>>())
            .bind(h(|w| w.handover.case_id.as_str().to_owned()))
            .bind(h(|w| w.handover.from.to_string()))
            .bind(h(|w| w.handover.to.to_string()))
            .bind(h(|w| w.handover.state.as_str().to_owned()))
            .bind(h(|w| w.handover.gateway.as_str().to_owned()))
            .bind(h(|w| w.jurisdiction.clone()))
            .bind(handovers.iter().map(|w| w.requested_at).collect::<Vec<_>>())
            .bind(handovers.iter().map(|w| w.updated_at).collect::<Vec<_>>())
            .bind(h(|w| w.handover.kind.as_str().to_owned()))
            .bind(handovers.iter().map(|w| w.received_at).collect::<Vec<_>>())
            .bind(handovers.iter().map(|w| w.answered_at).collect::<Vec<_>>())
            .execute(&mut **tx)
            .await?;
        }
        if !reject_codes.is_empty() {
            let (ids, codes): (Vec<Uuid>, Vec<&str>) = reject_codes.into_iter().unzip();
            sqlx::query(
                "UPDATE handovers h SET reject_code = u.code
                 FROM UNNEST($1::uuid[], $2::text[]) AS u(id, code)
                 WHERE h.handover_id = u.id AND h.state = 'rejected'",
            )
            .bind(ids)
            .bind(codes)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }
}

/// A case as stored, with its participants.
#[derive(sqlx::FromRow)]
struct StoredCase {
    #[sqlx(try_from = "String")]
    case_id: CaseId,
    #[sqlx(try_from = "String")]
    subject: Pseudonym,
    #[sqlx(try_from = "String")]
    owner: AgencyId,
    stage: String,
    end_reason: Option<Vocab<CaseEndReason>>,
    participants: Vec<String>,
}

impl TryFrom<StoredCase> for Case {
    type Error = sqlx::Error;

    fn try_from(row: StoredCase) -> Result<Case, sqlx::Error> {
        let stage = Stage::from_name(&row.stage, row.end_reason.map(|Vocab(r)| r))
            .ok_or_else(|| decode_err(format!("case stage {:?}", row.stage)))?;
        Ok(Case {
            id: row.case_id,
            subject: row.subject,
            owner: row.owner,
            participants: columns::each(row.participants)?.into_iter().collect(),
            stage,
        })
    }
}

/// A handover as stored: the columns `handover_id, kind, case_id, from_agency, to_agency,
/// state, gateway`.
#[derive(sqlx::FromRow)]
pub(crate) struct StoredHandover {
    handover_id: Uuid,
    kind: String,
    #[sqlx(try_from = "String")]
    case_id: CaseId,
    #[sqlx(try_from = "String")]
    from_agency: AgencyId,
    #[sqlx(try_from = "String")]
    to_agency: AgencyId,
    state: String,
    #[sqlx(try_from = "String")]
    gateway: GatewayRef,
}

impl TryFrom<StoredHandover> for Handover {
    type Error = sqlx::Error;

    fn try_from(row: StoredHandover) -> Result<Handover, sqlx::Error> {
        Ok(Handover {
            id: row.handover_id,
            kind: HandoverKind::from_name(&row.kind)
                .ok_or_else(|| decode_err(format!("handover kind {:?}", row.kind)))?,
            case_id: row.case_id,
            from: row.from_agency,
            to: row.to_agency,
            state: HandoverState::from_name(&row.state)
                .ok_or_else(|| decode_err(format!("handover state {:?}", row.state)))?,
            gateway: row.gateway,
        })
    }
}
