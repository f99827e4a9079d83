//! What the national contact point may learn of a person: only a pseudonym of its own.
//!
//! Agencies know a person by the pseudonym in the envelope. The contact point gets a keyed
//! hash of that pseudonym under a key only the hub holds (`hub.contact_point_key`), so what it
//! sees cannot be joined with what agencies hold, and two of its own reports about the same
//! person still name the same pseudonym.

use hmac::{Hmac, Mac};
use schemas::Pseudonym;
use sha2::Sha256;

/// The contact point's pseudonym for the person agencies know as `subject`: the first 128 bits
/// of HMAC-SHA256 over `subject` with `key`, in hex, after `ps-`.
pub fn pseudonym(key: &str, subject: &Pseudonym) -> Pseudonym {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(subject.as_str().as_bytes());
    let digest = hex::encode(mac.finalize().into_bytes());
    Pseudonym::try_from(format!("ps-{}", &digest[..32])).expect("hex digits make a valid pseudonym")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_depend_on_the_key_and_the_subject_only() {
        let subject = Pseudonym::try_from("ps-7f3a9c2e11b4d805").unwrap();
        let other = Pseudonym::try_from("ps-0000000000000001").unwrap();
        let a = pseudonym("key-a", &subject);
        assert_ne!(a, pseudonym("key-b", &subject));
        assert_ne!(a, subject);
        assert_ne!(a, pseudonym("key-a", &other));
        assert_eq!(a, pseudonym("key-a", &subject));
        assert_eq!(a.as_str().len(), "ps-".len() + 32);
    }
}
