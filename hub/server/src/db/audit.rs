//! The audit log: a hash chain of entries (see [`hub_core::audit`]), appended under one lock
//! by every hub instance, and its checks.
//!
//! The messages a batch routes share one entry, `{"kind": "batch", "messages": n, "root":
//! …}`: the root is the Merkle tree hash ([`hub_core::merkle`]) of one leaf per message, and
//! each message's record names its entry and its leaf (`messages.audit_seq`,
//! `messages.audit_leaf`). A check makes each leaf again from the message's record and its
//! disclosure log and compares the root, so editing, adding or deleting the record of a
//! message or of a decision breaks its batch as editing an entry breaks the chain. Every other
//! event (refused input, an escalation, an operator's change to an agency, messages routed
//! before batch entries) has an entry of its own.

use chrono::{DateTime, Utc};
use futures_lite::StreamExt as _;
use hub_core::audit::{self, DecisionLeaf, MessageLeaf};
use hub_core::merkle;
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use super::columns::decode_err;

/// Key of the advisory lock that serialises appends to the audit chain across hub instances.
const AUDIT_LOCK: i64 = 0x6875_6261_7564_6974; // "hubaudit"

/// Appends to the hash chain inside a transaction that holds the audit lock.
pub struct AuditAppender {
    /// The last sequence number given out.
    seq: i64,
    /// The hash of the last entry written.
    hash: [u8; 32],
    /// Entries given a number and not yet written: `None` is the open batch's entry.
    pending: Vec<(i64, Option<String>)>,
    batch: Option<Batch>,
}

/// The batch entry being filled.
struct Batch {
    seq: i64,
    at: DateTime<Utc>,
    leaves: Vec<merkle::Hash>,
}

impl AuditAppender {
    /// Takes the audit lock and reads the chain's head.
    pub async fn start(tx: &mut Transaction<'_, Postgres>) -> Result<Self, sqlx::Error> {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(AUDIT_LOCK)
            .execute(&mut **tx)
            .await?;
        let last: Option<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut **tx)
                .await?;
        let (seq, hash) = match last {
            None => (0, audit::GENESIS),
            Some((seq, hash)) => (seq, hash32(hash)?),
        };
        Ok(Self {
            seq,
            hash,
            pending: Vec::new(),
            batch: None,
        })
    }

    /// Appends one entry at once.
    pub async fn append(
        &mut self,
        tx: &mut Transaction<'_, Postgres>,
        at: DateTime<Utc>,
        detail: &serde_json::Value,
    ) -> Result<(), sqlx::Error> {
        self.defer(at, detail);
        self.flush(tx).await
    }

    /// Numbers one entry; it is written by the next [`AuditAppender::flush`], which must come
    /// before the transaction commits.
    pub fn defer(&mut self, at: DateTime<Utc>, detail: &serde_json::Value) {
        self.seq += 1;
        self.pending
            .push((self.seq, Some(entry(self.seq, at, detail))));
    }

    /// Adds a message's leaf to the batch entry (numbered at its first leaf, dated `at`), and
    /// answers where it is: the entry's sequence number and the leaf's index, which the
    /// message's record keeps.
    pub fn leaf(&mut self, at: DateTime<Utc>, leaf: &MessageLeaf) -> (i64, i32) {
        let batch = match &mut self.batch {
            Some(batch) => batch,
            None => {
                self.seq += 1;
                self.pending.push((self.seq, None));
                self.batch.insert(Batch {
                    seq: self.seq,
                    at,
                    leaves: Vec::new(),
                })
            }
        };
        batch.leaves.push(leaf.hash());
        (batch.seq, (batch.leaves.len() - 1) as i32)
    }

    /// Closes the batch entry, chains the numbered entries and writes them. Leaves added
    /// after it go into a new batch entry.
    pub async fn flush(&mut self, tx: &mut Transaction<'_, Postgres>) -> Result<(), sqlx::Error> {
        let batch = self.batch.take();
        let mut rows = AuditRows::default();
        for (seq, text) in std::mem::take(&mut self.pending) {
            let text = match (text, &batch) {
                (Some(text), _) => text,
                (None, Some(b)) => entry(seq, b.at, &batch_detail(&b.leaves)),
                (None, None) => unreachable!("only the open batch's entry is pending unwritten"),
            };
            let hash = audit::chain_hash(&self.hash, text.as_bytes());
            rows.push(seq, text, &self.hash, &hash);
            self.hash = hash;
        }
        rows.write(tx).await
    }
}

/// An entry's canonical text.
fn entry(seq: i64, at: DateTime<Utc>, detail: &serde_json::Value) -> String {
    serde_json::json!({ "seq": seq, "at": at, "detail": detail }).to_string()
}

/// A batch entry's detail.
fn batch_detail(leaves: &[merkle::Hash]) -> serde_json::Value {
    serde_json::json!({
        "kind": "batch",
        "messages": leaves.len(),
        "root": hex::encode(merkle::root(leaves)),
    })
}

fn hash32(bytes: Vec<u8>) -> Result<[u8; 32], sqlx::Error> {
    bytes
        .try_into()
        .map_err(|_| sqlx::Error::Decode("audit hash length".into()))
}

/// Audit entries chained in memory and written in one statement.
#[derive(Debug, Default)]
struct AuditRows {
    seq: Vec<i64>,
    entry: Vec<String>,
    prev_hash: Vec<Vec<u8>>,
    hash: Vec<Vec<u8>>,
}

impl AuditRows {
    fn push(&mut self, seq: i64, entry: String, prev_hash: &[u8; 32], hash: &[u8; 32]) {
        self.seq.push(seq);
        self.entry.push(entry);
        self.prev_hash.push(prev_hash.to_vec());
        self.hash.push(hash.to_vec());
    }

    async fn write(self, tx: &mut Transaction<'_, Postgres>) -> Result<(), sqlx::Error> {
        if self.seq.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO audit_log (seq, entry, prev_hash, hash)
             SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::bytea[], $4::bytea[])",
        )
        .bind(self.seq)
        .bind(self.entry)
        .bind(self.prev_hash)
        .bind(self.hash)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

/// The result of checking the audit log.
#[derive(Debug, PartialEq, Eq)]
pub enum AuditCheck {
    /// Every entry hashes to its stored hash, in an unbroken sequence, and every batch entry's
    /// tree hash is that of its messages as recorded.
    Intact {
        /// How many events the checked entries record: one per entry, and one per message
        /// of a batch entry.
        entries: u64,
    },
    /// The log breaks at this sequence number.
    Broken {
        /// Where.
        seq: i64,
        /// What is wrong.
        problem: &'static str,
    },
}

/// Verifies the whole audit log from the first entry.
pub async fn verify_audit(pool: &sqlx::PgPool) -> Result<AuditCheck, sqlx::Error> {
    verify_audit_in(&mut *pool.acquire().await?).await
}

/// Verifies the audit log as seen on one connection (or inside a transaction).
pub async fn verify_audit_in(conn: &mut sqlx::PgConnection) -> Result<AuditCheck, sqlx::Error> {
    let rows: Vec<Row> =
        sqlx::query_as("SELECT seq, entry, prev_hash, hash FROM audit_log ORDER BY seq")
            .fetch_all(&mut *conn)
            .await?;
    Ok(match check(conn, Link::GENESIS, &rows).await? {
        Ok((_, events)) => AuditCheck::Intact { entries: events },
        Err(Broken { seq, problem }) => AuditCheck::Broken { seq, problem },
    })
}

/// One stored entry: `(seq, entry, prev_hash, hash)`.
pub type Row = (i64, String, Vec<u8>, Vec<u8>);

/// An entry found intact: where a check can go on from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    /// Its sequence number (0 before the first entry).
    pub seq: i64,
    /// Its hash ([`audit::GENESIS`] before the first entry).
    pub hash: [u8; 32],
}

impl Link {
    /// Before the first entry.
    pub const GENESIS: Link = Link {
        seq: 0,
        hash: audit::GENESIS,
    };
}

/// Where the log breaks, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Broken {
    /// The first entry that does not fit.
    pub seq: i64,
    /// What is wrong with it.
    pub problem: &'static str,
}

/// What a batch entry does not match.
pub const BATCH_MISMATCH: &str = "the records of the batch's messages do not match its tree hash (a message or a decision was edited, added or removed)";

/// Checks `rows` (in order of `seq`) as the entries that follow `from`, chain and batches:
/// the last of them and the number of events they record when all are intact, else the
/// first that is not.
pub async fn check(
    conn: &mut sqlx::PgConnection,
    from: Link,
    rows: &[Row],
) -> Result<Result<(Link, u64), Broken>, sqlx::Error> {
    let chained = check_rows(from, rows);
    // The batches among the entries before the chain's first break.
    let before = match chained {
        Ok(_) => rows.len(),
        Err(b) => rows.partition_point(|r| r.0 < b.seq),
    };
    let batches = batch_roots(&rows[..before]);
    let batch_break = check_batches(conn, &batches).await?;
    Ok(match (chained, batch_break) {
        (Err(chain), Some(batch)) => Err(if batch.seq < chain.seq { batch } else { chain }),
        (Err(chain), None) => Err(chain),
        (Ok(_), Some(batch)) => Err(batch),
        (Ok(last), None) => {
            let leaves: u64 = batches.iter().map(|b| b.messages).sum();
            Ok((last, rows.len() as u64 - batches.len() as u64 + leaves))
        }
    })
}

/// Checks the hash chain of `rows` (in order of `seq`) as the entries that follow `from`:
/// the last of them when all are intact, else the first that is not.
pub fn check_rows(from: Link, rows: &[Row]) -> Result<Link, Broken> {
    let mut previous = from;
    for (seq, entry, prev_hash, hash) in rows {
        let seq = *seq;
        let broken = |problem| Err(Broken { seq, problem });
        if seq != previous.seq + 1 {
            return broken("an entry is missing before this one");
        }
        if prev_hash.as_slice() != previous.hash {
            return broken("the previous-hash link does not match the entry before");
        }
        let recomputed = audit::chain_hash(&previous.hash, entry.as_bytes());
        if hash.as_slice() != recomputed {
            return broken("the entry's content does not match its hash");
        }
        let inner: Option<serde_json::Value> = serde_json::from_str(entry).ok();
        if inner.as_ref().and_then(|e| e["seq"].as_i64()) != Some(seq) {
            return broken("the entry was moved from another position");
        }
        previous = Link {
            seq,
            hash: recomputed,
        };
    }
    Ok(previous)
}

/// A batch entry: its number, how many messages it commits to, and their tree hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRoot {
    /// The entry's sequence number.
    pub seq: i64,
    /// How many messages.
    pub messages: u64,
    /// The tree hash, as stored (hex).
    pub root: String,
}

/// The batch entries among `rows`.
pub fn batch_roots(rows: &[Row]) -> Vec<BatchRoot> {
    rows.iter()
        .filter_map(|(seq, entry, _, _)| {
            let entry: serde_json::Value = serde_json::from_str(entry).ok()?;
            let detail = &entry["detail"];
            (detail["kind"] == "batch").then(|| BatchRoot {
                seq: *seq,
                messages: detail["messages"].as_u64().unwrap_or(0),
                root: detail["root"].as_str().unwrap_or_default().to_owned(),
            })
        })
        .collect()
}

/// Whether the leaves recorded for a batch make its stored root: the leaves' indexes must be
/// 0, 1, … in order, as many as the entry says.
pub fn batch_matches(batch: &BatchRoot, leaves: &[(i32, merkle::Hash)]) -> bool {
    let hashes: Vec<merkle::Hash> = leaves.iter().map(|(_, h)| *h).collect();
    leaves
        .iter()
        .enumerate()
        .all(|(i, (index, _))| usize::try_from(*index) == Ok(i))
        && hashes.len() as u64 == batch.messages
        && hex::encode(merkle::root(&hashes)) == batch.root
}

/// The first of `batches` (in order of `seq`) whose messages, as recorded now, do not make
/// its tree hash; also a message that names an entry in their range that is not a batch.
async fn check_batches(
    conn: &mut sqlx::PgConnection,
    batches: &[BatchRoot],
) -> Result<Option<Broken>, sqlx::Error> {
    let (Some(first), Some(last)) = (batches.first(), batches.last()) else {
        return Ok(None);
    };
    let mut batches = batches.iter().peekable();
    let mut leaves = LeafStream::new(conn, first.seq, last.seq);
    let mut group: Option<(i64, Vec<(i32, merkle::Hash)>)> = None;
    loop {
        let next = leaves.next().await?;
        if let (Some((seq, index, hash)), Some((at, got))) = (&next, &mut group)
            && seq == at
        {
            got.push((*index, *hash));
            continue;
        }
        if let Some((at, got)) = group.take()
            && let Some(broken) = settle(&mut batches, at, &got)
        {
            return Ok(Some(broken));
        }
        match next {
            Some((seq, index, hash)) => group = Some((seq, vec![(index, hash)])),
            None => break,
        }
    }
    Ok(settle(&mut batches, i64::MAX, &[]))
}

/// Settles the batches up to `seq`, whose leaves are `got`: those before it have no leaves.
fn settle<'a>(
    batches: &mut std::iter::Peekable<impl Iterator<Item = &'a BatchRoot>>,
    seq: i64,
    got: &[(i32, merkle::Hash)],
) -> Option<Broken> {
    let broken = |seq| Broken {
        seq,
        problem: BATCH_MISMATCH,
    };
    while let Some(b) = batches.next_if(|b| b.seq < seq) {
        if !batch_matches(b, &[]) {
            return Some(broken(b.seq));
        }
    }
    match batches.next_if(|b| b.seq == seq) {
        Some(b) if batch_matches(b, got) => None,
        Some(_) => Some(broken(seq)),
        // Leaves that name an entry that is not a batch entry.
        None if seq != i64::MAX => Some(broken(seq)),
        None => None,
    }
}

/// The leaves of the messages recorded in batch entries `first..=last`, made again from their
/// records and disclosure logs, in order of entry and leaf index.
struct LeafStream<'c> {
    rows: std::pin::Pin<
        Box<dyn futures_lite::Stream<Item = Result<LeafRow, sqlx::Error>> + Send + 'c>,
    >,
    /// The message being read: its entry, its index, its key and its leaf so far.
    current: Option<(i64, i32, (String, Uuid), MessageLeaf)>,
}

impl<'c> LeafStream<'c> {
    fn new(conn: &'c mut sqlx::PgConnection, first: i64, last: i64) -> Self {
        let rows = sqlx::query_as(
            "SELECT m.audit_seq, m.audit_leaf, m.sender, m.message_id, m.message_type,
                    m.body_sha256, m.outcome, m.reason,
                    d.recipient, d.delivered, d.gateway, d.categories, d.reason AS decision_reason,
                    d.removed_categories, d.basis
             FROM messages m
             LEFT JOIN decisions d ON d.sender = m.sender AND d.message_id = m.message_id
             WHERE m.audit_seq BETWEEN $1 AND $2
             ORDER BY m.audit_seq, m.audit_leaf, m.sender, m.message_id",
        )
        .bind(first)
        .bind(last)
        .fetch(conn);
        Self {
            rows,
            current: None,
        }
    }

    /// The next message's entry, leaf index and leaf hash.
    async fn next(&mut self) -> Result<Option<(i64, i32, merkle::Hash)>, sqlx::Error> {
        let done = |(seq, index, _, leaf): (i64, i32, (String, Uuid), MessageLeaf)| {
            (seq, index, leaf.hash())
        };
        loop {
            let Some(row) = self.rows.try_next().await? else {
                return Ok(self.current.take().map(done));
            };
            let (seq, index) = (row.audit_seq, row.audit_leaf);
            let key = (row.sender, row.message_id);
            let decision = match row.recipient {
                None => None,
                Some(recipient) => {
                    let d = row.decision;
                    let missing = || decode_err("a decision row without its columns");
                    Some(DecisionLeaf {
                        recipient,
                        delivered: d.delivered.ok_or_else(missing)?,
                        gateway: d.gateway,
                        categories: d.categories.ok_or_else(missing)?,
                        reason: d.decision_reason,
                        removed: d.removed_categories.ok_or_else(missing)?,
                        basis: d.basis.ok_or_else(missing)?,
                    })
                }
            };
            if let Some((s, i, k, leaf)) = &mut self.current
                && (*s, *i, &*k) == (seq, index, &key)
            {
                leaf.decisions.extend(decision);
                continue;
            }
            let leaf = MessageLeaf {
                sender: key.0.clone(),
                message_id: key.1.to_string(),
                message_type: row.message_type,
                body_sha256: row.body_sha256,
                outcome: row.outcome,
                reason: row.reason,
                decisions: decision.into_iter().collect(),
            };
            if let Some(finished) = self.current.replace((seq, index, key, leaf)) {
                return Ok(Some(done(finished)));
            }
        }
    }
}

/// A message's record and one of its decisions (none when it has none: a left join).
#[derive(sqlx::FromRow)]
struct LeafRow {
    audit_seq: i64,
    audit_leaf: i32,
    sender: String,
    message_id: Uuid,
    message_type: String,
    body_sha256: Vec<u8>,
    outcome: String,
    reason: Option<String>,
    recipient: Option<String>,
    #[sqlx(flatten)]
    decision: DecisionColumns,
}

/// A decision's columns other than its recipient, all absent when the message has none.
#[derive(sqlx::FromRow)]
struct DecisionColumns {
    delivered: Option<bool>,
    gateway: Option<String>,
    categories: Option<Vec<String>>,
    decision_reason: Option<String>,
    removed_categories: Option<Vec<String>>,
    basis: Option<Vec<String>>,
}

/// That one message is in the audit log: the path from its leaf to its batch entry's root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inclusion {
    /// The batch entry's sequence number.
    pub seq: i64,
    /// The message's leaf index in it.
    pub index: usize,
    /// How many messages the batch has.
    pub size: usize,
    /// The leaf's hash, made again from the message's record now.
    pub leaf: merkle::Hash,
    /// The sibling hashes from the leaf up.
    pub path: Vec<merkle::Hash>,
    /// The root stored in the entry.
    pub root: merkle::Hash,
    /// The entry's hash in the chain.
    pub entry_hash: merkle::Hash,
}

impl Inclusion {
    /// Whether the path leads from the leaf to the stored root.
    pub fn holds(&self) -> bool {
        merkle::verify_inclusion(&self.leaf, self.index, self.size, &self.path, &self.root)
    }
}

/// What `hub audit prove` finds for a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proof {
    /// The hub has no record of that message from that sender.
    Unknown,
    /// It was recorded before batch entries, in an entry of its own.
    OwnEntry,
    /// It is in a batch entry.
    InBatch(Inclusion),
    /// Its record names a batch entry that is missing or is not a batch entry.
    NoBatch {
        /// The sequence number its record names.
        seq: i64,
    },
}

impl Proof {
    /// What `hub audit prove` prints, and whether the message is proven to be in the log.
    pub fn report(&self, sender: &str, message_id: Uuid) -> (String, bool) {
        let message = format!("message {message_id} from {sender}");
        match self {
            Self::Unknown => (format!("the hub has no record of {message}"), false),
            Self::OwnEntry => (
                format!(
                    "{message} was recorded before batch entries: its entry of its own is checked by `hub audit verify`"
                ),
                true,
            ),
            Self::NoBatch { seq } => (
                format!(
                    "{message} names audit entry {seq}, which is not a batch entry that holds it: run `hub audit verify`"
                ),
                false,
            ),
            Self::InBatch(inclusion) => {
                let holds = inclusion.holds();
                let mut lines = vec![
                    format!(
                        "{message} is leaf {} of {} in audit entry {}",
                        inclusion.index, inclusion.size, inclusion.seq
                    ),
                    format!("leaf hash:  {}", hex::encode(inclusion.leaf)),
                ];
                lines.extend(
                    inclusion
                        .path
                        .iter()
                        .enumerate()
                        .map(|(level, hash)| format!("path {level:>2}:    {}", hex::encode(hash))),
                );
                lines.push(format!("tree hash:  {}", hex::encode(inclusion.root)));
                lines.push(format!("entry hash: {}", hex::encode(inclusion.entry_hash)));
                lines.push(if holds {
                    "the path leads from the message's record to the entry's tree hash (RFC 9162 inclusion proof)".to_owned()
                } else {
                    "the path does NOT lead to the entry's tree hash: the record was changed after it was audited; run `hub audit verify`".to_owned()
                });
                (lines.join("\n"), holds)
            }
        }
    }
}

/// The proof that message `message_id` from `sender` is in the audit log.
pub async fn prove(
    pool: &sqlx::PgPool,
    sender: &str,
    message_id: Uuid,
) -> Result<Proof, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let place: Option<(Option<i64>, Option<i32>)> = sqlx::query_as(
        "SELECT audit_seq, audit_leaf FROM messages WHERE sender = $1 AND message_id = $2",
    )
    .bind(sender)
    .bind(message_id)
    .fetch_optional(&mut *conn)
    .await?;
    let (seq, index) = match place {
        None => return Ok(Proof::Unknown),
        Some((Some(seq), Some(index))) => (seq, index),
        Some(_) => return Ok(Proof::OwnEntry),
    };
    let stored: Option<Row> =
        sqlx::query_as("SELECT seq, entry, prev_hash, hash FROM audit_log WHERE seq = $1")
            .bind(seq)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(stored) = stored else {
        return Ok(Proof::NoBatch { seq });
    };
    let Some(batch) = batch_roots(std::slice::from_ref(&stored)).pop() else {
        return Ok(Proof::NoBatch { seq });
    };
    let mut leaves = Vec::new();
    let mut stream = LeafStream::new(&mut conn, seq, seq);
    while let Some((_, _, hash)) = stream.next().await? {
        leaves.push(hash);
    }
    let index = usize::try_from(index).unwrap_or(usize::MAX);
    let root = hex::decode(&batch.root)
        .ok()
        .and_then(|r| r.try_into().ok())
        .unwrap_or_default();
    let Some(path) = merkle::inclusion_proof(&leaves, index) else {
        return Ok(Proof::NoBatch { seq });
    };
    Ok(Proof::InBatch(Inclusion {
        seq,
        index,
        size: usize::try_from(batch.messages).unwrap_or(usize::MAX),
        leaf: leaves[index],
        path,
        root,
        entry_hash: hash32(stored.3)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chain of `n` entries as the hub writes them.
    fn chain(n: i64) -> Vec<Row> {
        let mut previous = audit::GENESIS;
        (1..=n)
            .map(|seq| {
                let entry = serde_json::json!({"seq": seq, "at": "2026-01-01T00:00:00Z", "detail": {"kind": "test"}})
                    .to_string();
                let hash = audit::chain_hash(&previous, entry.as_bytes());
                let row = (seq, entry, previous.to_vec(), hash.to_vec());
                previous = hash;
                row
            })
            .collect()
    }

    fn link(row: &Row) -> Link {
        Link {
            seq: row.0,
            hash: row.3.clone().try_into().unwrap(),
        }
    }

    #[test]
    fn an_intact_chain_checks_whole_or_from_any_entry_found_intact() {
        let rows = chain(5);
        assert_eq!(check_rows(Link::GENESIS, &rows), Ok(link(&rows[4])));
        assert_eq!(check_rows(link(&rows[1]), &rows[2..]), Ok(link(&rows[4])));
        // Nothing new: the link stays where it was.
        assert_eq!(check_rows(link(&rows[4]), &[]), Ok(link(&rows[4])));
    }

    #[test]
    fn each_kind_of_tampering_is_found_at_its_entry() {
        let rows = chain(5);
        let broken_at = |rows: &[Row]| check_rows(Link::GENESIS, rows).map_err(|b| b.seq);

        let mut edited = rows.clone();
        edited[2].1 = edited[2].1.replace("test", "TEST");
        assert_eq!(broken_at(&edited), Err(3));

        let mut deleted = rows.clone();
        deleted.remove(1);
        assert_eq!(broken_at(&deleted), Err(3));

        // Entries 2 and 3 swapped and renumbered, their hashes recomputed in the new order.
        let mut moved = rows[..1].to_vec();
        let mut previous: [u8; 32] = rows[0].3.clone().try_into().unwrap();
        for (seq, original) in [(2, &rows[2]), (3, &rows[1])] {
            let hash = audit::chain_hash(&previous, original.1.as_bytes());
            moved.push((seq, original.1.clone(), previous.to_vec(), hash.to_vec()));
            previous = hash;
        }
        assert_eq!(broken_at(&moved), Err(2));

        let mut relinked = rows.clone();
        relinked[3].2 = audit::GENESIS.to_vec();
        assert_eq!(broken_at(&relinked), Err(4));
    }

    #[test]
    fn going_on_from_a_link_the_stored_chain_does_not_continue_is_a_break() {
        let rows = chain(3);
        let stale = Link {
            seq: 1,
            hash: [7; 32],
        };
        assert_eq!(
            check_rows(stale, &rows[1..]),
            Err(Broken {
                seq: 2,
                problem: "the previous-hash link does not match the entry before"
            })
        );
    }

    fn leaves(n: u8) -> Vec<(i32, merkle::Hash)> {
        (0..n)
            .map(|i| (i32::from(i), merkle::leaf_hash(&[i])))
            .collect()
    }

    fn batch(seq: i64, leaves: &[(i32, merkle::Hash)]) -> BatchRoot {
        let hashes: Vec<_> = leaves.iter().map(|l| l.1).collect();
        BatchRoot {
            seq,
            messages: leaves.len() as u64,
            root: hex::encode(merkle::root(&hashes)),
        }
    }

    #[test]
    fn a_batch_matches_only_its_own_leaves_in_their_order_and_number() {
        let got = leaves(5);
        let b = batch(7, &got);
        assert!(batch_matches(&b, &got));
        let mut edited = got.clone();
        edited[2].1[0] ^= 1;
        assert!(!batch_matches(&b, &edited), "an edited leaf");
        assert!(!batch_matches(&b, &got[..4]), "a removed leaf");
        let mut added = got.clone();
        added.push((5, merkle::leaf_hash(b"forged")));
        assert!(!batch_matches(&b, &added), "an added leaf");
        let mut twice = got.clone();
        twice[4].0 = 3;
        assert!(!batch_matches(&b, &twice), "two leaves at one index");
        let mut swapped = got.clone();
        swapped.swap(1, 2);
        assert!(!batch_matches(&b, &swapped), "leaves out of order");
    }

    #[test]
    fn settling_finds_a_batch_without_leaves_and_leaves_without_a_batch() {
        let (one, two) = (leaves(2), leaves(3));
        let batches = [batch(3, &one), batch(5, &two)];
        let at = |seq| {
            Some(Broken {
                seq,
                problem: BATCH_MISMATCH,
            })
        };
        // Both intact.
        let mut it = batches.iter().peekable();
        assert_eq!(settle(&mut it, 3, &one), None);
        assert_eq!(settle(&mut it, 5, &two), None);
        assert_eq!(settle(&mut it, i64::MAX, &[]), None);
        // The first batch's messages all deleted: found at the first batch.
        let mut it = batches.iter().peekable();
        assert_eq!(settle(&mut it, 5, &two), at(3));
        // Messages that name entry 4, which is not a batch.
        let mut it = batches.iter().peekable();
        assert_eq!(settle(&mut it, 3, &one), None);
        assert_eq!(settle(&mut it, 4, &one), at(4));
        // The last batch without messages.
        let mut it = batches.iter().peekable();
        assert_eq!(settle(&mut it, 3, &one), None);
        assert_eq!(settle(&mut it, i64::MAX, &[]), at(5));
    }
}
