//! The keys: the agency's own sealing keys (made once, rotated, the private parts never
//! leaving the store) and the newest key directory from the hub, replaced whole or updated by
//! a change that follows the version held. Publishing and asking are [`crate::keys`]'s part.

use chrono::{DateTime, Utc};
use schemas::messages::{DirectoryKey, KeyDirectory};
use schemas::vocab::{enum_from, enum_text};
use zeroize::Zeroizing;

use super::{Store, StoreError};

/// One of the agency's own sealing keys, public parts only (the private key is read with
/// [`Store::private_key`] and never leaves the agent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnKey {
    /// The key id, derived from the public key (`k-` and 32 hex digits).
    pub key_id: String,
    /// The public key, base64.
    pub public_key: String,
    /// When the agent made it.
    pub created_at: DateTime<Utc>,
    /// When a newer key replaced it; `None` for the current key.
    pub retired_at: Option<DateTime<Utc>>,
}

impl OwnKey {
    /// Whether this is the current key, the one published for senders to seal to.
    pub fn is_current(&self) -> bool {
        self.retired_at.is_none()
    }
}

/// The newest key directory the hub sent this agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directory {
    /// The hub's version of it; a directory with a higher one replaces it.
    pub version: u64,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// Every published key, current and rotated out, by agency and key id.
    pub keys: Vec<DirectoryKey>,
}

/// What came of a key directory change ([`Store::apply_directory_change`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectoryChange {
    /// Applied on top of the version it follows.
    Applied,
    /// The directory held includes it already (or it cannot be ordered): nothing to do.
    Held,
    /// The directory held is older than the version it follows: a change was missed, and
    /// only the whole directory brings it up to date.
    Gap,
}

impl Store {
    /// Makes a key pair when the agency has no current key. Returns the current key and
    /// whether it was made now. Safe to call from several processes at once: one key wins.
    pub async fn ensure_key(&self, now: DateTime<Utc>) -> Result<(OwnKey, bool), StoreError> {
        if let Some(key) = self.current_key().await? {
            return Ok((key, false));
        }
        let pair = seal::generate();
        // One statement, so the check and the insert happen under SQLite's write lock; the
        // unique index on the current key backs it up.
        let made = sqlx::query(
            "INSERT INTO own_keys (key_id, public_key, private_key, created_at)
             SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM own_keys WHERE retired_at IS NULL)
             ON CONFLICT DO NOTHING",
        )
        .bind(&pair.key_id)
        .bind(&pair.public_key)
        .bind(pair.private_key.as_slice())
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;
        let key = self
            .current_key()
            .await?
            .ok_or_else(|| StoreError::Corrupt("no current key after making one".into()))?;
        Ok((key, made))
    }

    /// The current key, if the agency has one.
    pub async fn current_key(&self) -> Result<Option<OwnKey>, StoreError> {
        let row = sqlx::query_as::<_, OwnKeyRow>(
            "SELECT key_id, public_key, created_at, retired_at FROM own_keys WHERE retired_at IS NULL",
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(OwnKey::from))
    }

    /// Every key the agency holds, newest first: the current one and the rotated-out ones.
    pub async fn own_keys(&self) -> Result<Vec<OwnKey>, StoreError> {
        let rows = sqlx::query_as::<_, OwnKeyRow>(
            "SELECT key_id, public_key, created_at, retired_at FROM own_keys
             ORDER BY created_at DESC, rowid DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(OwnKey::from).collect())
    }

    /// The private key with this id, current or rotated out, for opening a sealed field.
    pub async fn private_key(
        &self,
        key_id: &str,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        let key =
            sqlx::query_scalar::<_, Vec<u8>>("SELECT private_key FROM own_keys WHERE key_id = ?")
                .bind(key_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(key.map(Zeroizing::new))
    }

    /// Makes a new current key; the previous one is retired but kept, so copies sealed to it
    /// still open. Publishing the new key is the caller's part (see [`crate::keys::rotate`]).
    pub async fn rotate_key(&self, now: DateTime<Utc>) -> Result<OwnKey, StoreError> {
        let pair = seal::generate();
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE own_keys SET retired_at = ? WHERE retired_at IS NULL")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO own_keys (key_id, public_key, private_key, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(&pair.key_id)
        .bind(&pair.public_key)
        .bind(pair.private_key.as_slice())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(OwnKey {
            key_id: pair.key_id,
            public_key: pair.public_key,
            created_at: now,
            retired_at: None,
        })
    }

    /// Keeps the whole `directory` when its version is higher than the one held (or none is
    /// held); returns whether it was kept. Its entries replace the previous ones. (A change
    /// goes to [`Store::apply_directory_change`].)
    pub async fn save_directory(
        &self,
        directory: &KeyDirectory,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        // The hub's counter never comes near this; a version past it cannot be ordered here.
        let Ok(version) = i64::try_from(directory.version) else {
            return Ok(false);
        };
        let mut tx = self.begin_write().await?;
        let newer = sqlx::query(
            "INSERT INTO key_directory (id, version, received_at) VALUES (1, ?, ?)
             ON CONFLICT (id) DO UPDATE SET version = excluded.version, received_at = excluded.received_at
             WHERE excluded.version > key_directory.version",
        )
        .bind(version)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !newer {
            return Ok(false);
        }
        sqlx::query("DELETE FROM directory_keys")
            .execute(&mut *tx)
            .await?;
        for k in &directory.keys {
            upsert_directory_key(&mut tx, k).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Applies a directory change ([`KeyDirectory::follows`] set) when the directory held is
    /// exactly the version it follows (no directory held counts as version 0): its keys are
    /// added or updated, and every other key of their agencies is marked not current.
    pub async fn apply_directory_change(
        &self,
        change: &KeyDirectory,
        now: DateTime<Utc>,
    ) -> Result<DirectoryChange, StoreError> {
        let (Some(follows), Ok(version)) = (change.follows, i64::try_from(change.version)) else {
            return Ok(DirectoryChange::Held);
        };
        let Ok(follows) = i64::try_from(follows) else {
            return Ok(DirectoryChange::Held);
        };
        let mut tx = self.begin_write().await?;
        let held: i64 = sqlx::query_scalar(
            "SELECT coalesce((SELECT version FROM key_directory WHERE id = 1), 0)",
        )
        .fetch_one(&mut *tx)
        .await?;
        if held >= version {
            return Ok(DirectoryChange::Held);
        }
        if held != follows {
            return Ok(DirectoryChange::Gap);
        }
        sqlx::query(
            "INSERT INTO key_directory (id, version, received_at) VALUES (1, ?, ?)
             ON CONFLICT (id) DO UPDATE SET version = excluded.version, received_at = excluded.received_at",
        )
        .bind(version)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        for k in &change.keys {
            if k.current {
                sqlx::query(
                    "UPDATE directory_keys SET current = 0 WHERE agency = ? AND key_id <> ?",
                )
                .bind(k.agency.as_str())
                .bind(k.key_id.as_str())
                .execute(&mut *tx)
                .await?;
            }
            upsert_directory_key(&mut tx, k).await?;
        }
        tx.commit().await?;
        Ok(DirectoryChange::Applied)
    }

    /// Whether a `KeyPublished` was queued since `since` (to ask for the whole directory at
    /// most once in a while).
    pub async fn key_announced_since(&self, since: DateTime<Utc>) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM outbox WHERE message_type = 'KeyPublished' AND accepted_at > ?",
        )
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// The newest key directory received, if any.
    pub async fn directory(&self) -> Result<Option<Directory>, StoreError> {
        let Some(head) = sqlx::query_as::<_, DirectoryRow>(
            "SELECT version, received_at FROM key_directory WHERE id = 1",
        )
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let rows = sqlx::query_as::<_, DirectoryKeyRow>(
            "SELECT agency, key_id, role, scheme, public_key, published_at, current, protected_location, agency_name
             FROM directory_keys ORDER BY agency, published_at DESC, key_id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(Directory {
            version: u64::try_from(head.version)
                .map_err(|_| StoreError::Corrupt(format!("directory version {}", head.version)))?,
            received_at: head.received_at,
            keys: rows
                .into_iter()
                .map(DirectoryKey::try_from)
                .collect::<Result<_, _>>()?,
        }))
    }

    /// The names of the agencies the key directory lists, by id: what the page shows instead
    /// of ids.
    pub async fn agency_names(
        &self,
    ) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
        let names = sqlx::query_as::<_, (String, String)>(
            "SELECT agency, max(agency_name) AS name FROM directory_keys
             WHERE agency_name IS NOT NULL GROUP BY agency",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(names.into_iter().collect())
    }

    /// The entries of the newest key directory (none before the first one arrives).
    pub async fn directory_keys(&self) -> Result<Vec<DirectoryKey>, StoreError> {
        Ok(self.directory().await?.map(|d| d.keys).unwrap_or_default())
    }
}

/// Adds or updates one key directory entry.
async fn upsert_directory_key(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    k: &DirectoryKey,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO directory_keys (agency, key_id, role, scheme, public_key, published_at, current, protected_location, agency_name)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (agency, key_id) DO UPDATE SET role = excluded.role, scheme = excluded.scheme,
             public_key = excluded.public_key, published_at = excluded.published_at,
             current = excluded.current, protected_location = excluded.protected_location,
             agency_name = coalesce(excluded.agency_name, directory_keys.agency_name)",
    )
    .bind(k.agency.as_str())
    .bind(k.key_id.as_str())
    .bind(enum_text(&k.role))
    .bind(k.scheme.as_str())
    .bind(&k.public_key)
    .bind(k.published_at)
    .bind(k.current)
    .bind(k.protected_location)
    .bind(k.agency_name.as_ref().map(|n| n.as_str()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A row of `own_keys`, public parts only.
#[derive(sqlx::FromRow)]
struct OwnKeyRow {
    key_id: String,
    public_key: String,
    created_at: DateTime<Utc>,
    retired_at: Option<DateTime<Utc>>,
}

impl From<OwnKeyRow> for OwnKey {
    fn from(row: OwnKeyRow) -> Self {
        OwnKey {
            key_id: row.key_id,
            public_key: row.public_key,
            created_at: row.created_at,
            retired_at: row.retired_at,
        }
    }
}

/// The row of `key_directory`: which directory is held.
#[derive(sqlx::FromRow)]
struct DirectoryRow {
    version: i64,
    received_at: DateTime<Utc>,
}

/// A row of `directory_keys`.
#[derive(sqlx::FromRow)]
struct DirectoryKeyRow {
    agency: String,
    key_id: String,
    role: String,
    scheme: String,
    public_key: String,
    published_at: DateTime<Utc>,
    current: bool,
    protected_location: bool,
    agency_name: Option<String>,
}

impl TryFrom<DirectoryKeyRow> for DirectoryKey {
    type Error = StoreError;
    fn try_from(row: DirectoryKeyRow) -> Result<Self, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("directory entry: {what}"));
        Ok(DirectoryKey {
            agency: row.agency.try_into().map_err(|_| corrupt("agency"))?,
            role: enum_from(row.role).map_err(|_| corrupt("role"))?,
            key_id: row.key_id.try_into().map_err(|_| corrupt("key_id"))?,
            scheme: row.scheme.try_into().map_err(|_| corrupt("scheme"))?,
            public_key: row.public_key,
            published_at: row.published_at,
            current: row.current,
            protected_location: row.protected_location,
            agency_name: row.agency_name.and_then(|n| n.try_into().ok()),
        })
    }
}

#[cfg(test)]
mod tests {
    use schemas::AgencyRole;

    use super::*;
    use crate::testing::{TempStore, agency, at, entry};

    #[tokio::test]
    async fn a_key_is_made_once_and_rotation_keeps_the_old_private_keys() {
        let t = TempStore::new().await;
        let s = &t.store;
        assert_eq!(s.current_key().await.unwrap(), None);

        let (first, made) = s.ensure_key(at(0)).await.unwrap();
        assert!(made && first.is_current());
        let (again, made_again) = s.ensure_key(at(1)).await.unwrap();
        assert_eq!((again.clone(), made_again), (first.clone(), false));
        let first_private = s.private_key(&first.key_id).await.unwrap().unwrap();
        assert_eq!(first_private.len(), 32, "an X25519 private key");

        let second = s.rotate_key(at(2)).await.unwrap();
        assert_ne!(second.key_id, first.key_id);
        assert_eq!(s.current_key().await.unwrap(), Some(second.clone()));
        let third = s.rotate_key(at(3)).await.unwrap();

        let all = s.own_keys().await.unwrap();
        let ids: Vec<&str> = all.iter().map(|k| k.key_id.as_str()).collect();
        assert_eq!(ids, [&third.key_id, &second.key_id, &first.key_id]);
        let current: Vec<&OwnKey> = all.iter().filter(|k| k.is_current()).collect();
        assert_eq!(current.len(), 1);
        assert_eq!(current[0].key_id, third.key_id);
        assert_eq!(all[1].retired_at, Some(at(3)));
        assert_eq!(all[2].retired_at, Some(at(2)));
        // Retired keys still open what was sealed to them.
        assert_eq!(
            s.private_key(&first.key_id).await.unwrap().as_deref(),
            Some(&*first_private)
        );
        assert!(s.private_key(&second.key_id).await.unwrap().is_some());
        assert!(s.private_key("k-unknown").await.unwrap().is_none());
        // ensure_key keeps the current key after a rotation.
        assert_eq!(s.ensure_key(at(4)).await.unwrap(), (third, false));
    }

    #[tokio::test]
    async fn concurrent_ensures_make_one_key() {
        let t = TempStore::new().await;
        let (a, b) = tokio::join!(t.store.ensure_key(at(0)), t.store.ensure_key(at(0)));
        assert_eq!(a.unwrap().0, b.unwrap().0);
        assert_eq!(t.store.own_keys().await.unwrap().len(), 1);
    }

    fn directory(version: u64, agencies: &[&str]) -> KeyDirectory {
        KeyDirectory {
            follows: None,
            version,
            keys: agencies
                .iter()
                .map(|a| {
                    let k = seal::generate();
                    entry(
                        a,
                        AgencyRole::Municipality,
                        &k.key_id,
                        &k.public_key,
                        true,
                        false,
                    )
                })
                .collect(),
        }
    }

    #[tokio::test]
    async fn only_a_higher_directory_version_replaces_the_one_held() {
        let t = TempStore::new().await;
        let s = &t.store;
        assert_eq!(s.directory().await.unwrap(), None);
        assert!(s.directory_keys().await.unwrap().is_empty());

        let v3 = directory(3, &["no-oslo-kommune", "no-trondheim-kommune"]);
        assert!(s.save_directory(&v3, at(1)).await.unwrap());
        let held = s.directory().await.unwrap().unwrap();
        assert_eq!((held.version, held.received_at), (3, at(1)));
        assert_eq!(held.keys.len(), 2);
        for k in &v3.keys {
            assert!(held.keys.contains(k), "{k:?} round-trips");
        }

        // Older and equal versions (late or redelivered) change nothing.
        assert!(
            !s.save_directory(&directory(2, &["no-bergen-kommune"]), at(2))
                .await
                .unwrap()
        );
        assert!(
            !s.save_directory(&directory(3, &["no-bergen-kommune"]), at(3))
                .await
                .unwrap()
        );
        let held = s.directory().await.unwrap().unwrap();
        assert_eq!((held.version, held.received_at), (3, at(1)));
        assert!(
            held.keys
                .iter()
                .all(|k| k.agency != agency("no-bergen-kommune"))
        );

        // A newer one replaces the entries entirely.
        let v4 = directory(4, &["no-bergen-kommune"]);
        assert!(s.save_directory(&v4, at(4)).await.unwrap());
        assert_eq!(s.directory_keys().await.unwrap(), v4.keys);
        assert_eq!(s.directory().await.unwrap().unwrap().version, 4);
    }
}
