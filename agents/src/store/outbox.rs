//! The outbox: what the agency sends. A message is stored queued before it is published,
//! marked sent on the broker's confirm, and answered by the hub's `Receipt` or
//! `Undeliverable`, which also tell what became of each recipient's copy
//! (`outbox_recipients`).

use std::str::FromStr;

use chrono::{DateTime, Utc};
use schemas::messages::{Receipt, Undeliverable};
use schemas::{Body, Message, MessageId, MessageType};

use super::{Store, StoreError};

/// The columns of a [`SentRow`], as the start of a query.
macro_rules! select_sent {
    () => {
        "SELECT message_id, message_type, case_id, status, accepted_at, answer_reason, answer_detail, payload FROM outbox"
    };
}

pub(super) use select_sent;

/// Where a sent message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendStatus {
    /// Stored; not yet confirmed by the broker.
    Queued,
    /// Confirmed by the broker; the hub has not answered yet.
    Sent,
    /// The hub delivered it to every recipient.
    Delivered,
    /// The hub delivered it to some recipients and refused others.
    PartiallyDelivered,
    /// The hub refused it.
    Refused,
}

impl SendStatus {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            SendStatus::Queued => "queued",
            SendStatus::Sent => "sent",
            SendStatus::Delivered => "delivered",
            SendStatus::PartiallyDelivered => "partially_delivered",
            SendStatus::Refused => "refused",
        }
    }
}

impl FromStr for SendStatus {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        Ok(match s {
            "queued" => SendStatus::Queued,
            "sent" => SendStatus::Sent,
            "delivered" => SendStatus::Delivered,
            "partially_delivered" => SendStatus::PartiallyDelivered,
            "refused" => SendStatus::Refused,
            other => return Err(StoreError::Corrupt(format!("status {other:?}"))),
        })
    }
}

impl std::fmt::Display for SendStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A message in the outbox.
#[derive(Debug, Clone)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Sent {
    pub message_id: String,
    pub message_type: String,
    pub case_id: Option<String>,
    /// Where it stands.
    pub status: SendStatus,
    /// When the agent accepted it.
    pub accepted_at: DateTime<Utc>,
    /// The hub's reason code, when refused (in whole or in part).
    pub answer_reason: Option<String>,
    /// The hub's words.
    pub answer_detail: Option<String>,
    pub payload: Vec<u8>,
}

/// What became of one recipient's copy of a sent message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The hub has not answered for this recipient yet.
    Waiting,
    /// The hub delivered it to this recipient.
    Delivered,
    /// The hub refused it for this recipient.
    Refused,
}

impl Outcome {
    /// The outcome as the API and the store write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Waiting => "waiting",
            Outcome::Delivered => "delivered",
            Outcome::Refused => "refused",
        }
    }
}

impl FromStr for Outcome {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        Ok(match s {
            "waiting" => Outcome::Waiting,
            "delivered" => Outcome::Delivered,
            "refused" => Outcome::Refused,
            other => return Err(StoreError::Corrupt(format!("outcome {other:?}"))),
        })
    }
}

/// One recipient of a sent message and what became of its copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientOutcome {
    /// The recipient agency's id.
    pub recipient: String,
    /// What became of its copy.
    pub outcome: Outcome,
    /// The hub's reason code, when refused.
    pub reason: Option<String>,
    /// The hub's words, when it gave any (an `Undeliverable` does; a `Receipt` does not).
    pub detail: Option<String>,
    /// When the hub's answer arrived; `None` while waiting.
    pub answered_at: Option<DateTime<Utc>>,
}

/// What happened to a message put into the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// Newly stored.
    New,
    /// A message with this id was already accepted: nothing changed.
    AlreadyAccepted,
}

/// A message waiting in the outbox for the publisher.
#[derive(Debug, Clone)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Queued {
    pub message_id: String,
    /// Its correlation id.
    pub correlation_id: String,
    pub message_type: MessageType,
    /// The bytes to publish.
    pub payload: Vec<u8>,
}

impl Store {
    /// Puts a decoded message into the outbox; the service publishes it.
    pub async fn enqueue(
        &self,
        message: &Message,
        now: DateTime<Utc>,
    ) -> Result<Accepted, StoreError> {
        let e = &message.envelope;
        let recipients = serde_json::to_string(&e.recipients).expect("ids serialize");
        let rows = sqlx::query(
            "INSERT INTO outbox (message_id, message_type, correlation_id, case_id, subject, recipients, payload, accepted_at, status)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued') ON CONFLICT (message_id) DO NOTHING",
        )
        .bind(e.message_id.to_string())
        .bind(e.message_type.as_str())
        .bind(e.correlation_id.to_string())
        .bind(e.case_id.as_ref().map(|c| c.as_str()))
        .bind(e.subject.as_ref().map(|s| s.as_str()))
        .bind(recipients)
        .bind(message.to_json())
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(if rows == 1 {
            Accepted::New
        } else {
            Accepted::AlreadyAccepted
        })
    }

    /// The oldest queued messages, for the publisher.
    pub async fn queued(&self, limit: i64) -> Result<Vec<Queued>, StoreError> {
        let rows = sqlx::query_as::<_, QueuedRow>(
            "SELECT message_id, correlation_id, message_type, payload FROM outbox
             WHERE status = 'queued' ORDER BY rowid LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Queued::try_from).collect()
    }

    /// How many messages wait for the broker's confirm, and since when the oldest waits.
    pub async fn outbox_backlog(&self) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
        let backlog = sqlx::query_as::<_, BacklogRow>(
            "SELECT count(*) AS pending, min(accepted_at) AS oldest FROM outbox WHERE status = 'queued'",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((backlog.pending, backlog.oldest))
    }

    /// The broker confirmed these; they wait for the hub's answer now.
    pub async fn mark_sent(&self, message_id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL
             WHERE message_id = ? AND status = 'queued'",
        )
        .bind(now)
        .bind(message_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A publish attempt failed; the message stays queued.
    pub async fn mark_attempt_failed(
        &self,
        message_id: &str,
        error: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE message_id = ?",
        )
        .bind(error)
        .bind(message_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The outbox, newest first.
    pub async fn outbox(&self, limit: i64) -> Result<Vec<Sent>, StoreError> {
        let rows = sqlx::query_as::<_, SentRow>(concat!(
            select_sent!(),
            "
             ORDER BY rowid DESC LIMIT ?"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Sent::try_from).collect()
    }

    /// One sent message.
    pub async fn sent(&self, message_id: &MessageId) -> Result<Option<Sent>, StoreError> {
        let row = sqlx::query_as::<_, SentRow>(concat!(select_sent!(), " WHERE message_id = ?"))
            .bind(message_id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(Sent::try_from).transpose()
    }

    /// Sent messages of one type, newest first.
    pub async fn sent_of_type(
        &self,
        message_type: &str,
        limit: i64,
    ) -> Result<Vec<Sent>, StoreError> {
        let rows = sqlx::query_as::<_, SentRow>(concat!(
            select_sent!(),
            "
             WHERE message_type = ? ORDER BY rowid DESC LIMIT ?"
        ))
        .bind(message_type)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Sent::try_from).collect()
    }

    /// Each recipient of a sent message, in the order the message names them, with what
    /// became of its copy (see [`RecipientOutcome`]); empty when this agent sent no such
    /// message.
    pub async fn recipient_outcomes(
        &self,
        message_id: &str,
    ) -> Result<Vec<RecipientOutcome>, StoreError> {
        let Some(addressed) =
            sqlx::query_scalar::<_, String>("SELECT recipients FROM outbox WHERE message_id = ?")
                .bind(message_id)
                .fetch_optional(&self.pool)
                .await?
        else {
            return Ok(Vec::new());
        };
        let addressed: Vec<String> = serde_json::from_str(&addressed)
            .map_err(|_| StoreError::Corrupt("outbox recipients".to_owned()))?;
        let answered = sqlx::query_as::<_, OutcomeRow>(
            "SELECT recipient, outcome, reason, detail, answered_at FROM outbox_recipients
             WHERE message_id = ? ORDER BY rowid",
        )
        .bind(message_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<RecipientOutcome> = addressed
            .into_iter()
            .map(|recipient| RecipientOutcome {
                recipient,
                outcome: Outcome::Waiting,
                reason: None,
                detail: None,
                answered_at: None,
            })
            .collect();
        for row in answered {
            let known = RecipientOutcome::try_from(row)?;
            match out.iter_mut().find(|o| o.recipient == known.recipient) {
                Some(slot) => *slot = known,
                None => out.push(known),
            }
        }
        Ok(out)
    }
}

/// A row of `outbox` as [`select_sent`] reads it.
#[derive(sqlx::FromRow)]
pub(super) struct SentRow {
    message_id: String,
    message_type: String,
    case_id: Option<String>,
    status: String,
    accepted_at: DateTime<Utc>,
    answer_reason: Option<String>,
    answer_detail: Option<String>,
    payload: Vec<u8>,
}

impl TryFrom<SentRow> for Sent {
    type Error = StoreError;
    fn try_from(row: SentRow) -> Result<Self, StoreError> {
        Ok(Sent {
            message_id: row.message_id,
            message_type: row.message_type,
            case_id: row.case_id,
            status: row.status.parse()?,
            accepted_at: row.accepted_at,
            answer_reason: row.answer_reason,
            answer_detail: row.answer_detail,
            payload: row.payload,
        })
    }
}

/// A queued row of `outbox`, for the publisher.
#[derive(sqlx::FromRow)]
struct QueuedRow {
    message_id: String,
    correlation_id: String,
    message_type: String,
    payload: Vec<u8>,
}

impl TryFrom<QueuedRow> for Queued {
    type Error = StoreError;
    fn try_from(row: QueuedRow) -> Result<Self, StoreError> {
        let message_type = MessageType::from_name(&row.message_type)
            .ok_or_else(|| StoreError::Corrupt(format!("message type {:?}", row.message_type)))?;
        Ok(Queued {
            message_id: row.message_id,
            correlation_id: row.correlation_id,
            message_type,
            payload: row.payload,
        })
    }
}

/// How many messages wait for the broker, and since when.
#[derive(sqlx::FromRow)]
struct BacklogRow {
    pending: i64,
    oldest: Option<DateTime<Utc>>,
}

/// A row of `outbox_recipients`.
#[derive(sqlx::FromRow)]
struct OutcomeRow {
    recipient: String,
    outcome: String,
    reason: Option<String>,
    detail: Option<String>,
    answered_at: DateTime<Utc>,
}

impl TryFrom<OutcomeRow> for RecipientOutcome {
    type Error = StoreError;
    fn try_from(row: OutcomeRow) -> Result<Self, StoreError> {
        Ok(RecipientOutcome {
            recipient: row.recipient,
            outcome: row.outcome.parse()?,
            reason: row.reason,
            detail: row.detail,
            answered_at: Some(row.answered_at),
        })
    }
}

/// Records what the hub's `Receipt` or `Undeliverable` says of each recipient of the sent
/// message it answers, inside `tx`; nothing when it answers no message of this agent's. A
/// redelivered answer writes the same again.
pub(super) async fn record_outcomes(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    message: &Message,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (answered, rows) = match &message.body {
        Body::Receipt(r) => (r.in_reply_to, receipt_outcomes(r)),
        Body::Undeliverable(
            u @ Undeliverable {
                in_reply_to: Some(id),
                ..
            },
        ) => {
            let addressed = sqlx::query_scalar::<_, String>(
                "SELECT recipients FROM outbox WHERE message_id = ?",
            )
            .bind(id.to_string())
            .fetch_optional(&mut **tx)
            .await?;
            let addressed: Vec<String> = addressed
                .and_then(|a| serde_json::from_str(&a).ok())
                .unwrap_or_default();
            (*id, undeliverable_outcomes(u, &addressed))
        }
        _ => return Ok(()),
    };
    for (recipient, outcome, reason, detail) in rows {
        sqlx::query(
            "INSERT INTO outbox_recipients (message_id, recipient, outcome, reason, detail, answered_at)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM outbox WHERE message_id = ?1)
             ON CONFLICT (message_id, recipient) DO UPDATE
               SET outcome = excluded.outcome, reason = excluded.reason, detail = excluded.detail",
        )
        .bind(answered.to_string())
        .bind(recipient)
        .bind(outcome.as_str())
        .bind(reason)
        .bind(detail)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// One recipient's outcome as a hub answer tells it: (recipient, outcome, reason, detail).
type Told = (String, Outcome, Option<String>, Option<String>);

/// Each recipient a receipt names: delivered, or refused with its reason.
fn receipt_outcomes(r: &Receipt) -> Vec<Told> {
    let delivered = r
        .delivered_to
        .iter()
        .map(|a| (a.to_string(), Outcome::Delivered, None, None));
    let refused = r.refused.iter().map(|f| {
        (
            f.recipient.to_string(),
            Outcome::Refused,
            Some(f.reason.as_str().to_owned()),
            None,
        )
    });
    delivered.chain(refused).collect()
}

/// Every recipient refused: each by its own reason where the hub names one, else the
/// message's; the hub's words for each.
fn undeliverable_outcomes(u: &Undeliverable, addressed: &[String]) -> Vec<Told> {
    let mut out: Vec<Told> = addressed
        .iter()
        .map(|a| {
            let reason = u
                .refused
                .iter()
                .find(|f| f.recipient.as_str() == a)
                .map_or(u.reason, |f| f.reason);
            (
                a.clone(),
                Outcome::Refused,
                Some(reason.as_str().to_owned()),
                Some(u.detail.clone()),
            )
        })
        .collect();
    for f in &u.refused {
        if !addressed.iter().any(|a| a == f.recipient.as_str()) {
            out.push((
                f.recipient.to_string(),
                Outcome::Refused,
                Some(f.reason.as_str().to_owned()),
                Some(u.detail.clone()),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::{example, id_ending};
    use crate::testing::{TempStore, agency, at};

    /// Each recipient's outcome, as (recipient, outcome, reason, has detail).
    async fn outcomes(s: &Store, id: &str) -> Vec<(String, Outcome, Option<String>, bool)> {
        s.recipient_outcomes(id)
            .await
            .unwrap()
            .into_iter()
            .map(|o| (o.recipient, o.outcome, o.reason, o.detail.is_some()))
            .collect()
    }

    #[tokio::test]
    async fn a_receipt_records_each_recipients_outcome_and_the_rest_wait() {
        let t = TempStore::new().await;
        let s = &t.store;
        let me = agency("dk-kriminalforsorgen");
        let notice = example("ReleaseNotice", 0x01, |m| {
            m["envelope"]["recipients"] = serde_json::json!([
                "dk-kobenhavn-kommune",
                "dk-jobcenter-kobenhavn",
                "dk-politi-kobenhavn"
            ]);
        });
        s.enqueue(&notice, at(0)).await.unwrap();
        let id = id_ending(0x01);
        let waiting = outcomes(s, &id).await;
        assert!(
            waiting
                .iter()
                .all(|(_, o, r, _)| *o == Outcome::Waiting && r.is_none()),
            "{waiting:?}"
        );
        let receipt = example("Receipt", 0x02, |m| {
            m["body"]["in_reply_to"] = id.clone().into();
            m["body"]["delivered_to"] = serde_json::json!(["dk-kobenhavn-kommune"]);
            m["body"]["refused"] = serde_json::json!([{"recipient": "dk-jobcenter-kobenhavn", "reason": "NO_GATEWAY"}]);
        });
        assert!(s.receive(&me, &receipt, at(1)).await.unwrap());
        // A redelivery changes nothing.
        assert!(!s.receive(&me, &receipt, at(2)).await.unwrap());
        assert_eq!(
            outcomes(s, &id).await,
            [
                (
                    "dk-kobenhavn-kommune".into(),
                    Outcome::Delivered,
                    None,
                    false
                ),
                (
                    "dk-jobcenter-kobenhavn".into(),
                    Outcome::Refused,
                    Some("NO_GATEWAY".into()),
                    false
                ),
                ("dk-politi-kobenhavn".into(), Outcome::Waiting, None, false),
            ]
        );
        let answered = s.recipient_outcomes(&id).await.unwrap();
        assert_eq!(answered[0].answered_at, Some(at(1)));
        // The message as a whole, as before.
        let sent = s.sent(&id.parse().unwrap()).await.unwrap().unwrap();
        assert_eq!(sent.status, SendStatus::PartiallyDelivered);
        assert_eq!(sent.answer_reason.as_deref(), Some("NO_GATEWAY"));
    }

    #[tokio::test]
    async fn an_undeliverable_refuses_every_recipient_each_for_its_reason() {
        let t = TempStore::new().await;
        let s = &t.store;
        let me = agency("dk-kriminalforsorgen");
        s.enqueue(&example("ReleaseNotice", 0x03, |_| {}), at(0))
            .await
            .unwrap();
        let id = id_ending(0x03);
        let refused = example("Undeliverable", 0x04, |m| {
            m["body"]["in_reply_to"] = id.clone().into();
            m["body"]["reason"] = "NO_GATEWAY".into();
            m["body"]["refused"] = serde_json::json!([
                {"recipient": "dk-jobcenter-kobenhavn", "reason": "CATEGORY_NOT_COVERED"}
            ]);
        });
        s.receive(&me, &refused, at(1)).await.unwrap();
        assert_eq!(
            outcomes(s, &id).await,
            [
                (
                    "dk-kobenhavn-kommune".into(),
                    Outcome::Refused,
                    Some("NO_GATEWAY".into()),
                    true
                ),
                (
                    "dk-jobcenter-kobenhavn".into(),
                    Outcome::Refused,
                    Some("CATEGORY_NOT_COVERED".into()),
                    true
                ),
            ]
        );
        // An answer to a message this agent never sent records nothing.
        let stray = example("Receipt", 0x05, |m| {
            m["body"]["in_reply_to"] = id_ending(0x06).into();
        });
        s.receive(&me, &stray, at(2)).await.unwrap();
        assert!(
            s.recipient_outcomes(&id_ending(0x06))
                .await
                .unwrap()
                .is_empty()
        );
    }

    /// The migration fills the table from the answers the inbox already held.
    #[tokio::test]
    async fn the_migration_reads_the_answers_already_held() {
        let t = TempStore::new().await;
        let s = &t.store;
        let me = agency("dk-kriminalforsorgen");
        s.enqueue(&example("ReleaseNotice", 0x07, |_| {}), at(0))
            .await
            .unwrap();
        s.enqueue(&example("ReleaseNotice", 0x08, |_| {}), at(0))
            .await
            .unwrap();
        let receipt = example("Receipt", 0x09, |m| {
            m["body"]["in_reply_to"] = id_ending(0x07).into();
        });
        let refused = example("Undeliverable", 0x0a, |m| {
            m["body"]["in_reply_to"] = id_ending(0x08).into();
        });
        s.receive_all(&me, &[receipt, refused], at(1))
            .await
            .unwrap();
        let before_07 = outcomes(s, &id_ending(0x07)).await;
        let before_08 = outcomes(s, &id_ending(0x08)).await;
        sqlx::query("DELETE FROM outbox_recipients")
            .execute(s.pool())
            .await
            .unwrap();
        sqlx::raw_sql(include_str!("../../migrations/0008_outbox_recipients.sql"))
            .execute(s.pool())
            .await
            .unwrap();
        assert_eq!(outcomes(s, &id_ending(0x07)).await, before_07);
        assert_eq!(outcomes(s, &id_ending(0x08)).await, before_08);
        assert_eq!(
            before_07.iter().map(|(_, o, ..)| *o).collect::<Vec<_>>(),
            [Outcome::Delivered, Outcome::Refused]
        );
        assert!(before_08.iter().all(|(_, o, r, d)| *o == Outcome::Refused
            && r.as_deref() == Some("SCHEMA_VIOLATION")
            && *d));
    }
}
