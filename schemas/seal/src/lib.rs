//! Sealed fields: a relocated person's new address and destination are encrypted by the
//! sending agent to each entitled recipient's published key, so the hub (which routes on the
//! envelope) never sees them in clear.
//!
//! The scheme is HPKE (RFC 9180) in base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
//! ChaCha20-Poly1305 ([`schemas::messages::SEALING_SCHEME`]), from the `hpke` crate: a
//! standard, reviewed construction, not one of ours. Each copy's associated data binds it to
//! its message id, its field, its recipient and the key id, so a copy cannot be moved into
//! another message, field or recipient's hands without failing to open.
//!
//! Key ids are derived from the public key (`k-` and the first 16 bytes of its SHA-256 in
//! hex): the hub checks the derivation when a key is published, and a recipient finds the
//! private key a copy was sealed to by its id, so rotated-out keys keep opening old copies.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
use schemas::messages::{SEALING_SCHEME, Sealed, SealedCopy};
use schemas::{AgencyId, ids::ShortText};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use zeroize::Zeroizing;

type Kem = X25519HkdfSha256;

/// The HPKE `info`: this application and version.
const INFO: &[u8] = b"handover-hub sealed field v1";

/// A sealing operation failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    /// A recipient's published key is not a valid X25519 public key.
    #[error("the published key {key_id} of {agency} is not a valid key")]
    BadKey {
        /// Whose key.
        agency: String,
        /// Which key.
        key_id: String,
    },
    /// There is nobody to seal to.
    #[error("no recipient to seal to")]
    NoRecipient,
}

/// Opening a sealed field failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpenError {
    /// The field has no copy for this agency.
    #[error("the field is not sealed for this agency")]
    NotForUs,
    /// The copy was sealed to a key this agency does not hold.
    #[error("the copy was sealed to key {0}, which this agency does not hold")]
    KeyNotHeld(String),
    /// The scheme is not one this agent speaks.
    #[error("unknown sealing scheme")]
    UnknownScheme,
    /// The copy does not open: damaged, moved from another message, or not sealed to this key.
    #[error("the sealed copy does not open with this agency's key")]
    DoesNotOpen,
}

/// A published key failed its checks.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    /// Not the scheme of version 1.
    #[error("unknown sealing scheme")]
    UnknownScheme,
    /// Not base64 of a 32-byte X25519 public key.
    #[error("public_key is not a base64 X25519 public key")]
    Malformed,
    /// The id is not derived from the key.
    #[error("key_id is not derived from public_key (expected {0})")]
    IdMismatch(String),
}

/// A fresh key pair of an agency: the public half is published, the private half never
/// leaves the agency.
pub struct KeyPair {
    /// The key id derived from the public key.
    pub key_id: String,
    /// The public key, base64.
    pub public_key: String,
    /// The private key bytes.
    pub private_key: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("key_id", &self.key_id)
            .field("private_key", &"***")
            .finish()
    }
}

/// Generates a key pair from the operating system's random source.
pub fn generate() -> KeyPair {
    let (private, public) = Kem::gen_keypair();
    let public = public.to_bytes();
    KeyPair {
        key_id: key_id(&public),
        public_key: B64.encode(public),
        private_key: Zeroizing::new(private.to_bytes().to_vec()),
    }
}

/// The id of a public key: `k-` and the first 16 bytes of its SHA-256, in hex.
pub fn key_id(public_key: &[u8]) -> String {
    let digest = Sha256::digest(public_key);
    format!("k-{}", hex::encode(&digest[..16]))
}

/// Checks a published key: the scheme, the key's form, and that the id is derived from it.
pub fn check_published(key_id_given: &str, scheme: &str, public_key: &str) -> Result<(), KeyError> {
    if scheme != SEALING_SCHEME {
        return Err(KeyError::UnknownScheme);
    }
    let bytes = B64.decode(public_key).map_err(|_| KeyError::Malformed)?;
    <Kem as hpke::Kem>::PublicKey::from_bytes(&bytes).map_err(|_| KeyError::Malformed)?;
    let expected = key_id(&bytes);
    if key_id_given != expected {
        return Err(KeyError::IdMismatch(expected));
    }
    Ok(())
}

/// One recipient's published key to seal to.
#[derive(Debug, Clone, Copy)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Recipient<'a> {
    pub agency: &'a AgencyId,
    /// Its current key's id.
    pub key_id: &'a str,
    /// Its current public key, base64.
    pub public_key: &'a str,
}

/// The associated data of one copy: what it is bound to.
fn aad(message_id: Uuid, field: &str, recipient: &AgencyId, key_id: &str) -> Vec<u8> {
    [
        INFO,
        message_id.as_bytes().as_slice(),
        field.as_bytes(),
        recipient.as_str().as_bytes(),
        key_id.as_bytes(),
    ]
    .join(&0u8)
}

/// Seals `plaintext` as `field` of message `message_id`, one copy per recipient.
pub fn seal(
    message_id: Uuid,
    field: &str,
    plaintext: &[u8],
    recipients: &[Recipient<'_>],
) -> Result<Sealed, SealError> {
    if recipients.is_empty() {
        return Err(SealError::NoRecipient);
    }
    let copies = recipients
        .iter()
        .map(|r| {
            let bad = || SealError::BadKey {
                agency: r.agency.to_string(),
                key_id: r.key_id.to_owned(),
            };
            let bytes = B64.decode(r.public_key).map_err(|_| bad())?;
            let public = <Kem as hpke::Kem>::PublicKey::from_bytes(&bytes).map_err(|_| bad())?;
            let (enc, ciphertext) = hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, Kem>(
                &OpModeS::Base,
                &public,
                INFO,
                plaintext,
                &aad(message_id, field, r.agency, r.key_id),
            )
            .map_err(|_| bad())?;
            Ok(SealedCopy {
                recipient: r.agency.clone(),
                key_id: short(r.key_id),
                enc: B64.encode(enc.to_bytes()),
                ciphertext: B64.encode(ciphertext),
            })
        })
        .collect::<Result<Vec<_>, SealError>>()?;
    Ok(Sealed {
        scheme: short(SEALING_SCHEME),
        copies,
    })
}

fn short(s: &str) -> ShortText {
    ShortText::try_from(s.to_owned()).expect("key ids and the scheme name are short texts")
}

/// Opens the copy of `sealed` addressed to `me`, with the private key `private_key` returns
/// for the copy's key id (`None`: not held).
pub fn open(
    message_id: Uuid,
    field: &str,
    me: &AgencyId,
    sealed: &Sealed,
    private_key: impl Fn(&str) -> Option<Zeroizing<Vec<u8>>>,
) -> Result<Zeroizing<Vec<u8>>, OpenError> {
    if sealed.scheme.as_str() != SEALING_SCHEME {
        return Err(OpenError::UnknownScheme);
    }
    let copy = sealed
        .copies
        .iter()
        .find(|c| &c.recipient == me)
        .ok_or(OpenError::NotForUs)?;
    let key_id = copy.key_id.as_str();
    let private = private_key(key_id).ok_or_else(|| OpenError::KeyNotHeld(key_id.to_owned()))?;
    let private =
        <Kem as hpke::Kem>::PrivateKey::from_bytes(&private).map_err(|_| OpenError::DoesNotOpen)?;
    let enc = B64
        .decode(&copy.enc)
        .ok()
        .and_then(|b| <Kem as hpke::Kem>::EncappedKey::from_bytes(&b).ok())
        .ok_or(OpenError::DoesNotOpen)?;
    let ciphertext = B64
        .decode(&copy.ciphertext)
        .map_err(|_| OpenError::DoesNotOpen)?;
    hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, Kem>(
        &OpModeR::Base,
        &private,
        &enc,
        INFO,
        &ciphertext,
        &aad(message_id, field, me, key_id),
    )
    .map(Zeroizing::new)
    .map_err(|_| OpenError::DoesNotOpen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agency(s: &str) -> AgencyId {
        AgencyId::try_from(s).unwrap()
    }

    struct Holder {
        id: AgencyId,
        keys: Vec<KeyPair>,
    }

    impl Holder {
        fn new(id: &str) -> Self {
            Holder {
                id: agency(id),
                keys: vec![generate()],
            }
        }
        fn current(&self) -> Recipient<'_> {
            let k = self.keys.last().unwrap();
            Recipient {
                agency: &self.id,
                key_id: &k.key_id,
                public_key: &k.public_key,
            }
        }
        fn open(
            &self,
            message_id: Uuid,
            field: &str,
            sealed: &Sealed,
        ) -> Result<Vec<u8>, OpenError> {
            open(message_id, field, &self.id, sealed, |id| {
                self.keys
                    .iter()
                    .find(|k| k.key_id == id)
                    .map(|k| k.private_key.clone())
            })
            .map(|p| p.to_vec())
        }
    }

    const ADDRESS: &[u8] =
        br#"{"address":"Kongens gate 14B","postal_code":"7011","city":"Trondheim"}"#;

    #[test]
    fn each_recipient_opens_its_own_copy_and_nobody_else_opens_anything() {
        let (trd, police, oslo) = (
            Holder::new("no-trondheim-kommune"),
            Holder::new("no-politiet-beskyttelse"),
            Holder::new("no-oslo-kommune"),
        );
        let id = Uuid::now_v7();
        let sealed = seal(
            id,
            "sealed_destination",
            ADDRESS,
            &[trd.current(), police.current()],
        )
        .unwrap();
        assert_eq!(sealed.copies.len(), 2);
        assert_eq!(
            trd.open(id, "sealed_destination", &sealed).unwrap(),
            ADDRESS
        );
        assert_eq!(
            police.open(id, "sealed_destination", &sealed).unwrap(),
            ADDRESS
        );
        assert_eq!(
            oslo.open(id, "sealed_destination", &sealed),
            Err(OpenError::NotForUs)
        );
        // Oslo relabels Trondheim's copy as its own: its key does not open it.
        let mut stolen = sealed.for_recipient(&trd.id);
        stolen.copies[0].recipient = oslo.id.clone();
        stolen.copies[0].key_id = short(&oslo.keys[0].key_id);
        assert_eq!(
            oslo.open(id, "sealed_destination", &stolen),
            Err(OpenError::DoesNotOpen)
        );
        let json = serde_json::to_string(&sealed).unwrap();
        assert!(!json.contains("Kongens"), "ciphertext only");
    }

    #[test]
    fn a_copy_is_bound_to_its_message_field_and_recipient() {
        let trd = Holder::new("no-trondheim-kommune");
        let id = Uuid::now_v7();
        let sealed = seal(id, "sealed_destination", ADDRESS, &[trd.current()]).unwrap();
        assert_eq!(
            trd.open(Uuid::now_v7(), "sealed_destination", &sealed),
            Err(OpenError::DoesNotOpen),
            "moved into another message"
        );
        assert_eq!(
            trd.open(id, "sealed_address", &sealed),
            Err(OpenError::DoesNotOpen)
        );
        let mut tampered = sealed.clone();
        let mut bytes = B64.decode(&tampered.copies[0].ciphertext).unwrap();
        bytes[0] ^= 1;
        tampered.copies[0].ciphertext = B64.encode(bytes);
        assert_eq!(
            trd.open(id, "sealed_destination", &tampered),
            Err(OpenError::DoesNotOpen)
        );
    }

    #[test]
    fn after_rotation_old_copies_open_with_the_old_key_and_new_ones_with_the_new() {
        let mut police = Holder::new("no-politiet-beskyttelse");
        let id_old = Uuid::now_v7();
        let old = seal(id_old, "sealed_address", ADDRESS, &[police.current()]).unwrap();
        police.keys.push(generate());
        let id_new = Uuid::now_v7();
        let new = seal(id_new, "sealed_address", ADDRESS, &[police.current()]).unwrap();
        assert_ne!(old.copies[0].key_id, new.copies[0].key_id);
        assert_eq!(
            police.open(id_old, "sealed_address", &old).unwrap(),
            ADDRESS
        );
        assert_eq!(
            police.open(id_new, "sealed_address", &new).unwrap(),
            ADDRESS
        );
        // Without the old private key, the old copy is lost to its holder: keep rotated keys.
        police.keys.remove(0);
        assert!(matches!(
            police.open(id_old, "sealed_address", &old),
            Err(OpenError::KeyNotHeld(_))
        ));
    }

    #[test]
    fn published_keys_are_checked() {
        let k = generate();
        assert_eq!(
            check_published(&k.key_id, SEALING_SCHEME, &k.public_key),
            Ok(())
        );
        assert!(matches!(
            check_published("k-00", SEALING_SCHEME, &k.public_key),
            Err(KeyError::IdMismatch(_))
        ));
        assert_eq!(
            check_published(&k.key_id, "RSA-1024", &k.public_key),
            Err(KeyError::UnknownScheme)
        );
        assert_eq!(
            check_published(&k.key_id, SEALING_SCHEME, "bm90IGEga2V5"),
            Err(KeyError::Malformed)
        );
        assert!(k.key_id.starts_with("k-") && k.key_id.len() == 34);
        assert!(!format!("{k:?}").contains(&B64.encode(&*k.private_key)));
    }

    #[test]
    fn sealing_to_nobody_or_to_a_bad_key_fails() {
        let id = Uuid::now_v7();
        assert_eq!(seal(id, "f", ADDRESS, &[]), Err(SealError::NoRecipient));
        let a = agency("no-oslo-kommune");
        let bad = Recipient {
            agency: &a,
            key_id: "k-x",
            public_key: "AAAA",
        };
        assert!(matches!(
            seal(id, "f", ADDRESS, &[bad]),
            Err(SealError::BadKey { .. })
        ));
    }
}
