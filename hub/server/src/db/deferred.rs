//! Rows of a batch that no later message of the batch reads: the message records, the
//! disclosure log, the outbox, the contact point's figures (release notices and outcome
//! reports) and the audit entries. They are written with one statement
//! per table (`UNNEST` of column arrays) when the batch ends, instead of one round trip per
//! row, which was most of the hub's time per message. A message that does read them (a
//! consent withdrawal reads the disclosure log and cancels outbox rows) has them written
//! first ([`Deferred::flush`]).
//!
//! Only the outbox is inserted `ON CONFLICT DO NOTHING` (its ids are made from the message
//! and the recipient, and a row may already be there from an earlier decision). The other
//! rows are keyed by a message the batch has just taken for the first time (the batch reads
//! which it has taken, and the insert into `messages`, keyed by sender and message id, fails
//! the batch if another took it meanwhile), so a conflict there cannot happen and a
//! speculative insert would only cost a WAL record per row.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use hub_core::audit::{DecisionLeaf, MessageLeaf};
use schemas::vocab::enum_text;

use crate::plan::{Accepted, OutboxRow};

/// What a batch has decided and not yet written.
#[derive(Debug, Default)]
pub struct Deferred {
    messages: Messages,
    decisions: Decisions,
    outbox: Vec<OutboxRow>,
    release_notices: ReleaseNotices,
    outcomes: Outcomes,
}

/// Routed release notices, for the contact point's late-notice figures.
#[derive(Debug, Default)]
struct ReleaseNotices {
    sender: Vec<String>,
    message_id: Vec<Uuid>,
    jurisdiction: Vec<String>,
    expected_release: Vec<NaiveDate>,
    received_at: Vec<DateTime<Utc>>,
}

/// Outcome reports that reached a contact point: codes and booleans only.
#[derive(Debug, Default)]
struct Outcomes {
    sender: Vec<String>,
    message_id: Vec<Uuid>,
    case_id: Vec<Option<String>>,
    subject: Vec<Option<String>>,
    end_reason: Vec<String>,
    ended_on: Vec<NaiveDate>,
    no_new_serious_charge_12m: Vec<Option<bool>>,
    in_education_or_job_3m: Vec<Option<bool>>,
    reported_at: Vec<DateTime<Utc>>,
}

#[derive(Debug, Default)]
struct Messages {
    sender: Vec<String>,
    message_id: Vec<Uuid>,
    correlation_id: Vec<Uuid>,
    message_type: Vec<String>,
    case_id: Vec<Option<String>>,
    subject: Vec<Option<String>>,
    purpose: Vec<String>,
    body_sha256: Vec<Vec<u8>>,
    sent_at: Vec<DateTime<Utc>>,
    received_at: Vec<DateTime<Utc>>,
    outcome: Vec<&'static str>,
    reason: Vec<Option<&'static str>>,
    audit_seq: Vec<i64>,
    audit_leaf: Vec<i32>,
}

#[derive(Debug, Default)]
struct Decisions {
    sender: Vec<String>,
    message_id: Vec<Uuid>,
    recipient: Vec<String>,
    delivered: Vec<bool>,
    gateway: Vec<Option<String>>,
    /// Comma-separated (category names have no commas), split again in SQL: PostgreSQL
    /// arrays of arrays must be rectangular.
    categories: Vec<String>,
    reason: Vec<Option<&'static str>>,
    removed_categories: Vec<String>,
    /// `CATEGORY=GATEWAY` entries, comma-separated like `categories`.
    basis: Vec<String>,
}

/// The leaf of an accepted message in its batch's audit entry: its record and disclosure log
/// as [`Deferred::message`] writes them, so that a check made from the stored rows finds the
/// same leaf.
pub fn leaf(a: &Accepted) -> MessageLeaf {
    let e = &a.message.envelope;
    let texts = |values: &[_]| values.iter().map(enum_text).collect();
    MessageLeaf {
        sender: a.sender.to_string(),
        message_id: e.message_id.as_uuid().to_string(),
        message_type: e.message_type.as_str().to_owned(),
        body_sha256: a.body_sha256.to_vec(),
        outcome: outcome(a).to_owned(),
        reason: a.reason.map(|r| r.as_str().to_owned()),
        decisions: a
            .decisions
            .iter()
            .map(|d| DecisionLeaf {
                recipient: d.recipient.to_string(),
                delivered: d.delivered,
                gateway: d.gateway.clone(),
                categories: texts(&d.categories),
                reason: d.reason.map(|r| r.as_str().to_owned()),
                removed: texts(&d.removed),
                basis: d.basis.clone(),
            })
            .collect(),
    }
}

/// How a message's record names what came of it.
fn outcome(a: &Accepted) -> &'static str {
    if a.routed { "routed" } else { "refused" }
}

fn joined<T: serde::Serialize>(values: &[T]) -> String {
    values.iter().map(enum_text).collect::<Vec<_>>().join(",")
}

impl Deferred {
    /// Adds the record of an accepted message and its disclosure log; `(audit_seq,
    /// audit_leaf)` is its place in the audit log (see [`leaf`]).
    pub fn message(
        &mut self,
        a: &Accepted,
        now: DateTime<Utc>,
        (audit_seq, audit_leaf): (i64, i32),
    ) {
        let e = &a.message.envelope;
        let m = &mut self.messages;
        m.audit_seq.push(audit_seq);
        m.audit_leaf.push(audit_leaf);
        m.sender.push(a.sender.to_string());
        m.message_id.push(e.message_id.as_uuid());
        m.correlation_id.push(e.correlation_id);
        m.message_type.push(e.message_type.as_str().to_owned());
        m.case_id
            .push(e.case_id.as_ref().map(|c| c.as_str().to_owned()));
        m.subject
            .push(e.subject.as_ref().map(|s| s.as_str().to_owned()));
        m.purpose.push(enum_text(&e.purpose));
        m.body_sha256.push(a.body_sha256.to_vec());
        m.sent_at.push(e.sent_at);
        m.received_at.push(now);
        m.outcome.push(outcome(a));
        m.reason.push(a.reason.map(|r| r.as_str()));
        for d in &a.decisions {
            let x = &mut self.decisions;
            x.sender.push(a.sender.to_string());
            x.message_id.push(e.message_id.as_uuid());
            x.recipient.push(d.recipient.to_string());
            x.delivered.push(d.delivered);
            x.gateway.push(d.gateway.clone());
            x.categories.push(joined(&d.categories));
            x.reason.push(d.reason.map(|r| r.as_str()));
            x.removed_categories.push(joined(&d.removed));
            x.basis.push(d.basis.join(","));
        }
    }

    /// Adds outbox rows.
    pub fn outbox(&mut self, rows: Vec<OutboxRow>) {
        self.outbox.extend(rows);
    }

    /// Adds a routed release notice of `a`, from `jurisdiction`, received `at`.
    pub fn release_notice(
        &mut self,
        a: &Accepted,
        jurisdiction: String,
        expected_release: NaiveDate,
        at: DateTime<Utc>,
    ) {
        let r = &mut self.release_notices;
        r.sender.push(a.sender.to_string());
        r.message_id.push(a.message.envelope.message_id.as_uuid());
        r.jurisdiction.push(jurisdiction);
        r.expected_release.push(expected_release);
        r.received_at.push(at);
    }

    /// Adds the figures of an outcome report of `a` that reached a contact point.
    pub fn outcome(
        &mut self,
        a: &Accepted,
        report: &schemas::messages::OutcomeReport,
        at: DateTime<Utc>,
    ) {
        let e = &a.message.envelope;
        let o = &mut self.outcomes;
        o.sender.push(a.sender.to_string());
        o.message_id.push(e.message_id.as_uuid());
        o.case_id
            .push(e.case_id.as_ref().map(|c| c.as_str().to_owned()));
        o.subject
            .push(e.subject.as_ref().map(|s| s.as_str().to_owned()));
        o.end_reason.push(enum_text(&report.end_reason));
        o.ended_on.push(report.ended_on);
        o.no_new_serious_charge_12m
            .push(report.no_new_serious_charge_12m);
        o.in_education_or_job_3m.push(report.in_education_or_job_3m);
        o.reported_at.push(at);
    }

    /// Whether anything waits to be written.
    pub fn is_empty(&self) -> bool {
        self.messages.sender.is_empty()
            && self.decisions.sender.is_empty()
            && self.outbox.is_empty()
            && self.release_notices.sender.is_empty()
            && self.outcomes.sender.is_empty()
    }

    /// Writes what waits, in an order the foreign keys accept, and adds the outbox rows that
    /// were new (not already there from an earlier delivery of the same message) to `fresh`.
    pub async fn flush(
        &mut self,
        tx: &mut Transaction<'_, Postgres>,
        now: DateTime<Utc>,
        claimed_until: DateTime<Utc>,
        claimant: Option<i32>,
        fresh: &mut Vec<OutboxRow>,
    ) -> Result<(), sqlx::Error> {
        let Self {
            messages: m,
            decisions: d,
            outbox,
            release_notices: r,
            outcomes: o,
        } = std::mem::take(self);
        if !m.sender.is_empty() {
            sqlx::query(
                "INSERT INTO messages (sender, message_id, correlation_id, message_type, case_id, subject,
                                       purpose, body_sha256, sent_at, received_at, outcome, reason,
                                       audit_seq, audit_leaf)
                 SELECT * FROM UNNEST($1::text[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[],
                                      $7::text[], $8::bytea[], $9::timestamptz[], $10::timestamptz[], $11::text[], $12::text[],
                                      $13::bigint[], $14::int[])",
            )
            .bind(m.sender)
            .bind(m.message_id)
            .bind(m.correlation_id)
            .bind(m.message_type)
            .bind(m.case_id)
            .bind(m.subject)
            .bind(m.purpose)
            .bind(m.body_sha256)
            .bind(m.sent_at)
            .bind(m.received_at)
            .bind(m.outcome)
            .bind(m.reason)
            .bind(m.audit_seq)
            .bind(m.audit_leaf)
            .execute(&mut **tx)
            .await?;
        }
        if !d.sender.is_empty() {
            sqlx::query(
                "INSERT INTO decisions (sender, message_id, recipient, delivered, gateway, categories, reason,
                                        decided_at, removed_categories, basis)
                 SELECT s, m, r, d, g, string_to_array(c, ','), re, $9, string_to_array(rc, ','),
                        string_to_array(b, ',')
                 FROM UNNEST($1::text[], $2::uuid[], $3::text[], $4::bool[], $5::text[], $6::text[],
                             $7::text[], $8::text[], $10::text[]) AS u(s, m, r, d, g, c, re, rc, b)",
            )
            .bind(d.sender)
            .bind(d.message_id)
            .bind(d.recipient)
            .bind(d.delivered)
            .bind(d.gateway)
            .bind(d.categories)
            .bind(d.reason)
            .bind(d.removed_categories)
            .bind(now)
            .bind(d.basis)
            .execute(&mut **tx)
            .await?;
        }
        if !r.sender.is_empty() {
            sqlx::query(
                "INSERT INTO release_notices (sender, message_id, jurisdiction, expected_release, received_at)
                 SELECT * FROM UNNEST($1::text[], $2::uuid[], $3::text[], $4::date[], $5::timestamptz[])",
            )
            .bind(r.sender)
            .bind(r.message_id)
            .bind(r.jurisdiction)
            .bind(r.expected_release)
            .bind(r.received_at)
            .execute(&mut **tx)
            .await?;
        }
        if !o.sender.is_empty() {
            sqlx::query(
                "INSERT INTO outcomes (sender, message_id, case_id, subject, end_reason, ended_on,
                                       no_new_serious_charge_12m, in_education_or_job_3m, reported_at)
                 SELECT * FROM UNNEST($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[],
                                      $6::date[], $7::bool[], $8::bool[], $9::timestamptz[])",
            )
            .bind(o.sender)
            .bind(o.message_id)
            .bind(o.case_id)
            .bind(o.subject)
            .bind(o.end_reason)
            .bind(o.ended_on)
            .bind(o.no_new_serious_charge_12m)
            .bind(o.in_education_or_job_3m)
            .bind(o.reported_at)
            .execute(&mut **tx)
            .await?;
        }
        if !outbox.is_empty() {
            let inserted: Vec<Uuid> = sqlx::query_scalar(
                "INSERT INTO outbox (id, recipient, message_id, correlation_id, message_type, sender, payload,
                                     consent_id, created_at, next_attempt_at, claimed_by)
                 SELECT i, r, m, c, t, s, p, k, $9, $10, $11
                 FROM UNNEST($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::text[],
                             $7::bytea[], $8::uuid[]) AS u(i, r, m, c, t, s, p, k)
                 ON CONFLICT (id) DO NOTHING RETURNING id",
            )
            .bind(outbox.iter().map(|r| r.id).collect::<Vec<_>>())
            .bind(outbox.iter().map(|r| r.recipient.to_string()).collect::<Vec<_>>())
            .bind(outbox.iter().map(|r| r.message_id).collect::<Vec<_>>())
            .bind(outbox.iter().map(|r| r.correlation_id).collect::<Vec<_>>())
            .bind(outbox.iter().map(|r| r.message_type).collect::<Vec<_>>())
            .bind(outbox.iter().map(|r| r.sender.to_string()).collect::<Vec<_>>())
            .bind(outbox.iter().map(|r| r.payload.as_slice()).collect::<Vec<_>>())
            .bind(outbox.iter().map(|r| r.consent_id).collect::<Vec<_>>())
            .bind(now)
            .bind(claimed_until)
            .bind(claimant)
            .fetch_all(&mut **tx)
            .await?;
            let inserted: std::collections::HashSet<Uuid> = inserted.into_iter().collect();
            fresh.extend(outbox.into_iter().filter(|r| inserted.contains(&r.id)));
        }
        Ok(())
    }
}
