//! One batch of deliveries, decided and recorded in one transaction.
//!
//! The ingress hands over a batch ([`BatchItem`]s and a [`BatchContext`]); [`process_batch`]
//! plans each delivery ([`crate::plan`]) against the state it touches, adds the escalations
//! due on receipt ([`crate::deadlines::on_receipt`]) and the key directory messages a key
//! announcement calls for ([`crate::keys`]), and writes it all through [`crate::db`]:
//! records, effects, disclosure log, dead letters, outbox rows and one audit entry for the
//! batch. [`refuse_unprocessable`] is the way out for a delivery no batch can record.

use chrono::{DateTime, Utc};
use hub_core::{Directory, Policy, World};
use schemas::messages::{HandoverOutcome, RejectionReason};
use schemas::vocab::enum_text;
use schemas::{AgencyId, AgencyRole, Body, Message};
use sqlx::postgres::PgPool;
use sqlx::{Postgres, Transaction};

use crate::db::deferred::{self, Deferred};
use crate::db::state::BatchState;
use crate::db::{
    AuditAppender, Decided, Outcome, StorageError, already_taken, insert_dead_letter, load_state,
    taken_key,
};
use crate::plan::{self, Accepted, Inputs, Intake, OutboxRow, Raw};
use crate::settings::Deadlines;

/// One delivery of a batch, as the ingress hands it over.
#[allow(missing_docs)] // fields named for what they hold
pub struct BatchItem<'a> {
    pub raw: Raw<'a>,
    /// Ids and time for its plan.
    pub inputs: Inputs,
}

/// What the batch needs besides the deliveries.
#[allow(missing_docs)] // fields named for what they hold
pub struct BatchContext<'a> {
    /// The hub's id.
    pub hub: &'a AgencyId,
    /// The size limit.
    pub max_bytes: usize,
    /// Registered agencies.
    pub directory: &'a Directory,
    /// Statutes and hard rules.
    pub policy: &'a Policy,
    /// Deadline rules and calendars.
    pub deadlines: &'a Deadlines,
    pub now: DateTime<Utc>,
    /// How long the fast path keeps its claim on the rows it publishes.
    pub claim_seconds: u32,
    /// The key of this instance's claim lock, written into the rows it claims (see
    /// [`crate::claims`]).
    pub claimant: Option<i32>,
    /// How many days in the past a message's `sent_at` may lie and still date its effects
    /// (see [`BatchContext::event_time`]); 0 dates everything by the hub's clock.
    pub backfill_days: u32,
}

impl BatchContext<'_> {
    /// The time a message's effects are dated by: consent validity, the case and handover
    /// timeline, deadlines. The hub's clock, unless backfill is configured and the sender
    /// dated the message within that many days before now (an agency loading its history at
    /// onboarding, or the demo population). What the hub itself did (received, decided,
    /// disclosed, audited) is always dated by its own clock.
    pub fn event_time(&self, sent_at: DateTime<Utc>) -> DateTime<Utc> {
        event_time(self.now, self.backfill_days, sent_at)
    }
}

fn event_time(now: DateTime<Utc>, backfill_days: u32, sent_at: DateTime<Utc>) -> DateTime<Utc> {
    let earliest = now - chrono::Duration::days(i64::from(backfill_days));
    if backfill_days > 0 && sent_at >= earliest && sent_at <= now {
        sent_at
    } else {
        now
    }
}

/// Decides and records one batch in one transaction: each message is deduplicated, decided
/// against the state it touches (read for the whole batch inside the transaction and kept
/// up to date in memory, so a message sees the effects of the ones before it), and recorded
/// with its effects and outbox rows; the batch's messages share one audit entry (see
/// [`crate::db::audit`]).
/// Returns the outbox rows inserted, for the publisher's fast path, and what came of each
/// delivery, in order.
pub async fn process_batch(
    pool: &PgPool,
    cx: &BatchContext<'_>,
    items: &[BatchItem<'_>],
) -> Result<(Vec<OutboxRow>, Vec<Decided>), StorageError> {
    let mut tx = pool.begin().await?;
    let mut audit = AuditAppender::start(&mut tx).await?;
    let mut fresh = Vec::new();
    let mut deferred = Deferred::default();
    // The fast path publishes these itself; the relay leaves them alone until the claim ends.
    let claimed_until = cx.now + chrono::Duration::seconds(i64::from(cx.claim_seconds));
    let intakes: Vec<Intake> = items
        .iter()
        .map(|item| plan::intake(cx.hub, cx.max_bytes, item.raw, &item.inputs))
        .collect();
    // Which of the batch's messages the hub has already taken, by body hash: one query for
    // the batch, then kept up to date as the batch takes more.
    let mut taken = already_taken(&mut tx, &intakes).await?;
    // The state the batch's new messages decide on, read for all of them at once.
    let mut state = BatchState::default();
    let unseen: Vec<&Message> = intakes
        .iter()
        .filter_map(|intake| match intake {
            Intake::Decoded(d) if !taken.contains_key(&taken_key(d)) => Some(&d.message),
            _ => None,
        })
        .collect();
    state.read(&mut tx, &unseen).await?;
    let mut decided = Vec::with_capacity(items.len());
    for (item, intake) in items.iter().zip(intakes) {
        let (detail, outbox) = match intake {
            Intake::Refused(refused) => {
                let new = insert_dead_letter(&mut tx, &refused.dead_letter, cx.now).await?;
                decided.push(Decided::undecoded(&refused.dead_letter, new));
                if !new {
                    continue; // The same refused input again: already answered.
                }
                (
                    Some(refused.audit_detail()),
                    refused.reply.into_iter().collect::<Vec<_>>(),
                )
            }
            Intake::Decoded(decoded) => {
                let e = &decoded.message.envelope;
                let key = taken_key(&decoded);
                match taken.get(&key) {
                    Some(hash) if hash[..] == decoded.body_sha256[..] => {
                        // A redelivery.
                        decided.push(Decided::message(
                            &decoded.sender,
                            &decoded.message,
                            Outcome::Repeat,
                        ));
                        continue;
                    }
                    Some(_) => {
                        let refused = plan::id_conflict(cx.hub, &decoded, &item.inputs, item.raw);
                        let new = insert_dead_letter(&mut tx, &refused.dead_letter, cx.now).await?;
                        decided.push(Decided::refused(
                            &decoded.sender,
                            &decoded.message,
                            &refused.dead_letter,
                            new,
                        ));
                        if !new {
                            continue;
                        }
                        (
                            Some(refused.audit_detail()),
                            refused.reply.into_iter().collect(),
                        )
                    }
                    None => {
                        if matches!(decoded.message.body, Body::ConsentWithdrawn(_))
                            && !deferred.is_empty()
                        {
                            // It reads the disclosure log and cancels outbox rows under the
                            // consent, including this batch's.
                            deferred
                                .flush(&mut tx, cx.now, claimed_until, cx.claimant, &mut fresh)
                                .await?;
                        }
                        let at = cx.event_time(e.sent_at);
                        let seen = load_state(&mut tx, &mut state, &decoded.message).await?;
                        let key_announcements =
                            crate::keys::recent_announcements(&mut tx, &decoded).await?;
                        let world = World {
                            directory: cx.directory,
                            policy: cx.policy,
                            consents: &seen.consents,
                            case: seen.case.as_ref(),
                            handovers: &seen.handovers,
                            received_under_consent: &seen.received_under_consent,
                            sealing_keys: &seen.sealing_keys,
                            claim: seen.claim.as_ref(),
                            key_announcements,
                            same_person: &seen.same_person,
                            link: seen.link,
                            now: at,
                        };
                        let mut accepted = plan::route(
                            cx.hub,
                            &decoded,
                            &world,
                            &item.inputs,
                            &cx.deadlines.contact_point_key,
                        );
                        accepted.outbox.extend(crate::deadlines::on_receipt(
                            cx.directory,
                            cx.deadlines,
                            cx.hub,
                            at,
                            &accepted,
                        ));
                        let made_current = crate::keys::makes_current(&mut tx, &accepted).await?;
                        let place = audit.leaf(cx.now, &deferred::leaf(&accepted));
                        deferred.message(&accepted, cx.now, place);
                        write_accepted(
                            &mut tx,
                            &mut deferred,
                            &mut state,
                            &accepted,
                            cx.now,
                            at,
                            cx.directory,
                        )
                        .await?;
                        taken.insert(key, accepted.body_sha256.to_vec());
                        decided.push(Decided::accepted(&accepted));
                        if let Some(made_current) = made_current {
                            let rows = crate::keys::directory_rows(
                                &mut tx,
                                cx.hub,
                                cx.directory,
                                cx.policy,
                                cx.now,
                                &accepted,
                                made_current,
                            )
                            .await?;
                            accepted.outbox.extend(rows);
                        }
                        // Its audit leaf is in the batch's entry.
                        (None, accepted.outbox)
                    }
                }
            }
        };
        deferred.outbox(outbox);
        if let Some(detail) = detail {
            audit.defer(cx.now, &detail);
        }
    }
    state.flush(&mut tx).await?;
    deferred
        .flush(&mut tx, cx.now, claimed_until, cx.claimant, &mut fresh)
        .await?;
    audit.flush(&mut tx).await?;
    tx.commit().await?;
    Ok((fresh, decided))
}

/// Refuses one delivery that [`process_batch`] could not record (see
/// [`plan::unprocessable`]): its dead letter, its `Undeliverable` and an audit entry, in a
/// transaction of their own. A redelivery of it finds the dead letter and answers nothing
/// again.
pub async fn refuse_unprocessable(
    pool: &PgPool,
    cx: &BatchContext<'_>,
    item: &BatchItem<'_>,
) -> Result<(Vec<OutboxRow>, Vec<Decided>), StorageError> {
    let refused = plan::unprocessable(cx.hub, cx.max_bytes, item.raw, &item.inputs);
    let mut tx = pool.begin().await?;
    let mut audit = AuditAppender::start(&mut tx).await?;
    let new = insert_dead_letter(&mut tx, &refused.dead_letter, cx.now).await?;
    let mut fresh = Vec::new();
    if new {
        let claimed_until = cx.now + chrono::Duration::seconds(i64::from(cx.claim_seconds));
        let mut deferred = Deferred::default();
        deferred.outbox(refused.reply.iter().cloned().collect());
        deferred
            .flush(&mut tx, cx.now, claimed_until, cx.claimant, &mut fresh)
            .await?;
        audit
            .append(&mut tx, cx.now, &refused.audit_detail())
            .await?;
    }
    tx.commit().await?;
    Ok((fresh, vec![Decided::undecoded(&refused.dead_letter, new)]))
}

/// Records what an accepted message did beside its record (written by the caller): `now`
/// dates what the hub did (received, decided), `at` the message's effects on consents,
/// cases and handovers.
async fn write_accepted(
    tx: &mut Transaction<'_, Postgres>,
    deferred: &mut Deferred,
    state: &mut BatchState,
    a: &Accepted,
    now: DateTime<Utc>,
    at: DateTime<Utc>,
    directory: &Directory,
) -> Result<(), sqlx::Error> {
    let e = &a.message.envelope;
    if let Some(dead) = &a.dead_letter {
        insert_dead_letter(tx, dead, now).await?;
    }
    let jurisdiction = directory
        .get(&a.sender)
        .map(|s| enum_text(&s.jurisdiction))
        .unwrap_or_default();
    for effect in &a.effects {
        state.apply(tx, effect, e, at, &jurisdiction).await?;
    }
    record_statistics(deferred, state, a, at, directory);
    Ok(())
}

/// What the contact point's figures need beyond the case state: the code of a handover's
/// rejection, when a routed release notice arrived for which expected release, and the figures of an outcome report that reached a contact point (its consent
/// allowed OUTCOME_STATISTICS). Codes and booleans only, never the words.
fn record_statistics(
    deferred: &mut Deferred,
    state: &mut BatchState,
    a: &Accepted,
    at: DateTime<Utc>,
    directory: &Directory,
) {
    if !a.routed {
        return;
    }
    match &a.message.body {
        Body::HandoverResponse(r) if r.outcome == HandoverOutcome::Rejected => {
            state.reject_code(
                r.handover_id,
                r.reason_code.unwrap_or(RejectionReason::Other).as_str(),
            );
        }
        Body::ReleaseNotice(notice) => {
            let jurisdiction = directory
                .get(&a.sender)
                .map(|s| enum_text(&s.jurisdiction))
                .unwrap_or_default();
            deferred.release_notice(a, jurisdiction, notice.expected_release, at);
        }
        Body::OutcomeReport(o) => {
            let to_contact_point = a.decisions.iter().any(|d| {
                d.delivered
                    && directory
                        .get(&d.recipient)
                        .is_some_and(|r| r.role == AgencyRole::NationalContactPoint)
            });
            if to_contact_point {
                deferred.outcome(a, o, at);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn effects_are_dated_by_the_sender_only_within_the_backfill_window() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        let days_ago = |d: i64| now - chrono::Duration::days(d);
        // Without backfill the hub's clock dates everything.
        assert_eq!(event_time(now, 0, days_ago(3)), now);
        // Within the window the sender's date holds; beyond it, or in the future, it does not.
        assert_eq!(event_time(now, 730, days_ago(3)), days_ago(3));
        assert_eq!(event_time(now, 730, days_ago(730)), days_ago(730));
        assert_eq!(event_time(now, 730, days_ago(731)), now);
        assert_eq!(
            event_time(now, 730, now + chrono::Duration::minutes(5)),
            now
        );
    }
}
