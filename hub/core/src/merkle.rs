//! A Merkle tree hash over a list of entries, and proofs that one entry is in it, as
//! Certificate Transparency defines them (RFC 6962, section 2.1; the verification of RFC
//! 9162, section 2.1.3.2).
//!
//! The audit log keeps one entry per batch of routed messages: the entry carries the tree
//! hash of the batch's messages ([`crate::audit::MessageLeaf`]), and `hub audit prove` shows
//! one message's path to it. A leaf is hashed as `SHA-256(0x00 || leaf)` and a node as
//! `SHA-256(0x01 || left || right)`, so no leaf can pass for a node. A tree of `n > 1` leaves splits at the largest
//! power of two below `n`.

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// The hash of one leaf's bytes.
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(leaf);
    h.finalize().into()
}

fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two below `n` (`n > 1`).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// The tree hash of the leaves whose hashes are `leaves`, in order; of no leaves, the
/// SHA-256 of nothing.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves {
        [] => Sha256::digest([]).into(),
        [one] => *one,
        _ => {
            let k = split(leaves.len());
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The path from leaf `index` to the root of `leaves`: the sibling hashes from the leaf up;
/// `None` when there is no such leaf.
pub fn inclusion_proof(leaves: &[Hash], index: usize) -> Option<Vec<Hash>> {
    if index >= leaves.len() {
        return None;
    }
    let mut path = Vec::new();
    let (mut lo, mut hi, mut at) = (0, leaves.len(), index);
    // From the root down, noting each sibling; then reversed, leaf upwards.
    while hi - lo > 1 {
        let k = split(hi - lo);
        if at < k {
            path.push(root(&leaves[lo + k..hi]));
            hi = lo + k;
        } else {
            path.push(root(&leaves[lo..lo + k]));
            lo += k;
            at -= k;
        }
    }
    path.reverse();
    Some(path)
}

/// Whether `proof` shows that the leaf hashed `leaf` is number `index` of a tree of `size`
/// leaves whose hash is `root`. A path does not bind the size by itself: whoever keeps a
/// root keeps the size with it.
pub fn verify_inclusion(
    leaf: &Hash,
    index: usize,
    size: usize,
    proof: &[Hash],
    root: &Hash,
) -> bool {
    if index >= size {
        return false;
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return false;
        }
        if fnode % 2 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode % 2 == 0 {
                while fnode % 2 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    snode == 0 && r == *root
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The leaves of Certificate Transparency's reference tests.
    fn reference_leaves() -> Vec<Vec<u8>> {
        vec![
            vec![],
            vec![0x00],
            vec![0x10],
            vec![0x20, 0x21],
            vec![0x30, 0x31],
            vec![0x40, 0x41, 0x42, 0x43],
            (0x50..0x58).collect(),
            (0x60..0x70).collect(),
        ]
    }

    fn hashes(leaves: &[Vec<u8>]) -> Vec<Hash> {
        leaves.iter().map(|l| leaf_hash(l)).collect()
    }

    #[test]
    fn the_roots_are_certificate_transparencys_reference_roots() {
        let expected = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        let leaves = hashes(&reference_leaves());
        for (n, want) in (1..=8).zip(expected) {
            assert_eq!(hex::encode(root(&leaves[..n])), want, "{n} leaves");
        }
        assert_eq!(
            hex::encode(root(&[])),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn every_leaf_of_every_tree_size_proves_its_inclusion_and_nothing_else_does() {
        let leaves: Vec<Hash> = (0u32..37).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        for size in 1..=leaves.len() {
            let tree = &leaves[..size];
            let r = root(tree);
            for (index, leaf) in tree.iter().enumerate() {
                let proof = inclusion_proof(tree, index).unwrap();
                assert!(
                    verify_inclusion(leaf, index, size, &proof, &r),
                    "{index} of {size}"
                );
                // Another leaf, another place, another size or a changed path: refused.
                let other = leaf_hash(b"not in the tree");
                assert!(!verify_inclusion(&other, index, size, &proof, &r));
                if size > 1 {
                    let elsewhere = (index + 1) % size;
                    assert!(!verify_inclusion(leaf, elsewhere, size, &proof, &r));
                    let mut bent = proof.clone();
                    bent[0][0] ^= 1;
                    assert!(!verify_inclusion(leaf, index, size, &bent, &r));
                }
                // The root of the tree one leaf longer is another root. (The size itself is
                // not bound by a path: an audit entry records it beside the root.)
                if size < leaves.len() {
                    let longer = root(&leaves[..=size]);
                    assert!(!verify_inclusion(leaf, index, size + 1, &proof, &longer));
                }
            }
            assert_eq!(inclusion_proof(tree, size), None);
        }
    }

    #[test]
    fn a_leaf_cannot_pass_for_a_node() {
        let leaves = hashes(&reference_leaves()[..2]);
        let mut both = leaves[0].to_vec();
        both.extend_from_slice(&leaves[1]);
        assert_ne!(leaf_hash(&both), root(&leaves));
    }
}
