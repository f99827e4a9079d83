//! Sealed fields on the agent's side.
//!
//! Sealing: a draft may carry, in its type's sealed field, the plaintext location to seal as
//! `{"seal": {"address": ..., "postal_code": ..., "city": ..., "notes": ...}}`. [`crate::submit`]
//! takes it out ([`take_plaintext`]) before anything else reads the draft, and once the
//! message id is known seals it ([`seal_into`]) to the current key of every recipient that
//! may hold a protected location ([`choose_recipients`], by the role and allow-listing the key
//! directory gives). Only the sealed copies are stored and sent.
//!
//! Opening: when a caseworker reads a message, [`open`] opens this agency's copy with its
//! private key (current or rotated out) and gives a [`SealedView`]: the location, or why it
//! cannot be read. The plaintext is never stored, logged or put in an error.

use schemas::messages::{
    DirectoryKey, SEALING_SCHEME, Sealed, SealedLocation, may_hold_protected_location, sealed_field,
};
use schemas::{AgencyId, AgencyRole, Body, Message, MessageType};
use seal::OpenError;
use serde_json::Value;
use zeroize::Zeroizing;

use crate::SubmitError;
use crate::http::words::{t, t_with};
use crate::store::{Store, StoreError};

/// The key of the object that asks the agent to seal a field: `{"seal": {...}}`.
pub const SEAL: &str = "seal";

/// A plaintext location taken out of a draft, waiting to be sealed.
pub struct Plaintext {
    field: &'static str,
    bytes: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for Plaintext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plaintext")
            .field("field", &self.field)
            .field("bytes", &"***")
            .finish()
    }
}

/// Takes the plaintext to seal out of a draft, when its sealed field holds `{"seal": {...}}`,
/// and leaves a placeholder copy (addressed to `agent`) so the rest of the draft decodes as
/// usual. A sealed field that holds anything else is left for decoding to judge.
pub fn take_plaintext(
    draft: &mut Value,
    agent: &AgencyId,
) -> Result<Option<Plaintext>, SubmitError> {
    let Some(field) = draft
        .pointer("/envelope/message_type")
        .and_then(Value::as_str)
        .and_then(MessageType::from_name)
        .and_then(sealed_field)
    else {
        return Ok(None);
    };
    let Some(slot) = draft.get_mut("body").and_then(|b| b.get_mut(field)) else {
        return Ok(None);
    };
    let Some(object) = slot.as_object_mut() else {
        return Ok(None);
    };
    let Some(plain) = object.remove(SEAL) else {
        return Ok(None);
    };
    if !object.is_empty() {
        return Err(SubmitError::SealedLocation {
            path: format!("body.{field}"),
            detail: format!(
                "either {{\"{SEAL}\": {{...}}}} for the agent to seal, or a sealed field \
                 (scheme and copies), not both"
            ),
        });
    }
    let location: SealedLocation = serde_path_to_error::deserialize(plain).map_err(|e| {
        let path = match e.path().to_string().as_str() {
            "." => format!("body.{field}.{SEAL}"),
            inner => format!("body.{field}.{SEAL}.{inner}"),
        };
        SubmitError::SealedLocation {
            path,
            detail: schemas::without_value(&e.into_inner().to_string()),
        }
    })?;
    let bytes = Zeroizing::new(serde_json::to_vec(&location).expect("a location serializes"));
    *slot = serde_json::json!({
        "scheme": SEALING_SCHEME,
        "copies": [{"recipient": agent, "key_id": "k-placeholder", "enc": "", "ciphertext": ""}],
    });
    Ok(Some(Plaintext { field, bytes }))
}

/// The recipients of a `message_type` message that get a copy of its sealed field, each with
/// its current key from `directory`: those that [`may_hold_protected_location`] by the role
/// and allow-listing the directory gives. Pure.
///
/// An entitled recipient with no current key: [`SubmitError::NoKey`]. A recipient absent from
/// the directory has published no key and its role is not known: where a role alone can
/// entitle (a municipality receiving a relocation request), that is [`SubmitError::NoKey`]
/// too; where only the hub's allow-list does (a confirmed relocation's address), it is not
/// known to be entitled and gets no copy (should it be allow-listed after all, the hub refuses
/// the message for the missing copy; nothing is disclosed). When nobody gets a copy:
/// [`SubmitError::NoKey`] if a recipient was absent, else [`SubmitError::NobodyEntitled`].
pub fn choose_recipients<'d>(
    message_type: MessageType,
    recipients: &[AgencyId],
    directory: &'d [DirectoryKey],
) -> Result<Vec<&'d DirectoryKey>, SubmitError> {
    let role_alone_entitles = ROLES
        .iter()
        .any(|role| may_hold_protected_location(message_type, *role, false));
    let mut chosen = Vec::new();
    let mut absent = None;
    for recipient in recipients {
        let no_key = || SubmitError::NoKey {
            agency: recipient.to_string(),
        };
        let entries: Vec<&DirectoryKey> = directory
            .iter()
            .filter(|k| &k.agency == recipient)
            .collect();
        let current = entries
            .iter()
            .filter(|k| k.current)
            .max_by_key(|k| k.published_at)
            .copied();
        let Some(about) = current.or(entries.first().copied()) else {
            if role_alone_entitles {
                return Err(no_key());
            }
            absent = absent.or(Some(recipient));
            continue;
        };
        if !may_hold_protected_location(message_type, about.role, about.protected_location) {
            continue;
        }
        let key = current.ok_or_else(no_key)?;
        seal::check_published(key.key_id.as_str(), key.scheme.as_str(), &key.public_key).map_err(
            |_| SubmitError::BadKey {
                agency: recipient.to_string(),
                key_id: key.key_id.to_string(),
            },
        )?;
        chosen.push(key);
    }
    match (chosen.is_empty(), absent) {
        (false, _) => Ok(chosen),
        (true, Some(agency)) => Err(SubmitError::NoKey {
            agency: agency.to_string(),
        }),
        (true, None) => Err(SubmitError::NobodyEntitled {
            message_type,
            field: sealed_field(message_type).unwrap_or("sealed field"),
        }),
    }
}

/// Every agency role, to ask whether a role alone can entitle a recipient.
const ROLES: [AgencyRole; 5] = [
    AgencyRole::Municipality,
    AgencyRole::Police,
    AgencyRole::PrisonProbation,
    AgencyRole::Employment,
    AgencyRole::NationalContactPoint,
];

/// `message` with its sealed field sealed from `plaintext` to the entitled recipients' current
/// keys in `directory`, bound to the message's id and the field's name.
pub fn seal_into(
    message: &Message,
    plaintext: &Plaintext,
    directory: &[DirectoryKey],
) -> Result<Message, SubmitError> {
    let e = &message.envelope;
    let chosen = choose_recipients(e.message_type, &e.recipients, directory)?;
    let recipients: Vec<seal::Recipient<'_>> = chosen
        .iter()
        .map(|k| seal::Recipient {
            agency: &k.agency,
            key_id: k.key_id.as_str(),
            public_key: &k.public_key,
        })
        .collect();
    let sealed = seal::seal(
        e.message_id.as_uuid(),
        plaintext.field,
        &plaintext.bytes,
        &recipients,
    )
    .map_err(|err| match err {
        seal::SealError::BadKey { agency, key_id } => SubmitError::BadKey { agency, key_id },
        seal::SealError::NoRecipient => SubmitError::NobodyEntitled {
            message_type: e.message_type,
            field: plaintext.field,
        },
    })?;
    let mut value = serde_json::to_value(message).expect("a message serializes");
    value["body"][plaintext.field] = serde_json::to_value(&sealed).expect("a sealed serializes");
    let bytes = serde_json::to_vec(&value).expect("a JSON value serializes");
    Ok(schemas::decode(&bytes)?)
}

/// A sealed field as this agency sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedView {
    /// The field, e.g. `sealed_destination`.
    pub field: &'static str,
    /// What it says, or why it cannot be read.
    pub state: SealedState,
}

/// Whether a sealed field could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SealedState {
    /// Opened with this agency's key. Show it; never store or log it.
    Readable(SealedLocation),
    /// Why it cannot be read, in a plain sentence.
    Unreadable(String),
}

impl SealedView {
    /// The location, when it was opened.
    pub fn location(&self) -> Option<&SealedLocation> {
        match &self.state {
            SealedState::Readable(location) => Some(location),
            SealedState::Unreadable(_) => None,
        }
    }

    /// Why it cannot be read, when it cannot.
    pub fn reason(&self) -> Option<&str> {
        match &self.state {
            SealedState::Readable(_) => None,
            SealedState::Unreadable(reason) => Some(reason),
        }
    }
}

/// The sealed field of a message, if its type has one: (field, the sealed value if present).
fn sealed_of(message: &Message) -> Option<(&'static str, Option<&Sealed>)> {
    let field = sealed_field(message.envelope.message_type)?;
    match &message.body {
        Body::RelocationRequest(b) => Some((field, Some(&b.sealed_destination))),
        Body::RelocationConfirmed(b) => Some((field, b.sealed_address.as_ref())),
        _ => None,
    }
}

/// Opens this agency's copy of `message`'s sealed field, for display only; `None` when its
/// type has no sealed field. Looks up the private key the copy was sealed to (current or
/// rotated out), and the agency's own entry in the key directory to say why an optional
/// sealed field is missing.
pub async fn open(
    store: &Store,
    me: &AgencyId,
    message: &Message,
) -> Result<Option<SealedView>, StoreError> {
    let Some((_, sealed)) = sealed_of(message) else {
        return Ok(None);
    };
    let key_id = sealed.and_then(|s| {
        s.copies
            .iter()
            .find(|c| &c.recipient == me)
            .map(|c| c.key_id.to_string())
    });
    let private = match &key_id {
        Some(id) => store.private_key(id).await?,
        None => None,
    };
    let entitled = if sealed.is_none() {
        let directory = store.directory_keys().await?;
        directory.iter().find(|k| &k.agency == me).map(|k| {
            may_hold_protected_location(message.envelope.message_type, k.role, k.protected_location)
        })
    } else {
        None
    };
    Ok(view(
        me,
        message,
        |id| {
            (key_id.as_deref() == Some(id))
                .then(|| private.clone())
                .flatten()
        },
        entitled,
    ))
}

/// [`open`] without I/O: `private_key` gives a private key by id, `entitled` whether this
/// agency may hold the field (when known).
pub fn view(
    me: &AgencyId,
    message: &Message,
    private_key: impl Fn(&str) -> Option<Zeroizing<Vec<u8>>>,
    entitled: Option<bool>,
) -> Option<SealedView> {
    let (field, sealed) = sealed_of(message)?;
    let unreadable = |reason: String| {
        Some(SealedView {
            field,
            state: SealedState::Unreadable(reason),
        })
    };
    let Some(sealed) = sealed else {
        return unreadable(match entitled {
            Some(false) => t("sealed-why-removed"),
            Some(true) => t("sealed-why-none-sent"),
            None => t("sealed-why-none-came"),
        });
    };
    let opened = seal::open(
        message.envelope.message_id.as_uuid(),
        field,
        me,
        sealed,
        private_key,
    );
    let reason = match opened {
        Ok(plain) => {
            return match serde_json::from_slice::<SealedLocation>(&plain) {
                Ok(location) => Some(SealedView {
                    field,
                    state: SealedState::Readable(location),
                }),
                Err(_) => unreadable(t("sealed-why-not-a-location")),
            };
        }
        Err(OpenError::NotForUs) => {
            let others: Vec<String> = sealed
                .copies
                .iter()
                .map(|c| crate::present::agency_name(c.recipient.as_str()))
                .collect();
            if others.is_empty() {
                t("sealed-why-for-others")
            } else {
                t_with(
                    "sealed-why-for",
                    &[("whom", crate::present::join_words(&others))],
                )
            }
        }
        Err(e) => unopened(&e, sealed.scheme.as_str()),
    };
    unreadable(reason)
}

/// Why a copy meant for this agency did not open, in words (shared by sealed locations and
/// sealed identities).
pub(crate) fn unopened(e: &OpenError, scheme: &str) -> String {
    match e {
        OpenError::KeyNotHeld(key_id) => {
            t_with("sealed-why-key-gone", &[("key", key_id.to_string())])
        }
        OpenError::UnknownScheme => t_with("sealed-why-scheme", &[("scheme", scheme.to_owned())]),
        OpenError::DoesNotOpen | OpenError::NotForUs => t("sealed-why-damaged"),
    }
}

#[cfg(test)]
mod tests {
    use schemas::AgencyRole::{Employment, Municipality, Police};
    use schemas::messages::KeyDirectory;
    use seal::KeyPair;
    use serde_json::json;

    use super::*;
    use crate::store::Accepted;
    use crate::testing::{
        SECRET_WORDS, TempStore, agency, at, entry, location, relocation_confirmed,
        relocation_request,
    };

    const OSLO: &str = "no-oslo-kommune";
    const TRONDHEIM: &str = "no-trondheim-kommune";
    const POLICE: &str = "no-politiet-beskyttelse";
    const NAV: &str = "no-nav";

    fn the_location() -> SealedLocation {
        serde_json::from_value(location()).unwrap()
    }

    /// Key pairs for the other agencies and a directory listing them (plus a retired key of
    /// Trondheim's, which must never be sealed to).
    struct World {
        trondheim: KeyPair,
        police: KeyPair,
        nav: KeyPair,
        retired: KeyPair,
    }

    impl World {
        fn new() -> Self {
            World {
                trondheim: seal::generate(),
                police: seal::generate(),
                nav: seal::generate(),
                retired: seal::generate(),
            }
        }

        fn directory(&self, version: u64) -> KeyDirectory {
            let e = |a, role, k: &KeyPair, current, protected| {
                entry(a, role, &k.key_id, &k.public_key, current, protected)
            };
            KeyDirectory {
                follows: None,
                version,
                keys: vec![
                    e(TRONDHEIM, Municipality, &self.retired, false, false),
                    e(TRONDHEIM, Municipality, &self.trondheim, true, false),
                    e(POLICE, Police, &self.police, true, true),
                    e(NAV, Employment, &self.nav, true, false),
                ],
            }
        }

        fn open(&self, who: &str, message: &Message) -> SealedView {
            let key = match who {
                TRONDHEIM => &self.trondheim,
                POLICE => &self.police,
                _ => &self.nav,
            };
            view(
                &agency(who),
                message,
                |id| (id == key.key_id).then(|| key.private_key.clone()),
                None,
            )
            .unwrap()
        }
    }

    async fn sender_with(world: &World) -> TempStore {
        let t = TempStore::new().await;
        t.store
            .save_directory(&world.directory(1), at(0))
            .await
            .unwrap();
        t
    }

    fn copies(message: &Message) -> Vec<(String, String)> {
        let (_, Some(sealed)) = sealed_of(message).unwrap() else {
            panic!("no sealed field")
        };
        sealed
            .copies
            .iter()
            .map(|c| (c.recipient.to_string(), c.key_id.to_string()))
            .collect()
    }

    async fn submit(t: &TempStore, from: &str, draft: &Value) -> Result<Message, SubmitError> {
        let bytes = serde_json::to_vec(draft).unwrap();
        crate::submit(&t.store, &agency(from), &bytes)
            .await
            .map(|(m, accepted)| {
                assert_eq!(accepted, Accepted::New);
                m
            })
    }

    #[tokio::test]
    async fn submit_seals_to_exactly_the_entitled_recipients_and_stores_no_plaintext() {
        let w = World::new();
        let t = sender_with(&w).await;
        let draft = relocation_request(&[TRONDHEIM, POLICE, NAV], json!({"seal": location()}));
        let message = submit(&t, OSLO, &draft).await.unwrap();

        // The destination municipality by role, the police unit by the hub's allow-list; not
        // the employment service. Each to its current key.
        assert_eq!(
            copies(&message),
            [
                (TRONDHEIM.to_owned(), w.trondheim.key_id.clone()),
                (POLICE.to_owned(), w.police.key_id.clone()),
            ]
        );
        assert_eq!(
            w.open(TRONDHEIM, &message).location(),
            Some(&the_location())
        );
        assert_eq!(w.open(POLICE, &message).location(), Some(&the_location()));
        assert_eq!(
            w.open(NAV, &message).reason(),
            Some(
                "Sealed for no-trondheim-kommune and no-politiet-beskyttelse; your agency cannot read it."
            )
        );

        let stored = t
            .store
            .sent(&message.envelope.message_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.payload, message.to_json());
        let text = String::from_utf8(stored.payload).unwrap();
        for word in SECRET_WORDS {
            assert!(!text.contains(word), "{word} is stored in clear");
        }
        assert!(!text.contains("\"seal\""));
        assert!(!text.contains("k-placeholder"));
    }

    #[tokio::test]
    async fn an_optional_sealed_address_goes_to_the_allow_listed_police_only() {
        let w = World::new();
        let t = sender_with(&w).await;
        let draft = relocation_confirmed(&[OSLO, POLICE], Some(json!({"seal": location()})));
        let mut directory = w.directory(2);
        let oslo = seal::generate();
        directory.keys.push(entry(
            OSLO,
            Municipality,
            &oslo.key_id,
            &oslo.public_key,
            true,
            false,
        ));
        t.store.save_directory(&directory, at(1)).await.unwrap();
        let message = submit(&t, TRONDHEIM, &draft).await.unwrap();
        assert_eq!(
            copies(&message),
            [(POLICE.to_owned(), w.police.key_id.clone())]
        );
        assert_eq!(w.open(POLICE, &message).field, "sealed_address");
        assert_eq!(w.open(POLICE, &message).location(), Some(&the_location()));

        let nobody = relocation_confirmed(&[OSLO, NAV], Some(json!({"seal": location()})));
        assert!(matches!(
            submit(&t, TRONDHEIM, &nobody).await,
            Err(SubmitError::NobodyEntitled {
                message_type: MessageType::RelocationConfirmed,
                field: "sealed_address"
            })
        ));
    }

    #[tokio::test]
    async fn recipients_without_a_published_key() {
        let w = World::new();
        let empty = TempStore::new().await;
        let draft = relocation_request(&[TRONDHEIM], json!({"seal": location()}));
        let err = submit(&empty, OSLO, &draft).await.unwrap_err();
        assert!(
            matches!(&err, SubmitError::NoKey { agency } if agency == TRONDHEIM),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "no published sealing key for no-trondheim-kommune yet; the key directory arrives \
             from the hub once agents have started"
        );

        // A relocation request: any municipality is entitled by its role, so an agency absent
        // from the directory may be entitled and needs a key.
        let t = sender_with(&w).await;
        let draft = relocation_request(
            &[TRONDHEIM, "no-bergen-kommune"],
            json!({"seal": location()}),
        );
        assert!(matches!(
            submit(&t, OSLO, &draft).await,
            Err(SubmitError::NoKey { agency }) if agency == "no-bergen-kommune"
        ));
        // A confirmed relocation: only the hub's allow-list entitles, and an absent agency is
        // not known to be on it: it gets no copy, unless nobody does.
        let draft = relocation_confirmed(
            &["no-bergen-kommune", POLICE],
            Some(json!({"seal": location()})),
        );
        let message = submit(&t, TRONDHEIM, &draft).await.unwrap();
        assert_eq!(
            copies(&message),
            [(POLICE.to_owned(), w.police.key_id.clone())]
        );
        let draft = relocation_confirmed(
            &["no-bergen-kommune", NAV],
            Some(json!({"seal": location()})),
        );
        assert!(matches!(
            submit(&t, TRONDHEIM, &draft).await,
            Err(SubmitError::NoKey { agency }) if agency == "no-bergen-kommune"
        ));
        let queued = t.store.outbox(10).await.unwrap();
        assert_eq!(queued.len(), 1, "only the sealed confirmation");
        // An entitled recipient whose keys are all rotated out has no key to seal to.
        let mut directory = w.directory(5);
        directory
            .keys
            .retain(|k| k.key_id.as_str() != w.trondheim.key_id);
        t.store.save_directory(&directory, at(1)).await.unwrap();
        let draft = relocation_request(&[TRONDHEIM], json!({"seal": location()}));
        assert!(matches!(
            submit(&t, OSLO, &draft).await,
            Err(SubmitError::NoKey { agency }) if agency == TRONDHEIM
        ));
        assert_eq!(t.store.outbox(10).await.unwrap().len(), 1);
        assert!(empty.store.outbox(10).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_bad_location_is_named_by_path_never_by_value() {
        let w = World::new();
        let t = sender_with(&w).await;
        let cases = [
            (
                json!({"address": "Kongens gate 14B", "postal_code": "7011", "city": ""}),
                "body.sealed_destination.seal.city",
            ),
            (
                json!({"address": "Kongens gate 14B", "postal_code": 7011, "city": "Trondheim"}),
                "body.sealed_destination.seal.postal_code",
            ),
            (
                json!({"address": "Kongens gate 14B\nNordmann", "postal_code": "7011", "city": "Trondheim"}),
                "body.sealed_destination.seal.address",
            ),
            (
                json!({"address": "Kongens gate 14B", "city": "Trondheim"}),
                "body.sealed_destination.seal",
            ),
            (
                json!("Kongens gate 14B, Trondheim"),
                "body.sealed_destination.seal",
            ),
        ];
        for (plain, expected) in cases {
            let draft = relocation_request(&[TRONDHEIM], json!({"seal": plain}));
            match submit(&t, OSLO, &draft).await {
                Err(SubmitError::SealedLocation { path, detail }) => {
                    assert_eq!(path, expected, "{detail}");
                    for word in SECRET_WORDS.iter().chain(&["7011"]) {
                        assert!(!detail.contains(word), "{detail:?} shows a value");
                    }
                }
                other => panic!("{expected}: {other:?}"),
            }
        }
        let both = relocation_request(
            &[TRONDHEIM],
            json!({"seal": location(), "scheme": SEALING_SCHEME, "copies": []}),
        );
        assert!(matches!(
            submit(&t, OSLO, &both).await,
            Err(SubmitError::SealedLocation { path, .. }) if path == "body.sealed_destination"
        ));
        // An error elsewhere in the draft does not echo the location either.
        let mut broken = relocation_request(&[TRONDHEIM], json!({"seal": location()}));
        broken["body"]["threat_level"] = json!("apocalyptic");
        let err = submit(&t, OSLO, &broken).await.unwrap_err().to_string();
        for word in SECRET_WORDS {
            assert!(!err.contains(word), "{err}");
        }
        assert!(t.store.outbox(10).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_field_sealed_by_the_sender_passes_through_unchanged() {
        let t = TempStore::new().await;
        let path = format!(
            "{}/../schemas/examples/RelocationRequest.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let example: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let message = submit(&t, OSLO, &example).await.unwrap();
        let stored: Value = serde_json::from_slice(&message.to_json()).unwrap();
        assert_eq!(
            stored["body"]["sealed_destination"],
            example["body"]["sealed_destination"]
        );
    }

    #[tokio::test]
    async fn copies_open_after_the_recipient_rotates_its_key() {
        let recipient = TempStore::new().await;
        let r = &recipient.store;
        let me = agency(TRONDHEIM);
        let (k1, _) = r.ensure_key(at(0)).await.unwrap();
        let listed = |version, keys: &[(&crate::store::OwnKey, bool)]| KeyDirectory {
            follows: None,
            version,
            keys: keys
                .iter()
                .map(|(k, current)| {
                    entry(
                        TRONDHEIM,
                        Municipality,
                        &k.key_id,
                        &k.public_key,
                        *current,
                        false,
                    )
                })
                .collect(),
        };
        let sender = TempStore::new().await;
        sender
            .store
            .save_directory(&listed(1, &[(&k1, true)]), at(0))
            .await
            .unwrap();
        let draft = relocation_request(&[TRONDHEIM], json!({"seal": location()}));
        let old = submit(&sender, OSLO, &draft).await.unwrap();
        assert_eq!(copies(&old)[0].1, k1.key_id);

        let k2 = r.rotate_key(at(1)).await.unwrap();
        let opened = open(r, &me, &old).await.unwrap().unwrap();
        assert_eq!(opened.field, "sealed_destination");
        assert_eq!(
            opened.location(),
            Some(&the_location()),
            "the old key is kept"
        );

        sender
            .store
            .save_directory(&listed(2, &[(&k1, false), (&k2, true)]), at(2))
            .await
            .unwrap();
        let new = submit(&sender, OSLO, &draft).await.unwrap();
        assert_eq!(copies(&new)[0].1, k2.key_id);
        assert_eq!(
            open(r, &me, &new).await.unwrap().unwrap().location(),
            Some(&the_location())
        );

        // A copy sealed to a key this agent never held (or lost) says so.
        let lost = seal::generate();
        sender
            .store
            .save_directory(
                &listed(
                    3,
                    &[(
                        &crate::store::OwnKey {
                            key_id: lost.key_id.clone(),
                            public_key: lost.public_key.clone(),
                            created_at: at(3),
                            retired_at: None,
                        },
                        true,
                    )],
                ),
                at(3),
            )
            .await
            .unwrap();
        let unreadable = submit(&sender, OSLO, &draft).await.unwrap();
        assert_eq!(
            open(r, &me, &unreadable).await.unwrap().unwrap().reason(),
            Some(
                format!(
                    "Sealed to a key this agent no longer holds ({}). Tell your administrator: a backup of the agent's keys may have it.",
                    lost.key_id
                )
                .as_str()
            )
        );
        // Bound to its message: a copy moved into another message does not open.
        let mut moved = new.clone();
        moved.envelope.message_id = schemas::MessageId::new();
        assert_eq!(
            open(r, &me, &moved).await.unwrap().unwrap().reason(),
            Some(
                "Your agency's copy does not open: it is damaged or was not sealed for this message. Ask the sender to send it again."
            )
        );
    }

    #[tokio::test]
    async fn a_missing_sealed_address_is_explained_and_other_types_have_no_sealed_view() {
        let recipient = TempStore::new().await;
        let r = &recipient.store;
        let (k, _) = r.ensure_key(at(0)).await.unwrap();
        let oslo = agency(OSLO);
        let draft = relocation_confirmed(&[OSLO], None);
        let sender = TempStore::new().await;
        let message = submit(&sender, TRONDHEIM, &draft).await.unwrap();

        let unknown = open(r, &oslo, &message).await.unwrap().unwrap();
        assert_eq!(
            unknown.reason(),
            Some("No sealed address came with this message.")
        );
        let me = |protected| KeyDirectory {
            follows: None,
            version: u64::from(protected) + 1,
            keys: vec![entry(
                OSLO,
                Municipality,
                &k.key_id,
                &k.public_key,
                true,
                protected,
            )],
        };
        r.save_directory(&me(false), at(1)).await.unwrap();
        assert_eq!(
            open(r, &oslo, &message).await.unwrap().unwrap().reason(),
            Some("The hub removed the sealed address: your agency may not have it.")
        );
        r.save_directory(&me(true), at(2)).await.unwrap();
        assert_eq!(
            open(r, &oslo, &message).await.unwrap().unwrap().reason(),
            Some("The sender included no sealed address.")
        );

        let path = format!(
            "{}/../schemas/examples/ReleaseNotice.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let notice = schemas::decode(&std::fs::read(path).unwrap()).unwrap();
        assert_eq!(open(r, &oslo, &notice).await.unwrap(), None);
    }

    #[test]
    fn every_role_is_asked_about() {
        use AgencyRole::*;
        // Stops compiling when a role is added: then add it to ROLES too.
        for role in ROLES {
            match role {
                Municipality | Police | PrisonProbation | Employment | NationalContactPoint => {}
            }
        }
        let mut listed = ROLES.to_vec();
        listed.sort_unstable();
        listed.dedup();
        assert_eq!(listed.len(), 5);
    }

    #[test]
    fn recipients_are_chosen_from_the_directory() {
        let w = World::new();
        let d = w.directory(1).keys;
        let chosen = |t, rs: &[&str]| {
            let rs: Vec<AgencyId> = rs.iter().map(|r| agency(r)).collect();
            choose_recipients(t, &rs, &d)
                .map(|ks| ks.iter().map(|k| k.key_id.to_string()).collect::<Vec<_>>())
        };
        assert_eq!(
            chosen(MessageType::RelocationRequest, &[NAV, TRONDHEIM]).unwrap(),
            [w.trondheim.key_id.as_str()]
        );
        assert_eq!(
            chosen(MessageType::RelocationConfirmed, &[TRONDHEIM, POLICE]).unwrap(),
            [w.police.key_id.as_str()]
        );
        assert!(matches!(
            chosen(MessageType::RelocationRequest, &[]),
            Err(SubmitError::NobodyEntitled { .. })
        ));
        let mut broken = d.clone();
        broken[1].public_key = w.police.public_key.clone();
        let rs = [agency(TRONDHEIM)];
        assert!(matches!(
            choose_recipients(MessageType::RelocationRequest, &rs, &broken),
            Err(SubmitError::BadKey { agency, .. }) if agency == TRONDHEIM
        ));
    }
}
