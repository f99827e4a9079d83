//! The key directory: agencies publish their sealing keys to the hub (`KeyPublished`, the
//! agency authenticated by the broker), and the hub sends the directory back.
//!
//! The key an agency announced last is its current one: an agent announces the key it uses
//! each time it starts. A new key, or an older one announced again (an agency restored from
//! a backup that predates its last rotation holds only the older private key), becomes
//! current and goes to every other agency at once as a directory change (that key alone,
//! with the directory version it follows), so senders seal to it from then on. The announcer
//! itself gets the whole directory, as does an agency that announces its current key again
//! (an agent that starts, or that missed a change): what the hub sends grows linearly with
//! the announcements. The hub accepts at most `hub.key_announcements_per_hour` from one
//! agency (counted in `key_announcements`, so across hub instances); more are refused with
//! RATE_LIMITED.
//!
//! Only public keys are here: private keys never leave the agencies. A rotated-out key stays
//! listed with `current: false`.

use chrono::{DateTime, Utc};
use hub_core::{Directory, Effect, Policy};
use schemas::ids::ShortText;
use schemas::messages::{DirectoryKey, KeyDirectory};
use schemas::{AgencyId, Body, Envelope, Message, MessageId, MessageType, Purpose};
use sqlx::{PgPool, Postgres, Transaction};

use crate::plan::{Accepted, OutboxRow};

/// What a recorded key announcement changes in the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Announced {
    /// Whether the key becomes its agency's current one (it is new, or an older key
    /// announced again), so every other agency needs the change.
    pub made_current: bool,
    /// The directory's version before the key is recorded: the one the change follows.
    pub before: u64,
}

/// How many key announcements the hub accepted from `decoded`'s sender in the last hour,
/// when it is a `KeyPublished` (0 for any other message): what the limit per hour is checked
/// against. Dated by the database's clock when recorded and counted, never by the sender's
/// `sent_at` (which backfill would let an agency move). The batches of all hub instances are
/// serialised (the audit lock), so the count includes every announcement recorded before.
pub async fn recent_announcements(
    tx: &mut Transaction<'_, Postgres>,
    decoded: &crate::plan::Decoded,
) -> Result<u32, sqlx::Error> {
    if !matches!(decoded.message.body, Body::KeyPublished(_)) {
        return Ok(0);
    }
    let count: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM key_announcements
         WHERE agency = $1 AND announced_at > now() - interval '1 hour'",
    )
    .bind(decoded.sender.as_str())
    .fetch_one(&mut **tx)
    .await?;
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}

/// For a message that records a key: whether the key becomes its agency's current one, and
/// the directory version before it ([`Announced`]). `None` for any other message (or a
/// refused announcement). Read before the key is recorded.
pub async fn makes_current(
    tx: &mut Transaction<'_, Postgres>,
    accepted: &Accepted,
) -> Result<Option<Announced>, sqlx::Error> {
    let Some((agency, key_id)) = accepted.effects.iter().find_map(|e| match e {
        Effect::RecordKey { agency, key_id, .. } => Some((agency, key_id)),
        _ => None,
    }) else {
        return Ok(None);
    };
    let (current, before): (bool, i64) = sqlx::query_as(
        "SELECT coalesce((SELECT seq FROM sealing_keys WHERE agency = $1 AND key_id = $2)
                         = (SELECT max(seq) FROM sealing_keys WHERE agency = $1), false),
                coalesce((SELECT max(seq) FROM sealing_keys), 0)",
    )
    .bind(agency.as_str())
    .bind(key_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(Some(Announced {
        made_current: !current,
        before: u64::try_from(before).unwrap_or(0),
    }))
}

/// The directory as it stands (read in `executor`'s transaction or pool).
pub async fn current<'e, E>(
    executor: E,
    agencies: &hub_core::Directory,
    protected_location_allow: &std::collections::BTreeSet<AgencyId>,
) -> Result<KeyDirectory, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Postgres>,
{
    #[derive(sqlx::FromRow)]
    struct StoredKey {
        seq: i64,
        #[sqlx(try_from = "String")]
        agency: AgencyId,
        #[sqlx(try_from = "String")]
        key_id: ShortText,
        #[sqlx(try_from = "String")]
        scheme: ShortText,
        public_key: String,
        published_at: DateTime<Utc>,
        current: bool,
    }
    let rows: Vec<StoredKey> = sqlx::query_as(
        "SELECT seq, agency, key_id, scheme, public_key, published_at,
                seq = max(seq) OVER (PARTITION BY agency) AS current
         FROM sealing_keys ORDER BY agency, seq",
    )
    .fetch_all(executor)
    .await?;
    let mut version = 0u64;
    let mut keys = Vec::with_capacity(rows.len());
    for row in rows {
        version = version.max(u64::try_from(row.seq).unwrap_or(0));
        // An agency removed from the directory keeps its rows for the record, but is not listed.
        let Some(registered) = agencies.get(&row.agency) else {
            continue;
        };
        keys.push(DirectoryKey {
            role: registered.role,
            protected_location: protected_location_allow.contains(&row.agency),
            agency: row.agency,
            key_id: row.key_id,
            scheme: row.scheme,
            public_key: row.public_key,
            published_at: row.published_at,
            current: row.current,
            agency_name: ShortText::try_from(registered.name.clone()).ok(),
        });
    }
    Ok(KeyDirectory {
        version,
        keys,
        follows: None,
    })
}

/// The change a key that became current makes to the directory `whole` (read after it was
/// recorded): that key alone, following version `before`. Pure.
pub fn change_of(whole: &KeyDirectory, agency: &AgencyId, before: u64) -> KeyDirectory {
    KeyDirectory {
        version: whole.version,
        keys: whole
            .keys
            .iter()
            .filter(|k| &k.agency == agency && k.current)
            .cloned()
            .collect(),
        follows: Some(before),
    }
}

/// The directory messages that answer a recorded key: the whole directory to its publisher
/// and, when the key became current ([`makes_current`]), the change to every other agency.
/// They are sent by `hub` at `now`; `policy` says whose keys the directory may list.
pub async fn directory_rows(
    tx: &mut Transaction<'_, Postgres>,
    hub: &AgencyId,
    directory: &Directory,
    policy: &Policy,
    now: DateTime<Utc>,
    accepted: &Accepted,
    announced: Announced,
) -> Result<Vec<OutboxRow>, sqlx::Error> {
    let published = &accepted.message.envelope;
    let whole = current(
        &mut **tx,
        directory,
        &policy.hard_rules.protected_location_allow,
    )
    .await?;
    let mut targets = vec![(published.sender.clone(), whole.clone())];
    if announced.made_current {
        let change = change_of(&whole, &published.sender, announced.before);
        targets.extend(
            directory
                .iter()
                .filter(|a| a.id != published.sender)
                .map(|a| (a.id.clone(), change.clone())),
        );
    }
    Ok(targets
        .into_iter()
        .map(|(to, body)| {
            let message = Message {
                envelope: Envelope {
                    message_id: MessageId::new(),
                    correlation_id: published.correlation_id,
                    causation_id: Some(published.message_id.as_uuid()),
                    case_id: None,
                    subject: None,
                    sender: hub.clone(),
                    recipients: vec![to.clone()],
                    message_type: MessageType::KeyDirectory,
                    schema_version: schemas::SCHEMA_VERSION,
                    sent_at: now,
                    purpose: Purpose::CaseCoordination,
                    data_categories: Vec::new(),
                    gateway: None,
                    sent_by: None,
                    withheld: Vec::new(),
                },
                body: Body::KeyDirectory(body),
            };
            let id = message.envelope.message_id.as_uuid();
            OutboxRow {
                id: crate::plan::outbox_id(hub, id, &to),
                recipient: to,
                message_id: id,
                correlation_id: published.correlation_id,
                message_type: MessageType::KeyDirectory.as_str(),
                sender: hub.clone(),
                payload: message.to_json(),
                consent_id: None,
            }
        })
        .collect())
}

/// The directory for `hub keys list`.
pub async fn list(
    pool: &PgPool,
    agencies: &hub_core::Directory,
    policy: &hub_core::Policy,
) -> Result<KeyDirectory, sqlx::Error> {
    current(pool, agencies, &policy.hard_rules.protected_location_allow).await
}
