//! The audit log's hash chain: each entry's hash covers the previous entry's hash and the
//! entry's own canonical bytes, so an edited, inserted or deleted row breaks the chain.
//!
//! The messages a batch routes share one entry: it carries the Merkle tree hash
//! ([`crate::merkle`]) of one leaf per message, and each leaf ([`MessageLeaf`]) is made
//! again from the message's record and its disclosure log, so an edit to either breaks the
//! batch's tree hash as an edit to an entry breaks the chain.

use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: [u8; 32] = [0; 32];

/// The hash of an entry, given the previous entry's hash and this entry's canonical bytes.
pub fn chain_hash(previous: &[u8; 32], entry: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(previous);
    hasher.update((entry.len() as u64).to_be_bytes());
    hasher.update(entry);
    hasher.finalize().into()
}

/// The first position at which a chain of `(stored hash, canonical bytes)` breaks.
pub fn first_break<'a>(
    entries: impl IntoIterator<Item = (&'a [u8; 32], &'a [u8])>,
    mut previous: [u8; 32],
) -> Option<usize> {
    for (index, (stored, bytes)) in entries.into_iter().enumerate() {
        let expected = chain_hash(&previous, bytes);
        if &expected != stored {
            return Some(index);
        }
        previous = expected;
    }
    None
}

/// SHA-256 of a message body, as stored beside the deduplication key.
pub fn body_hash(body: &[u8]) -> [u8; 32] {
    Sha256::digest(body).into()
}

/// What a message's leaf in its batch's tree commits to: its record and its disclosure log,
/// as the hub stores them (codes and ids, no personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)] // fields named for what they hold
pub struct MessageLeaf {
    /// Who sent it.
    pub sender: String,
    /// Its id, hyphenated.
    pub message_id: String,
    pub message_type: String,
    /// SHA-256 of its body.
    pub body_sha256: Vec<u8>,
    /// `routed` or `refused`.
    pub outcome: String,
    /// Why it was refused, when it was.
    pub reason: Option<String>,
    /// The decision on each recipient, in any order.
    pub decisions: Vec<DecisionLeaf>,
}

/// One recipient's decision, as the disclosure log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)] // fields named for what they hold
pub struct DecisionLeaf {
    pub recipient: String,
    /// Whether it was delivered.
    pub delivered: bool,
    /// The gateway that allowed it.
    pub gateway: Option<String>,
    /// The categories disclosed.
    pub categories: Vec<String>,
    /// Why it was refused, when it was.
    pub reason: Option<String>,
    /// The categories removed before delivery.
    pub removed: Vec<String>,
    /// Which gateway allowed which category.
    pub basis: Vec<String>,
}

impl MessageLeaf {
    /// The leaf's canonical bytes: every field length-prefixed, the decisions in order of
    /// recipient, so the same record always gives the same bytes and no two records give the
    /// same.
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = Canonical::default();
        out.text(&self.sender);
        out.text(&self.message_id);
        out.text(&self.message_type);
        out.bytes(&self.body_sha256);
        out.text(&self.outcome);
        out.option(self.reason.as_deref());
        let mut decisions: Vec<&DecisionLeaf> = self.decisions.iter().collect();
        decisions.sort_by(|a, b| a.recipient.cmp(&b.recipient));
        out.count(decisions.len());
        for d in decisions {
            out.text(&d.recipient);
            out.bytes(&[u8::from(d.delivered)]);
            out.option(d.gateway.as_deref());
            out.list(&d.categories);
            out.option(d.reason.as_deref());
            out.list(&d.removed);
            out.list(&d.basis);
        }
        out.0
    }

    /// The leaf's hash in its batch's tree.
    pub fn hash(&self) -> crate::merkle::Hash {
        crate::merkle::leaf_hash(&self.bytes())
    }
}

/// A length-prefixed encoding.
#[derive(Default)]
struct Canonical(Vec<u8>);

impl Canonical {
    fn count(&mut self, n: usize) {
        self.0.extend_from_slice(&(n as u64).to_be_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.count(b.len());
        self.0.extend_from_slice(b);
    }
    fn text(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    fn option(&mut self, s: Option<&str>) {
        match s {
            None => self.0.push(0),
            Some(s) => {
                self.0.push(1);
                self.text(s);
            }
        }
    }
    fn list(&mut self, items: &[String]) {
        self.count(items.len());
        for item in items {
            self.text(item);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf() -> MessageLeaf {
        let decision = |recipient: &str| DecisionLeaf {
            recipient: recipient.to_owned(),
            delivered: true,
            gateway: Some("consent".to_owned()),
            categories: vec!["identity".to_owned(), "release".to_owned()],
            reason: None,
            removed: vec![],
            basis: vec!["identity=consent".to_owned()],
        };
        MessageLeaf {
            sender: "se-kriminalvarden".to_owned(),
            message_id: "6f1c2b8e-0000-4000-8000-000000000001".to_owned(),
            message_type: "release_notice".to_owned(),
            body_sha256: vec![7; 32],
            outcome: "routed".to_owned(),
            reason: None,
            decisions: vec![decision("se-malmo"), decision("se-polisen")],
        }
    }

    #[test]
    fn a_leaf_does_not_depend_on_the_order_its_decisions_were_read_in() {
        let mut reversed = leaf();
        reversed.decisions.reverse();
        assert_eq!(leaf().hash(), reversed.hash());
    }

    #[test]
    fn any_change_to_the_record_or_a_decision_changes_the_leaf() {
        let changes: Vec<fn(&mut MessageLeaf)> = vec![
            |l| l.sender.push('x'),
            |l| l.message_type = "handover_request".to_owned(),
            |l| l.body_sha256[0] = 8,
            |l| l.outcome = "refused".to_owned(),
            |l| l.reason = Some("NO_CONSENT".to_owned()),
            |l| l.decisions[0].delivered = false,
            |l| l.decisions[1].recipient = "se-goteborg".to_owned(),
            |l| l.decisions[0].gateway = None,
            |l| {
                l.decisions[0].categories.pop();
            },
            |l| l.decisions[1].removed.push("risk".to_owned()),
            |l| l.decisions[1].basis.clear(),
            |l| {
                l.decisions.pop();
            },
        ];
        for (n, change) in changes.into_iter().enumerate() {
            let mut changed = leaf();
            change(&mut changed);
            assert_ne!(leaf().hash(), changed.hash(), "change {n} went unnoticed");
        }
    }

    #[test]
    fn moving_bytes_between_fields_changes_the_leaf() {
        let mut a = leaf();
        let mut b = leaf();
        a.decisions[0].categories = vec!["ab".to_owned(), "c".to_owned()];
        b.decisions[0].categories = vec!["a".to_owned(), "bc".to_owned()];
        assert_ne!(a.bytes(), b.bytes());
        a.reason = None;
        a.outcome = "routedx".to_owned();
        b.outcome = "routed".to_owned();
        b.reason = Some("x".to_owned());
        assert_ne!(a.bytes(), b.bytes());
    }

    fn chain(entries: &[&[u8]]) -> Vec<[u8; 32]> {
        let mut previous = GENESIS;
        entries
            .iter()
            .map(|e| {
                previous = chain_hash(&previous, e);
                previous
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies_and_any_change_breaks_it() {
        let entries: Vec<&[u8]> = vec![b"one", b"two", b"three"];
        let hashes = chain(&entries);
        let verify = |entries: &[&[u8]], hashes: &[[u8; 32]]| {
            first_break(hashes.iter().zip(entries.iter().copied()), GENESIS)
        };
        assert_eq!(verify(&entries, &hashes), None);
        // Edited content.
        assert_eq!(verify(&[b"one", b"TWO", b"three"], &hashes), Some(1));
        // A deleted middle entry.
        assert_eq!(
            verify(&[b"one", b"three"], &[hashes[0], hashes[2]]),
            Some(1)
        );
        // An inserted entry, even with a hash computed from its own content alone.
        let forged = chain_hash(&GENESIS, b"forged");
        assert_eq!(
            verify(
                &[b"one", b"forged", b"two"],
                &[hashes[0], forged, hashes[1]]
            ),
            Some(1)
        );
    }
}
