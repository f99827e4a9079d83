//! The key directory: agencies publish their sealing keys to the hub (`KeyPublished`, the
//! agency authenticated by the broker), and the hub sends the directory back.
//!
//! The key an agency announced last is its current one: an agent announces the key it uses
//! each time it starts. A new key, or an older one announced again (an agency restored from
//! a backup that predates its last rotation holds only the older private key), becomes
//! current and goes to every agency at once, so senders seal to it from then on. The current
//! key announced again brings the directory to that agency only.
//!
//! Only public keys are here: private keys never leave the agencies. A rotated-out key stays
//! listed with `current: false`.

use chrono::{DateTime, Utc};
use hub_core::Effect;
use schemas::messages::{DirectoryKey, KeyDirectory};
use schemas::{AgencyId, Body, Envelope, Message, MessageId, MessageType, Purpose};
use sqlx::{PgPool, Postgres, Row, Transaction};

use crate::db::BatchContext;
use crate::plan::{Accepted, OutboxRow};

/// For a message that records a key: whether the key becomes its agency's current one (it
/// is new, or an older key announced again), so every agency needs the new directory. `None`
/// for any other message. Read before the key is recorded.
pub async fn makes_current(
    tx: &mut Transaction<'_, Postgres>,
    accepted: &Accepted,
) -> Result<Option<bool>, sqlx::Error> {
    let Some((agency, key_id)) = accepted.effects.iter().find_map(|e| match e {
        Effect::RecordKey { agency, key_id, .. } => Some((agency, key_id)),
        _ => None,
    }) else {
        return Ok(None);
    };
    let current: bool = sqlx::query_scalar(
        "SELECT coalesce((SELECT seq FROM sealing_keys WHERE agency = $1 AND key_id = $2)
                         = (SELECT max(seq) FROM sealing_keys WHERE agency = $1), false)",
    )
    .bind(agency.as_str())
    .bind(key_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(Some(!current))
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
    let rows = sqlx::query(
        "SELECT seq, agency, key_id, scheme, public_key, published_at,
                seq = max(seq) OVER (PARTITION BY agency) AS current
         FROM sealing_keys ORDER BY agency, seq",
    )
    .fetch_all(executor)
    .await?;
    let mut version = 0u64;
    let mut keys = Vec::with_capacity(rows.len());
    for row in rows {
        let seq: i64 = row.try_get("seq")?;
        version = version.max(u64::try_from(seq).unwrap_or(0));
        let agency = AgencyId::try_from(row.try_get::<String, _>("agency")?)
            .map_err(|e| sqlx::Error::Decode(e.into()))?;
        // An agency removed from the directory keeps its rows for the record, but is not listed.
        let Some(registered) = agencies.get(&agency) else {
            continue;
        };
        let text = |s: String| {
            schemas::ids::ShortText::try_from(s).map_err(|e| sqlx::Error::Decode(e.into()))
        };
        keys.push(DirectoryKey {
            role: registered.role,
            protected_location: protected_location_allow.contains(&agency),
            agency,
            key_id: text(row.try_get("key_id")?)?,
            scheme: text(row.try_get("scheme")?)?,
            public_key: row.try_get("public_key")?,
            published_at: row.try_get::<DateTime<Utc>, _>("published_at")?,
            current: row.try_get("current")?,
        });
    }
    Ok(KeyDirectory { version, keys })
}

/// The directory messages that answer a recorded key: to every agency when the key became
/// current ([`makes_current`]), to its publisher otherwise.
pub async fn directory_rows(
    tx: &mut Transaction<'_, Postgres>,
    cx: &BatchContext<'_>,
    accepted: &Accepted,
    made_current: bool,
) -> Result<Vec<OutboxRow>, sqlx::Error> {
    let published = &accepted.message.envelope;
    let body = current(
        &mut **tx,
        cx.directory,
        &cx.policy.hard_rules.protected_location_allow,
    )
    .await?;
    let targets: Vec<AgencyId> = if made_current {
        cx.directory.iter().map(|a| a.id.clone()).collect()
    } else {
        vec![published.sender.clone()]
    };
    Ok(targets
        .into_iter()
        .map(|to| {
            let message = Message {
                envelope: Envelope {
                    message_id: MessageId::new(),
                    correlation_id: published.correlation_id,
                    causation_id: Some(published.message_id.as_uuid()),
                    case_id: None,
                    subject: None,
                    sender: cx.hub.clone(),
                    recipients: vec![to.clone()],
                    message_type: MessageType::KeyDirectory,
                    schema_version: schemas::SCHEMA_VERSION,
                    sent_at: cx.now,
                    purpose: Purpose::CaseCoordination,
                    data_categories: Vec::new(),
                    gateway: None,
                },
                body: Body::KeyDirectory(body.clone()),
            };
            let id = message.envelope.message_id.as_uuid();
            OutboxRow {
                id: crate::plan::outbox_id(cx.hub, id, &to),
                recipient: to,
                message_id: id,
                correlation_id: published.correlation_id,
                message_type: MessageType::KeyDirectory.as_str(),
                sender: cx.hub.clone(),
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
