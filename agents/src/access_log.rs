//! The access log: who at this agency saw or did what, about which message and which person.
//!
//! Every message opened, sealed field opened (a location, a person's identity), person page
//! opened, search (one row per person found, never the words searched for) and message sent
//! is appended to `access_log` in the agent's store, with who, when, which message and which
//! person pseudonym, never content. The table is append-only (triggers refuse UPDATE and
//! DELETE) and hash-chained like the hub's audit log: each entry's hash covers the one before,
//! so [`verify`] finds any entry changed, removed or inserted. An agency answers a person's
//! request (GDPR art. 15) from [`entries`] together with the hub's `hub disclosures`.
//!
//! Who: a caseworker signed in to the page (`page:<name> (<provider's subject>)`), a calling
//! system on the API by the name of its token (`api:<system>`), or a user of the command line
//! (`cli:<user>`).

use std::fmt::Write;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::store::{Store, StoreError};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A received message was opened and shown.
    MessageOpened,
    /// A sealed location in a message was opened and shown.
    LocationOpened,
    /// A person's sealed identity in a message was opened and shown.
    IdentityOpened,
    /// A person's page in the register was opened.
    PersonOpened,
    /// A search found this person (the words searched for are not kept).
    PersonFound,
    /// A person was entered in the register.
    PersonEntered,
    /// A message was sent (queued for the hub).
    MessageSent,
}

impl Action {
    /// The action as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::MessageOpened => "message_opened",
            Action::LocationOpened => "location_opened",
            Action::IdentityOpened => "identity_opened",
            Action::PersonOpened => "person_opened",
            Action::PersonFound => "person_found",
            Action::PersonEntered => "person_entered",
            Action::MessageSent => "message_sent",
        }
    }
}

/// Who did it: `page:<user>`, `api:<system>` or `cli:<user>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor(String);

impl Actor {
    /// A caseworker signed in to the page, as [`crate::http::sign_in::Caseworker::log_name`]
    /// names them.
    pub fn page(user: &str) -> Actor {
        Actor(format!("page:{user}"))
    }

    /// A calling system on the API, by the name of its token.
    pub fn api(system: &str) -> Actor {
        Actor(format!("api:{system}"))
    }

    /// A user of the command line, by the operating system's user name (`USER`, else the
    /// process's user id looked up in `/etc/passwd`).
    pub fn cli() -> Actor {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .ok()
            .filter(|u| !u.is_empty())
            .or_else(os_user)
            .unwrap_or_else(|| "unknown user".to_owned());
        Actor(format!("cli:{user}"))
    }

    /// As stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name of the process's real user, from `/proc/self/status` and `/etc/passwd`.
fn os_user() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_owned();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    let name = passwd.lines().find_map(|l| {
        let mut fields = l.split(':');
        let name = fields.next()?;
        (fields.nth(1)? == uid).then(|| name.to_owned())
    });
    Some(name.unwrap_or(format!("uid {uid}")))
}

/// One thing done, before it is logged.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Access<'a> {
    pub actor: &'a Actor,
    pub action: Action,
    /// Which message, if one.
    pub message_id: Option<&'a str>,
    /// Its sender, for a received message (ids are scoped by their sender).
    pub sender: Option<&'a str>,
    /// Which person, by pseudonym, if one.
    pub subject: Option<&'a str>,
}

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Entry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    /// Which message.
    pub message_id: Option<String>,
    pub sender: Option<String>,
    /// Which person.
    pub subject: Option<String>,
    /// The hash of the entry before.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// The hash of an entry: SHA-256 over the previous hash and each field, each field
/// length-prefixed so no two entries hash alike by moving a boundary.
fn hash_of(
    prev_hash: &str,
    at: &str,
    actor: &str,
    action: &str,
    message_id: Option<&str>,
    sender: Option<&str>,
    subject: Option<&str>,
) -> String {
    let mut h = Sha256::new();
    for field in [
        Some(prev_hash),
        Some(at),
        Some(actor),
        Some(action),
        message_id,
        sender,
        subject,
    ] {
        match field {
            Some(text) => {
                h.update((text.len() as u64).to_be_bytes());
                h.update(text.as_bytes());
            }
            None => h.update(u64::MAX.to_be_bytes()),
        }
    }
    hex::encode(h.finalize())
}

/// Appends `accesses` to the log, in order, in one transaction.
pub async fn append(
    store: &Store,
    accesses: &[Access<'_>],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if accesses.is_empty() {
        return Ok(());
    }
    let mut tx = store.begin_write().await?;
    let mut prev: String =
        sqlx::query_scalar("SELECT hash FROM access_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?
            .unwrap_or_else(|| GENESIS.to_owned());
    let at = now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    for a in accesses {
        let hash = hash_of(
            &prev,
            &at,
            a.actor.as_str(),
            a.action.as_str(),
            a.message_id,
            a.sender,
            a.subject,
        );
        sqlx::query(
            "INSERT INTO access_log (at, actor, action, message_id, sender, subject, prev_hash, hash)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&at)
        .bind(a.actor.as_str())
        .bind(a.action.as_str())
        .bind(a.message_id)
        .bind(a.sender)
        .bind(a.subject)
        .bind(&prev)
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
        prev = hash;
    }
    tx.commit().await?;
    Ok(())
}

/// Appends one access.
pub async fn record(store: &Store, access: Access<'_>) -> Result<(), StoreError> {
    append(store, &[access], Utc::now()).await
}

/// Records that `actor` opened `message` (from `sender`) and what of it was shown: its sealed
/// location and the person's identity, when this agency could open them.
pub async fn opened(
    store: &Store,
    actor: &Actor,
    message: &schemas::Message,
    sealed: Option<&crate::sealing::SealedView>,
    identity: Option<&crate::people::IdentityView>,
) -> Result<(), StoreError> {
    let e = &message.envelope;
    let message_id = e.message_id.to_string();
    let subject = e.subject.as_ref().map(|s| s.as_str());
    let one = |action| Access {
        actor,
        action,
        message_id: Some(&message_id),
        sender: Some(e.sender.as_str()),
        subject,
    };
    let mut accesses = vec![one(Action::MessageOpened)];
    if sealed.is_some_and(|v| v.location().is_some()) {
        accesses.push(one(Action::LocationOpened));
    }
    if matches!(identity, Some(crate::people::IdentityView::Shared(_))) {
        accesses.push(one(Action::IdentityOpened));
    }
    append(store, &accesses, Utc::now()).await
}

/// Records that `actor` did `action` about each of `subjects` (a search's finds, a person's
/// page, a person entered).
pub async fn about_people(
    store: &Store,
    actor: &Actor,
    action: Action,
    subjects: &[&str],
) -> Result<(), StoreError> {
    let accesses: Vec<Access<'_>> = subjects
        .iter()
        .map(|subject| Access {
            actor,
            action,
            message_id: None,
            sender: None,
            subject: Some(subject),
        })
        .collect();
    append(store, &accesses, Utc::now()).await
}

/// Which entries [`entries`] returns.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only about this person.
    pub subject: Option<String>,
    /// Only by this user or system: as stored (`api:case-system`), or a page user's
    /// sign-in subject (`mette.holm` finds `page:Mette Holm (mette.holm)`).
    pub actor: Option<String>,
}

impl Filter {
    fn actor_matches(&self, actor: &str) -> bool {
        let Some(wanted) = &self.actor else {
            return true;
        };
        actor == wanted
            || actor
                .strip_prefix("page:")
                .and_then(|rest| rest.strip_suffix(')'))
                .and_then(|rest| rest.rsplit_once(" ("))
                .is_some_and(|(_, subject)| subject == wanted)
    }
}

/// The columns of an [`EntryRow`], as the start of a query.
macro_rules! select_entries {
    () => {
        "SELECT seq, at, actor, action, message_id, sender, subject, prev_hash, hash FROM access_log"
    };
}

/// The entries that match `filter`, oldest first.
pub async fn entries(store: &Store, filter: &Filter) -> Result<Vec<Entry>, StoreError> {
    let rows = sqlx::query_as::<_, EntryRow>(concat!(
        select_entries!(),
        " WHERE (?1 IS NULL OR subject = ?1) ORDER BY seq"
    ))
    .bind(filter.subject.as_deref())
    .fetch_all(store.pool())
    .await?;
    let mut out = Vec::new();
    for row in rows {
        let entry = Entry::try_from(row)?;
        if filter.actor_matches(&entry.actor) {
            out.push(entry);
        }
    }
    Ok(out)
}

/// A row of `access_log`, as stored: `at` is the text the hash covers.
#[derive(sqlx::FromRow)]
struct EntryRow {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    message_id: Option<String>,
    sender: Option<String>,
    subject: Option<String>,
    prev_hash: String,
    hash: String,
}

impl EntryRow {
    /// The hash this entry should have, following `prev_hash`.
    fn expected_hash(&self, prev_hash: &str) -> String {
        hash_of(
            prev_hash,
            &self.at,
            &self.actor,
            &self.action,
            self.message_id.as_deref(),
            self.sender.as_deref(),
            self.subject.as_deref(),
        )
    }
}

impl TryFrom<EntryRow> for Entry {
    type Error = StoreError;
    fn try_from(row: EntryRow) -> Result<Self, StoreError> {
        Ok(Entry {
            seq: row.seq,
            at: DateTime::parse_from_rfc3339(&row.at)
                .map_err(|_| StoreError::Corrupt("access_log.at".to_owned()))?
                .with_timezone(&Utc),
            actor: row.actor,
            action: row.action,
            message_id: row.message_id,
            sender: row.sender,
            subject: row.subject,
            prev_hash: row.prev_hash,
            hash: row.hash,
        })
    }
}

/// Why the chain does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Broken {
    /// An entry's hash is not the hash of its fields and the one before: it was changed.
    #[error("entry {0} was changed: its hash does not match its content")]
    Changed(i64),
    /// An entry does not follow the one before it: an entry was removed or inserted.
    #[error("the chain breaks before entry {0}: an entry was removed or inserted")]
    Gap(i64),
}

/// Checks the whole chain: how many entries, or where it breaks.
pub async fn verify(store: &Store) -> Result<Result<usize, Broken>, StoreError> {
    let rows = sqlx::query_as::<_, EntryRow>(concat!(select_entries!(), " ORDER BY seq"))
        .fetch_all(store.pool())
        .await?;
    let mut prev = GENESIS.to_owned();
    for row in &rows {
        if row.prev_hash != prev {
            return Ok(Err(Broken::Gap(row.seq)));
        }
        if row.expected_hash(&prev) != row.hash {
            return Ok(Err(Broken::Changed(row.seq)));
        }
        prev.clone_from(&row.hash);
    }
    Ok(Ok(rows.len()))
}

/// The entries as CSV, with a header line.
pub fn csv(entries: &[Entry]) -> String {
    let mut out = String::from("seq,at,actor,action,message_id,sender,subject,hash\n");
    let field = broker::csv::field;
    for e in entries {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{}",
            e.seq,
            e.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            field(&e.actor),
            field(&e.action),
            field(e.message_id.as_deref().unwrap_or("")),
            field(e.sender.as_deref().unwrap_or("")),
            field(e.subject.as_deref().unwrap_or("")),
            e.hash
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{TempStore, at};

    fn access<'a>(actor: &'a Actor, action: Action, subject: &'a str) -> Access<'a> {
        Access {
            actor,
            action,
            message_id: Some("01a2008d-77e8-726b-b2a7-4de452e6b438"),
            sender: Some("dk-kriminalforsorgen"),
            subject: Some(subject),
        }
    }

    #[test]
    fn the_command_line_user_is_named() {
        // Whatever the environment, the actor names a user, never nothing.
        let actor = Actor::cli();
        let user = actor.as_str().strip_prefix("cli:").unwrap();
        assert!(!user.is_empty());
        assert!(os_user().is_some_and(|u| !u.is_empty()));
    }

    #[test]
    fn a_page_user_is_found_by_their_sign_in_subject() {
        let by = |user: &str| Filter {
            subject: None,
            actor: Some(user.to_owned()),
        };
        let mette = "page:Mette Holm (mette.holm)";
        assert!(by("mette.holm").actor_matches(mette));
        assert!(by(mette).actor_matches(mette));
        assert!(!by("holm").actor_matches(mette));
        assert!(!by("Mette Holm").actor_matches(mette));
        assert!(!by("mette.holm").actor_matches("api:mette.holm"));
        assert!(Filter::default().actor_matches(mette));
    }

    #[tokio::test]
    async fn entries_chain_filter_and_export_and_any_change_breaks_the_chain() {
        let t = TempStore::new().await;
        let kari = Actor::page("kari");
        let system = Actor::api("case-system");
        append(
            &t.store,
            &[
                access(&kari, Action::MessageOpened, "ps-aaaaaaaaaaaaaaaa"),
                access(&kari, Action::IdentityOpened, "ps-aaaaaaaaaaaaaaaa"),
            ],
            at(1),
        )
        .await
        .unwrap();
        append(
            &t.store,
            &[access(&system, Action::PersonFound, "ps-bbbbbbbbbbbbbbbb")],
            at(2),
        )
        .await
        .unwrap();
        assert_eq!(verify(&t.store).await.unwrap(), Ok(3));

        let about_a = entries(
            &t.store,
            &Filter {
                subject: Some("ps-aaaaaaaaaaaaaaaa".to_owned()),
                actor: None,
            },
        )
        .await
        .unwrap();
        assert_eq!(about_a.len(), 2);
        assert_eq!(about_a[1].action, "identity_opened");
        let by_system = entries(
            &t.store,
            &Filter {
                subject: None,
                actor: Some("api:case-system".to_owned()),
            },
        )
        .await
        .unwrap();
        assert_eq!(by_system.len(), 1);
        let text = csv(&by_system);
        assert!(text.starts_with("seq,at,actor,action,message_id,sender,subject,hash\n"));
        assert!(text.contains(",api:case-system,person_found,"), "{text}");

        // Append-only: the store refuses changes and deletions.
        assert!(
            sqlx::query("UPDATE access_log SET actor = 'page:someone else' WHERE seq = 1")
                .execute(t.store.pool())
                .await
                .is_err()
        );
        assert!(
            sqlx::query("DELETE FROM access_log WHERE seq = 2")
                .execute(t.store.pool())
                .await
                .is_err()
        );
        // Around the triggers (a copy of the file edited by hand): the chain tells.
        sqlx::query("DROP TRIGGER access_log_append_only_update")
            .execute(t.store.pool())
            .await
            .unwrap();
        sqlx::query("DROP TRIGGER access_log_append_only_delete")
            .execute(t.store.pool())
            .await
            .unwrap();
        sqlx::query("UPDATE access_log SET actor = 'page:someone else' WHERE seq = 1")
            .execute(t.store.pool())
            .await
            .unwrap();
        assert_eq!(verify(&t.store).await.unwrap(), Err(Broken::Changed(1)));
        sqlx::query("UPDATE access_log SET actor = 'page:kari' WHERE seq = 1")
            .execute(t.store.pool())
            .await
            .unwrap();
        sqlx::query("DELETE FROM access_log WHERE seq = 2")
            .execute(t.store.pool())
            .await
            .unwrap();
        assert_eq!(verify(&t.store).await.unwrap(), Err(Broken::Gap(3)));
    }
}
