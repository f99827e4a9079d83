//! The inbox: what arrives from the hub, stored once per sender and message id (the bytes
//! as they arrived), opened by caseworkers, quarantined when its consent is withdrawn before
//! anyone opened it, and deleted after retention; the hub's answers to what the agency sent
//! are applied to the outbox on the way in. Deliveries that did not decode are kept apart
//! (`rejected`).

use chrono::{DateTime, Utc};
use schemas::messages::{Receipt, Undeliverable, WithdrawalScope};
use schemas::{AgencyId, Body, Message};

use super::outbox::record_outcomes;
use super::{SendStatus, Store, StoreError};

/// The columns of an [`InboxRow`], as the start of a query.
macro_rules! select_inbox {
    () => {
        "SELECT message_id, sender, message_type, case_id, received_at, opened_at, quarantined_at, payload FROM inbox"
    };
}

pub(super) use select_inbox;

/// A delivery as it arrived: the message, and the bytes it was decoded from.
#[derive(Debug, Clone, Copy)]
pub struct Arrived<'a> {
    /// The decoded message.
    pub message: &'a Message,
    /// Its JSON as received, which the inbox keeps.
    pub bytes: &'a [u8],
}

/// A message in the inbox.
#[derive(Debug, Clone)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Received {
    pub message_id: String,
    /// Who sent it.
    pub sender: String,
    pub message_type: String,
    pub case_id: Option<String>,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// When a caseworker first opened it.
    pub opened_at: Option<DateTime<Utc>>,
    /// When it was quarantined because its consent was withdrawn before anyone opened it.
    pub quarantined_at: Option<DateTime<Utc>>,
    pub payload: Vec<u8>,
}

impl Store {
    /// Stores a delivery from the hub, once, and applies receipts to the outbox. Returns
    /// whether it was new. A key directory is not an inbox message: it is saved with
    /// [`Store::save_directory`] (new means: newer than the one held).
    pub async fn receive(
        &self,
        me: &AgencyId,
        message: &Message,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let new = self
            .receive_all(me, std::slice::from_ref(message), now)
            .await?;
        Ok(new[0])
    }

    /// Stores a batch of deliveries as [`Store::receive`] does, in one transaction (one
    /// write to disk for the batch, so a backlog drains at the broker's pace). Returns per
    /// message whether it was new.
    pub async fn receive_all(
        &self,
        me: &AgencyId,
        messages: &[Message],
        now: DateTime<Utc>,
    ) -> Result<Vec<bool>, StoreError> {
        let json: Vec<Vec<u8>> = messages.iter().map(Message::to_json).collect();
        let arrived: Vec<Arrived<'_>> = messages
            .iter()
            .zip(&json)
            .map(|(message, json)| Arrived {
                message,
                bytes: json,
            })
            .collect();
        self.receive_arrived(me, &arrived, now).await
    }

    /// As [`Store::receive_all`], for deliveries as they arrived: the inbox keeps the bytes
    /// each was decoded from, so they are not encoded again.
    pub async fn receive_arrived(
        &self,
        me: &AgencyId,
        arrived: &[Arrived<'_>],
        now: DateTime<Utc>,
    ) -> Result<Vec<bool>, StoreError> {
        let mut new = vec![false; arrived.len()];
        if arrived
            .iter()
            .any(|a| !matches!(a.message.body, Body::KeyDirectory(_)))
        {
            let mut tx = self.begin_write().await?;
            // Plain messages (no answer to mark, nothing to quarantine) are inserted a run
            // at a time with one statement: each statement is a hop to SQLite's thread, and
            // one per message was most of a backlog's drain time.
            let mut run: Vec<usize> = Vec::new();
            for (i, one) in arrived.iter().enumerate() {
                match &one.message.body {
                    Body::KeyDirectory(_) => {}
                    Body::Receipt(_) | Body::Undeliverable(_) | Body::ConsentWithdrawn(_) => {
                        // It reads or changes what the run before it stores: store that first.
                        insert_run(&mut tx, arrived, &mut run, &mut new, now).await?;
                        new[i] = receive_in(&mut tx, me, one, now).await?;
                    }
                    _ => run.push(i),
                }
            }
            insert_run(&mut tx, arrived, &mut run, &mut new, now).await?;
            tx.commit().await?;
        }
        for (i, one) in arrived.iter().enumerate() {
            if let Body::KeyDirectory(directory) = &one.message.body {
                // Plumbing, not a caseworker's message: it goes to the directory, not the
                // inbox. A redelivery (or an older directory arriving late) changes nothing.
                new[i] = crate::keys::receive_directory(self, me, directory, now).await?;
            }
        }
        Ok(new)
    }

    /// How many messages the inbox holds.
    pub async fn inbox_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM inbox")
            .fetch_one(&self.pool)
            .await?)
    }

    /// The inbox, newest first.
    pub async fn inbox(&self, limit: i64) -> Result<Vec<Received>, StoreError> {
        let rows = sqlx::query_as::<_, InboxRow>(concat!(
            select_inbox!(),
            "
             ORDER BY rowid DESC LIMIT ?"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Received::from).collect())
    }

    /// One inbox message, by its id and, where several senders used that id, its sender
    /// (ids are scoped by their sender); marks it opened unless it is quarantined (a
    /// quarantined message is returned with `quarantined_at` set, and its caller must not show
    /// its content).
    pub async fn open_message(
        &self,
        message_id: &str,
        sender: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<Received>, StoreError> {
        let Some(found) = self.inbox_message(message_id, sender).await? else {
            return Ok(None);
        };
        sqlx::query(
            "UPDATE inbox SET opened_at = coalesce(opened_at, ?)
             WHERE sender = ? AND message_id = ? AND quarantined_at IS NULL",
        )
        .bind(now)
        .bind(&found.sender)
        .bind(message_id)
        .execute(&self.pool)
        .await?;
        self.inbox_message(message_id, Some(&found.sender)).await
    }

    /// One inbox message, by id and (where several senders used the id) sender, read
    /// without marking it opened. [`StoreError::Ambiguous`] when the id is not enough.
    pub async fn inbox_message(
        &self,
        message_id: &str,
        sender: Option<&str>,
    ) -> Result<Option<Received>, StoreError> {
        let rows = sqlx::query_as::<_, InboxRow>(concat!(
            select_inbox!(),
            " WHERE message_id = ? AND (?2 IS NULL OR sender = ?2) ORDER BY received_at LIMIT 2"
        ))
        .bind(message_id)
        .bind(sender)
        .fetch_all(&self.pool)
        .await?;
        let mut rows = rows.into_iter();
        match (rows.next(), rows.next()) {
            (None, _) => Ok(None),
            (Some(one), None) => Ok(Some(one.into())),
            (Some(_), Some(_)) => Err(StoreError::Ambiguous),
        }
    }

    /// Received messages of one type, newest first, read without marking them opened.
    pub async fn received_of_type(
        &self,
        message_type: &str,
        limit: i64,
    ) -> Result<Vec<Received>, StoreError> {
        let rows = sqlx::query_as::<_, InboxRow>(concat!(
            select_inbox!(),
            "
             WHERE message_type = ? ORDER BY rowid DESC LIMIT ?"
        ))
        .bind(message_type)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Received::from).collect())
    }

    /// Received messages in one conversation (by correlation id), oldest first, read without
    /// marking them opened.
    pub async fn received_correlated(
        &self,
        correlation_id: &str,
    ) -> Result<Vec<Received>, StoreError> {
        let rows = sqlx::query_as::<_, InboxRow>(concat!(
            select_inbox!(),
            "
             WHERE correlation_id = ? ORDER BY rowid"
        ))
        .bind(correlation_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Received::from).collect())
    }

    /// Deletes the received messages first opened before `cutoff` (retention,
    /// `agent.opened_messages_days`): their rows and bodies. Messages never opened and those
    /// in quarantine are kept; the access log keeps its entries. Returns how many went.
    pub async fn purge_opened_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let gone = sqlx::query(
            "DELETE FROM inbox WHERE opened_at IS NOT NULL AND opened_at < ? AND quarantined_at IS NULL",
        )
        .bind(cutoff)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(gone)
    }

    /// Keeps a delivery that did not decode.
    pub async fn reject(
        &self,
        payload: &[u8],
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO rejected (received_at, detail, payload) VALUES (?, ?, ?)")
            .bind(now)
            .bind(detail)
            .bind(payload)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deliveries that did not decode, as (time, detail).
    pub async fn rejected(&self) -> Result<Vec<(DateTime<Utc>, String)>, StoreError> {
        Ok(sqlx::query_as::<_, (DateTime<Utc>, String)>(
            "SELECT received_at, detail FROM rejected ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}

/// A row of `inbox` as [`select_inbox`] reads it.
#[derive(sqlx::FromRow)]
pub(super) struct InboxRow {
    message_id: String,
    sender: String,
    message_type: String,
    case_id: Option<String>,
    received_at: DateTime<Utc>,
    opened_at: Option<DateTime<Utc>>,
    quarantined_at: Option<DateTime<Utc>>,
    payload: Vec<u8>,
}

impl From<InboxRow> for Received {
    fn from(row: InboxRow) -> Self {
        Received {
            message_id: row.message_id,
            sender: row.sender,
            message_type: row.message_type,
            case_id: row.case_id,
            received_at: row.received_at,
            opened_at: row.opened_at,
            quarantined_at: row.quarantined_at,
            payload: row.payload,
        }
    }
}

/// Inserts the plain messages `run` indexes into `messages` (see [`insert_inbox`]), sets
/// `new` for those not already held, and empties `run`. A message that arrives twice in a
/// run is new only the first time.
async fn insert_run(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    messages: &[Arrived<'_>],
    run: &mut Vec<usize>,
    new: &mut [bool],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let held: Vec<&Arrived<'_>> = run.iter().map(|&i| &messages[i]).collect();
    let mut inserted = insert_inbox(tx, &held, now).await?;
    for &i in run.iter() {
        let e = &messages[i].message.envelope;
        new[i] = inserted.remove(&(e.sender.to_string(), e.message_id.to_string()));
    }
    run.clear();
    Ok(())
}

/// Inserts `messages` into the inbox with one statement (in chunks well under SQLite's
/// limit on bound values), each once by sender and message id, and returns the (sender,
/// message id) pairs that were new.
async fn insert_inbox(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    messages: &[&Arrived<'_>],
    now: DateTime<Utc>,
) -> Result<std::collections::HashSet<(String, String)>, StoreError> {
    let mut inserted = std::collections::HashSet::new();
    for chunk in messages.chunks(500) {
        let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO inbox (message_id, sender, message_type, correlation_id, case_id, subject, received_at, payload, gateway) ",
        );
        insert.push_values(chunk, |mut row, arrived| {
            let e = &arrived.message.envelope;
            row.push_bind(e.message_id.to_string())
                .push_bind(e.sender.as_str())
                .push_bind(e.message_type.as_str())
                .push_bind(e.correlation_id.to_string())
                .push_bind(e.case_id.as_ref().map(|c| c.as_str()))
                .push_bind(e.subject.as_ref().map(|s| s.as_str()))
                .push_bind(now)
                .push_bind(arrived.bytes)
                .push_bind(e.gateway.as_ref().map(|g| g.as_str()));
        });
        insert.push(" ON CONFLICT (sender, message_id) DO NOTHING RETURNING sender, message_id");
        inserted.extend(
            insert
                .build_query_as::<(String, String)>()
                .fetch_all(&mut **tx)
                .await?,
        );
    }
    Ok(inserted)
}

/// Stores one delivery from the hub inside `tx`; see [`Store::receive`].
async fn receive_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    me: &AgencyId,
    arrived: &Arrived<'_>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let message = arrived.message;
    let answer = match &message.body {
        Body::Receipt(Receipt {
            in_reply_to,
            refused,
            ..
        }) => Some((
            *in_reply_to,
            if refused.is_empty() {
                SendStatus::Delivered
            } else {
                SendStatus::PartiallyDelivered
            },
            refused.first().map(|r| r.reason.as_str().to_owned()),
            None,
        )),
        Body::Undeliverable(Undeliverable {
            in_reply_to: Some(id),
            reason,
            detail,
            ..
        }) => Some((
            *id,
            SendStatus::Refused,
            Some(reason.as_str().to_owned()),
            Some(detail.clone()),
        )),
        _ => None,
    };
    // The receipt for the agency's own key announcement is plumbing too: it marks the
    // outbox row, and no caseworker needs to see it.
    let key_receipt = match (&message.body, &answer) {
        (Body::Receipt(_), Some((id, ..))) => {
            sqlx::query_scalar::<_, String>("SELECT message_type FROM outbox WHERE message_id = ?")
                .bind(id.to_string())
                .fetch_optional(&mut **tx)
                .await?
                .is_some_and(|t| t == "KeyPublished")
        }
        _ => false,
    };
    let new = key_receipt || !insert_inbox(tx, &[arrived], now).await?.is_empty();
    if let Some((id, status, reason, detail)) = answer {
        sqlx::query(
            "UPDATE outbox SET status = ?, answered_at = ?, answer_reason = ?, answer_detail = ?,
                               sent_at = coalesce(sent_at, ?)
             WHERE message_id = ?",
        )
        .bind(status.as_str())
        .bind(now)
        .bind(reason)
        .bind(detail)
        .bind(now)
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?;
    }
    record_outcomes(tx, message, now).await?;
    if let Body::ConsentWithdrawn(w) = &message.body {
        let covers_me = match &w.scope {
            WithdrawalScope::Entire => true,
            WithdrawalScope::Recipients(list) => list.contains(me),
        };
        if covers_me {
            sqlx::query(
                "UPDATE inbox SET quarantined_at = ?
                 WHERE gateway LIKE 'CONSENT:' || ? || '@%' AND opened_at IS NULL AND quarantined_at IS NULL
                   AND message_type <> 'ConsentWithdrawn'",
            )
            .bind(now)
            .bind(w.consent_id.to_string())
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::{example, id_ending};
    use crate::testing::{TempStore, agency, at};

    #[tokio::test]
    async fn a_batch_stores_each_message_once_and_in_order() {
        let t = TempStore::new().await;
        let s = &t.store;
        let me = agency("dk-kobenhavn-kommune");
        let consent = "0192f0c1-7d3e-7a10-9b7e-2f6c1d0e4a11";
        let under_consent = |id| {
            example("ReleaseNotice", id, |m| {
                m["envelope"]["gateway"] = format!("CONSENT:{consent}@1").into();
            })
        };
        let plain = |id| example("ReleaseNotice", id, |_| {});
        let withdrawn = example("ConsentWithdrawn", 0x70, |_| {});
        // Already held before the batch.
        assert!(s.receive(&me, &plain(0x10), at(0)).await.unwrap());

        let batch = [
            plain(0x10),         // held already
            under_consent(0x20), // new, quarantined by the withdrawal after it
            plain(0x30),         // new
            plain(0x30),         // the same delivery twice in one batch
            withdrawn,           // new; quarantines what came before it under the consent
            under_consent(0x40), // new, after the withdrawal: not quarantined here
            plain(0x50),         // new
        ];
        let new = s.receive_all(&me, &batch, at(1)).await.unwrap();
        assert_eq!(new, [false, true, true, false, true, true, true]);
        assert!(
            s.receive_all(&me, &batch[..3], at(2))
                .await
                .unwrap()
                .iter()
                .all(|n| !n),
            "a redelivered batch is not new"
        );

        let inbox = s.inbox(100).await.unwrap();
        assert_eq!(inbox.len(), 6, "{inbox:?}");
        let quarantined = |n: u8| {
            inbox
                .iter()
                .find(|m| m.message_id == id_ending(n))
                .unwrap_or_else(|| panic!("{n:x} is held"))
                .quarantined_at
                .is_some()
        };
        assert!(quarantined(0x20));
        assert!(!quarantined(0x40) && !quarantined(0x30) && !quarantined(0x50));
    }

    #[tokio::test]
    async fn the_inbox_keeps_the_bytes_as_they_arrived() {
        let t = TempStore::new().await;
        let s = &t.store;
        let me = agency("dk-kobenhavn-kommune");
        let message = example("ReleaseNotice", 0x60, |_| {});
        // Pretty-printed, as another sender might write it: not what `to_json` gives.
        let arrived = serde_json::to_vec_pretty(&serde_json::to_value(&message).unwrap()).unwrap();
        assert_ne!(arrived, message.to_json());
        let new = s
            .receive_arrived(
                &me,
                &[Arrived {
                    message: &message,
                    bytes: &arrived,
                }],
                at(1),
            )
            .await
            .unwrap();
        assert_eq!(new, [true]);
        let held = s.inbox(10).await.unwrap();
        assert_eq!(held.len(), 1);
        assert_eq!(
            held[0].payload, arrived,
            "stored as received, not encoded again"
        );
        assert_eq!(schemas::decode(&held[0].payload).unwrap(), message);
    }

    #[tokio::test]
    async fn a_key_directory_delivery_goes_to_the_directory_not_the_inbox() {
        let t = TempStore::new().await;
        let s = &t.store;
        let path = format!(
            "{}/../schemas/examples/KeyDirectory.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let message = schemas::decode(&std::fs::read(path).unwrap()).unwrap();
        let me = agency("no-oslo-kommune");
        assert!(s.receive(&me, &message, at(1)).await.unwrap(), "new");
        assert!(
            !s.receive(&me, &message, at(2)).await.unwrap(),
            "redelivered"
        );
        assert!(s.inbox(100).await.unwrap().is_empty());
        let held = s.directory().await.unwrap().unwrap();
        assert_eq!((held.version, held.keys.len()), (3, 3));
        assert!(
            held.keys
                .iter()
                .any(|k| k.agency == agency("no-politiet-beskyttelse") && k.protected_location)
        );
    }

    #[tokio::test]
    async fn retention_deletes_only_messages_opened_before_the_cutoff() {
        let t = TempStore::new().await;
        let s = &t.store;
        let me = agency("dk-kobenhavn-kommune");
        let messages: Vec<Message> = (0x70..0x73)
            .map(|n| example("ReleaseNotice", n, |_| {}))
            .collect();
        for m in &messages {
            s.receive_arrived(
                &me,
                &[Arrived {
                    message: m,
                    bytes: &m.to_json(),
                }],
                at(0),
            )
            .await
            .unwrap();
        }
        let id = |i: usize| messages[i].envelope.message_id.to_string();
        s.open_message(&id(0), None, at(1)).await.unwrap().unwrap();
        s.open_message(&id(1), None, at(10)).await.unwrap().unwrap();
        // Opening again later does not move the first opening.
        s.open_message(&id(0), None, at(20)).await.unwrap().unwrap();

        assert_eq!(s.purge_opened_before(at(5)).await.unwrap(), 1);
        let left: Vec<String> = s
            .inbox(10)
            .await
            .unwrap()
            .iter()
            .map(|m| m.message_id.clone())
            .collect();
        assert!(!left.contains(&id(0)), "opened at minute 1: gone");
        assert!(left.contains(&id(1)), "opened at minute 10: kept");
        assert!(left.contains(&id(2)), "never opened: kept");
        assert_eq!(s.purge_opened_before(at(5)).await.unwrap(), 0);
    }
}
