//! The audit log's hash chain: each entry's hash covers the previous entry's hash and the
//! entry's own canonical bytes, so an edited, inserted or deleted row breaks the chain.

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

#[cfg(test)]
mod tests {
    use super::*;

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
