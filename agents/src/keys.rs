//! The agency's sealing keys: made on the first start, published to the hub through the
//! outbox like any message (a `KeyPublished`), and rotated on request.
//!
//! The hub answers a `KeyPublished` with a receipt and sends the key directory to this agency
//! (to every agency when the key becomes current: new, or an older key announced again); [`crate::store::Store::receive`] keeps the newest
//! directory. A rotated-out private key is kept, so what was sealed to it still opens.

use chrono::{DateTime, Utc};
use schemas::ids::ShortText;
use schemas::messages::{KeyPublished, SEALING_SCHEME};
use schemas::{AgencyId, Body, Envelope, Message, MessageId, MessageType, Purpose};
use uuid::Uuid;

use crate::store::{Accepted, OwnKey, Store, StoreError};

/// A key queued for publishing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The key (public parts).
    pub key: OwnKey,
    /// Whether the key was made now.
    pub new_key: bool,
    /// The `KeyPublished` message queued in the outbox.
    pub message_id: MessageId,
}

/// The `KeyPublished` message for `key`: to the hub (no recipients), no personal data. Pure.
pub fn key_published(
    agent: &AgencyId,
    key: &OwnKey,
    message_id: MessageId,
    correlation_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Message, StoreError> {
    let short = |s: &str| {
        ShortText::try_from(s).map_err(|_| StoreError::Corrupt(format!("key id {:?}", key.key_id)))
    };
    Ok(Message {
        envelope: Envelope {
            message_id,
            correlation_id,
            causation_id: None,
            case_id: None,
            subject: None,
            sender: agent.clone(),
            recipients: Vec::new(),
            message_type: MessageType::KeyPublished,
            schema_version: schemas::SCHEMA_VERSION,
            sent_at: now,
            purpose: Purpose::CaseCoordination,
            data_categories: Vec::new(),
            gateway: None,
        },
        body: Body::KeyPublished(KeyPublished {
            key_id: short(&key.key_id)?,
            scheme: short(SEALING_SCHEME)?,
            public_key: key.public_key.clone(),
        }),
    })
}

async fn queue(
    store: &Store,
    agent: &AgencyId,
    key: OwnKey,
    new_key: bool,
    now: DateTime<Utc>,
) -> Result<Published, StoreError> {
    let message_id = MessageId::new();
    let message = key_published(agent, &key, message_id, Uuid::now_v7(), now)?;
    let accepted = store.enqueue(&message, now).await?;
    debug_assert_eq!(accepted, Accepted::New, "a fresh message id");
    Ok(Published {
        key,
        new_key,
        message_id,
    })
}

/// Makes a key when the agency has none, and queues a `KeyPublished` for the current key.
/// The service does this once each time it starts, so the hub always has the current key
/// and answers with a fresh key directory.
pub async fn publish_current(
    store: &Store,
    agent: &AgencyId,
    now: DateTime<Utc>,
) -> Result<Published, StoreError> {
    let (key, new_key) = store.ensure_key(now).await?;
    queue(store, agent, key, new_key, now).await
}

/// Makes a new current key (the old ones are kept for opening) and queues its
/// `KeyPublished`. Senders seal to it once the hub's new directory reaches them; until then
/// they seal to the previous key, which this agency still holds.
pub async fn rotate(
    store: &Store,
    agent: &AgencyId,
    now: DateTime<Utc>,
) -> Result<Published, StoreError> {
    let key = store.rotate_key(now).await?;
    queue(store, agent, key, true, now).await
}
