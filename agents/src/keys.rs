//! The agency's sealing keys: made on the first start, published to the hub through the
//! outbox like any message (a `KeyPublished`), and rotated on request.
//!
//! The hub answers a `KeyPublished` with a receipt and the whole key directory to this agency;
//! when the key becomes current (new, or an older key announced again) every other agency
//! gets a directory change, that key alone. [`receive_directory`] keeps the newest whole
//! directory and applies changes in order; when it sees it missed one it asks for the whole
//! directory again by announcing its current key (at most once in [`ASK_AGAIN_AFTER`]).
//! A rotated-out private key is kept, so what was sealed to it still opens.

use chrono::{DateTime, Utc};
use schemas::ids::ShortText;
use schemas::messages::{KeyPublished, SEALING_SCHEME};
use schemas::{AgencyId, Body, Envelope, Message, MessageId, MessageType, Purpose};
use uuid::Uuid;

use schemas::messages::KeyDirectory;

use crate::store::{Accepted, DirectoryChange, OwnKey, Store, StoreError};

/// How long after a key announcement a missed directory change does not ask again: the
/// whole directory that answers it is on its way (the hub limits announcements per hour).
pub const ASK_AGAIN_AFTER: chrono::Duration = chrono::Duration::minutes(10);

/// Keeps a key directory from the hub: a whole one replaces an older one; a change is
/// applied on top of the version it follows. A change that shows a missed one (the version
/// held is older than the one it follows) asks for the whole directory by announcing the
/// current key again, unless a key was announced within [`ASK_AGAIN_AFTER`]. Returns
/// whether the directory held changed.
pub async fn receive_directory(
    store: &Store,
    agent: &AgencyId,
    directory: &KeyDirectory,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    if !directory.is_change() {
        return store.save_directory(directory, now).await;
    }
    match store.apply_directory_change(directory, now).await? {
        DirectoryChange::Applied => Ok(true),
        DirectoryChange::Held => Ok(false),
        DirectoryChange::Gap => {
            if !store.key_announced_since(now - ASK_AGAIN_AFTER).await? {
                publish_current(store, agent, now).await?;
            }
            Ok(false)
        }
    }
}

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
            sent_by: None,
            withheld: Vec::new(),
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

#[cfg(test)]
mod tests {
    use schemas::AgencyRole;

    use super::*;
    use crate::testing::{TempStore, agency, at, entry};

    const ME: &str = "no-oslo-kommune";
    const OTHER: &str = "no-trondheim-kommune";

    fn key(agency_id: &str, key_id: &str, current: bool) -> schemas::messages::DirectoryKey {
        let k = seal::generate();
        let mut e = entry(
            agency_id,
            AgencyRole::Municipality,
            key_id,
            &k.public_key,
            current,
            false,
        );
        e.key_id = k.key_id.as_str().try_into().unwrap();
        e
    }

    fn change(
        version: u64,
        follows: u64,
        keys: Vec<schemas::messages::DirectoryKey>,
    ) -> KeyDirectory {
        KeyDirectory {
            version,
            keys,
            follows: Some(follows),
        }
    }

    /// (agency, current) of every key held, in the store's order.
    async fn held(store: &Store) -> (u64, Vec<(String, bool)>) {
        let d = store.directory().await.unwrap().unwrap();
        let mut keys: Vec<(String, bool)> = d
            .keys
            .iter()
            .map(|k| (k.agency.to_string(), k.current))
            .collect();
        keys.sort();
        (d.version, keys)
    }

    async fn announcements(store: &Store) -> usize {
        store
            .sent_of_type(MessageType::KeyPublished.as_str(), 100)
            .await
            .unwrap()
            .len()
    }

    #[tokio::test]
    async fn changes_apply_in_order_and_a_missed_one_asks_for_the_whole_directory() {
        let t = TempStore::new().await;
        let s = &t.store;
        let me = agency(ME);
        let whole = KeyDirectory {
            version: 2,
            keys: vec![key(ME, "a", true), key(OTHER, "b", true)],
            follows: None,
        };
        assert!(receive_directory(s, &me, &whole, at(0)).await.unwrap());

        // The other agency rotates: its new key is current, the old one is kept, not current.
        let rotated = key(OTHER, "c", true);
        assert!(
            receive_directory(s, &me, &change(3, 2, vec![rotated.clone()]), at(1))
                .await
                .unwrap()
        );
        let (version, keys) = held(s).await;
        assert_eq!(version, 3);
        assert_eq!(
            keys,
            [
                (ME.to_owned(), true),
                (OTHER.to_owned(), false),
                (OTHER.to_owned(), true)
            ]
        );
        let current = s.directory_keys().await.unwrap();
        assert!(
            current
                .iter()
                .any(|k| k.key_id == rotated.key_id && k.current)
        );

        // A redelivered or older change changes nothing and asks for nothing.
        assert!(
            !receive_directory(s, &me, &change(3, 2, vec![rotated.clone()]), at(2))
                .await
                .unwrap()
        );
        assert_eq!(announcements(s).await, 0);

        // A change that follows version 4 when 3 is held: one was missed. Nothing applies,
        // and the whole directory is asked for once.
        let later = key(OTHER, "d", true);
        assert!(
            !receive_directory(s, &me, &change(5, 4, vec![later.clone()]), at(3))
                .await
                .unwrap()
        );
        assert_eq!(held(s).await.0, 3);
        assert_eq!(announcements(s).await, 1, "asked for the whole directory");
        assert!(
            !receive_directory(s, &me, &change(6, 5, vec![key(OTHER, "e", true)]), at(4))
                .await
                .unwrap()
        );
        assert_eq!(
            announcements(s).await,
            1,
            "asked once, not again at every change"
        );

        // The whole directory answers, newer than every change.
        let whole = KeyDirectory {
            version: 6,
            keys: vec![key(ME, "a", true), later],
            follows: None,
        };
        assert!(receive_directory(s, &me, &whole, at(5)).await.unwrap());
        assert_eq!(held(s).await.0, 6);
    }

    #[tokio::test]
    async fn a_fresh_agent_applies_the_first_change_but_not_a_later_one() {
        let t = TempStore::new().await;
        let s = &t.store;
        let me = agency(ME);
        assert!(
            receive_directory(s, &me, &change(1, 0, vec![key(OTHER, "b", true)]), at(0))
                .await
                .unwrap()
        );
        assert_eq!(held(s).await, (1, vec![(OTHER.to_owned(), true)]));
    }
}
