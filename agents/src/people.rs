//! Who the person is, on the agent's side: the subject pseudonym derived from the national
//! identity number, the person's identity sealed to each recipient that may hold it, and the
//! agency's register of the people it knows.
//!
//! **Pseudonym.** `ps-` and the first 32 hex digits of HMAC-SHA256 of the normalised number
//! ([`schemas::person::NationalId::normalised`]) under the federation pseudonym key, which every
//! agent holds and the hub does not ([`PseudonymKey`]). Every agency derives the same pseudonym
//! for one person without talking to the others, and the hub, which sees only pseudonyms,
//! cannot turn one back into a number. A caseworker never types a pseudonym: a draft names
//! its person as `"person": {"jurisdiction": "DK", "national_id": "...", "name": "..."}` (or
//! `{"subject": "ps-..."}` for a person already in the register), and [`crate::submit`] puts
//! the pseudonym in `envelope.subject`. A system that holds pseudonyms already may still set
//! `envelope.subject` itself.
//!
//! **Sealed identity.** On the types that carry it ([`carries_identity`]), the person's
//! number, name and date of birth are sealed to the current key of each recipient that may
//! ever hold IDENTITY ([`may_hold_identity`]: every agency but the national contact point).
//! The hub strips a recipient's copy where its gateway does not cover IDENTITY, and that
//! recipient reads "identity not shared with your agency".
//!
//! **Register.** The `persons` table: the people this agency knows, as its own staff entered
//! them (`entered`) or as opened from a sealed identity (`opened`). Found by number or name;
//! one person's page shows their cases, messages and consent. The register holds personal
//! data: it is never logged, and the store's files are readable by the agent's user only.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use hmac::{Hmac, Mac};
use schemas::messages::{
    DirectoryKey, SEALED_IDENTITY, Sealed, SealedIdentity, carries_identity, may_hold_identity,
};
use schemas::person::{InvalidNationalId, NationalId};
use schemas::vocab::{enum_from, enum_text};
use schemas::{AgencyId, Jurisdiction, Message, Pseudonym};
use seal::OpenError;
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::http::words::t;
use crate::store::{Store, StoreError};

/// The columns of a [`PersonRow`], as the start of a query.
macro_rules! select_person {
    () => {
        "SELECT subject, jurisdiction, national_id, name, date_of_birth, source, first_seen FROM persons"
    };
}

/// The insert of one person, before its conflict clause.
macro_rules! insert_person {
    () => {
        "INSERT INTO persons (subject, jurisdiction, national_id, name, name_folded, date_of_birth,
         source, first_seen, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    };
}

/// The federation pseudonym key: 32 random bytes that every agent of the federation holds
/// and the hub does not. Prints as `***`.
#[derive(Clone)]
pub struct PseudonymKey(Zeroizing<Vec<u8>>);

impl std::fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PseudonymKey(***)")
    }
}

/// Why the pseudonym key could not be read. Never contains the key.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key file could not be read.
    #[error("reading the pseudonym key from {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The text is not 64 hex digits.
    #[error(
        "the pseudonym key is not 64 hex digits (32 bytes); make one with `openssl rand -hex 32`"
    )]
    Malformed,
}

impl<'de> Deserialize<'de> for PseudonymKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Zeroizing::new(String::deserialize(d)?);
        PseudonymKey::from_hex(&text).map_err(serde::de::Error::custom)
    }
}

impl PseudonymKey {
    /// The key from its text: 64 hex digits, surrounding whitespace ignored.
    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        let bytes = hex::decode(text.trim()).map_err(|_| KeyError::Malformed)?;
        if bytes.len() != 32 {
            return Err(KeyError::Malformed);
        }
        Ok(Self(Zeroizing::new(bytes)))
    }

    /// The key from a file holding its 64 hex digits.
    pub fn from_file(path: &Path) -> Result<Self, KeyError> {
        let text =
            Zeroizing::new(
                std::fs::read_to_string(path).map_err(|source| KeyError::File {
                    path: path.to_owned(),
                    source,
                })?,
            );
        Self::from_hex(&text)
    }

    /// The subject pseudonym of the person with this number.
    pub fn pseudonym(&self, id: &NationalId) -> Pseudonym {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(id.normalised().as_bytes());
        let digest = mac.finalize().into_bytes();
        Pseudonym::try_from(format!("ps-{}", hex::encode(&digest[..16])))
            .expect("ps- and 32 hex digits is a pseudonym")
    }
}

/// A person as the register holds them.
#[derive(Clone, PartialEq, Eq)]
pub struct Person {
    /// The subject pseudonym.
    pub subject: Pseudonym,
    /// Who the person is.
    pub identity: SealedIdentity,
    /// Where the agency learned it: `entered` by its own staff, or `opened` from a message.
    pub source: String,
    /// When the agency first knew the person.
    pub first_seen: DateTime<Utc>,
}

impl std::fmt::Debug for Person {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Person")
            .field("subject", &self.subject)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// How a draft names its person: `{"jurisdiction", "national_id", "name"}` or `{"subject"}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonInput {
    #[serde(default)]
    jurisdiction: Option<Jurisdiction>,
    #[serde(default)]
    national_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    subject: Option<Pseudonym>,
}

/// Why the person a draft names could not be used. The words name the field and the rule,
/// never the value.
#[derive(Debug, thiserror::Error)]
pub enum PersonError {
    /// The national identity number breaks a rule.
    #[error("person.national_id: {0}")]
    InvalidNumber(InvalidNationalId),
    /// Something else about `person` is wrong.
    #[error("{path}: {detail}")]
    Invalid {
        /// Where, e.g. `person.name`.
        path: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// The agent has no pseudonym key, so it cannot derive the pseudonym.
    #[error(
        "this agent has no pseudonym key: set agent.pseudonym_key_file or \
         AGENT__AGENT__PSEUDONYM_KEY (deploy/services.sh makes a development key)"
    )]
    NoKey,
    /// `person.subject` names nobody in the register.
    #[error("person.subject: nobody with this pseudonym is in this agency's register")]
    NotInRegister,
    /// A link needs a case about the person that this agency takes part in, and its messages
    /// name none.
    #[error(
        "your agency's messages name no case about this person; a link names a case your \
         agency takes part in"
    )]
    NoCase,
    /// The new number gives the pseudonym the person has already.
    #[error("national_id: the new number is the number the register holds already")]
    SameNumber,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PersonError {
    /// A stable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            PersonError::InvalidNumber(_) => "invalid_national_id",
            PersonError::Invalid { .. } => "invalid_person",
            PersonError::NoKey => "no_pseudonym_key",
            PersonError::NotInRegister => "unknown_person",
            PersonError::NoCase => "no_case",
            PersonError::SameNumber => "same_number",
            PersonError::Store(_) => "store_failed",
        }
    }

    /// The field at fault, when there is one.
    pub fn path(&self) -> Option<&'static str> {
        match self {
            PersonError::InvalidNumber(_) => Some("person.national_id"),
            PersonError::Invalid { path, .. } => Some(path),
            PersonError::NotInRegister => Some("person.subject"),
            PersonError::SameNumber => Some("national_id"),
            PersonError::NoKey | PersonError::NoCase | PersonError::Store(_) => None,
        }
    }
}

/// The longest name the register and a sealed identity take, in characters.
const NAME_MAX: usize = 200;

/// Reads a person from a national identity number and a name as a caseworker typed them:
/// the number checked by its country's rules, the name trimmed and not empty. Pure but for
/// `today` (the number's date of birth must not lie after it).
pub fn identity_from(
    jurisdiction: Jurisdiction,
    national_id: &str,
    name: &str,
    today: NaiveDate,
) -> Result<(NationalId, SealedIdentity), PersonError> {
    let id =
        NationalId::parse(jurisdiction, national_id, today).map_err(PersonError::InvalidNumber)?;
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return Err(PersonError::Invalid {
            path: "person.name",
            detail: format!("the person's name is needed, at most {NAME_MAX} characters"),
        });
    }
    let identity = SealedIdentity {
        jurisdiction,
        national_id: id
            .normalised()
            .to_owned()
            .try_into()
            .expect("a normalised number is short text"),
        name: name.try_into().map_err(|_| PersonError::Invalid {
            path: "person.name",
            detail: "the name holds characters a message cannot carry".to_owned(),
        })?,
        date_of_birth: id.date_of_birth(),
    };
    Ok((id, identity))
}

/// Takes `person` out of a draft and resolves it: derives the pseudonym (or finds the person
/// in the register), writes it into `envelope.subject`, and returns whom to seal the identity
/// of. `None` when the draft names no `person`.
pub async fn take_person(
    draft: &mut Value,
    store: &Store,
    key: Option<&PseudonymKey>,
    now: DateTime<Utc>,
) -> Result<Option<Person>, PersonError> {
    let Some(object) = draft.as_object_mut() else {
        return Ok(None);
    };
    let Some(raw) = object.remove("person") else {
        return Ok(None);
    };
    let input: PersonInput =
        serde_path_to_error::deserialize(raw).map_err(|e| PersonError::Invalid {
            path: "person",
            detail: format!(
                "{} (give jurisdiction, national_id and name, or the subject of a person in the register)",
                schemas::without_value(&e.into_inner().to_string())
            ),
        })?;
    let person = match input {
        PersonInput {
            subject: Some(subject),
            jurisdiction: None,
            national_id: None,
            name: None,
        } => find(store, &subject)
            .await?
            .ok_or(PersonError::NotInRegister)?,
        PersonInput {
            subject: None,
            jurisdiction,
            national_id: Some(number),
            name,
        } => {
            let key = key.ok_or(PersonError::NoKey)?;
            let jurisdiction = jurisdiction.ok_or(PersonError::Invalid {
                path: "person.jurisdiction",
                detail: "the country that issued the number is needed: DK, NO or SE".to_owned(),
            })?;
            let today = now.date_naive();
            let parsed = NationalId::parse(jurisdiction, &number, today)
                .map_err(PersonError::InvalidNumber)?;
            let subject = key.pseudonym(&parsed);
            let known = find(store, &subject).await?;
            let name = match (name, &known) {
                (Some(name), _) => name,
                (None, Some(known)) => known.identity.name.to_string(),
                (None, None) => {
                    return Err(PersonError::Invalid {
                        path: "person.name",
                        detail: "the person's name is needed the first time this agency names them"
                            .to_owned(),
                    });
                }
            };
            let (_, identity) = identity_from(jurisdiction, &number, &name, today)?;
            Person {
                subject,
                identity,
                source: "entered".to_owned(),
                first_seen: known.map_or(now, |k| k.first_seen),
            }
        }
        _ => {
            return Err(PersonError::Invalid {
                path: "person",
                detail: "give jurisdiction, national_id and name, or only the subject of a person \
                         in the register"
                    .to_owned(),
            });
        }
    };
    let envelope = object
        .entry("envelope")
        .or_insert_with(|| Value::Object(Default::default()));
    let Some(envelope) = envelope.as_object_mut() else {
        return Err(PersonError::Invalid {
            path: "envelope",
            detail: "the envelope is not an object".to_owned(),
        });
    };
    match envelope.get("subject") {
        None | Some(Value::Null) => {}
        Some(Value::String(given)) if given == person.subject.as_str() => {}
        Some(_) => {
            return Err(PersonError::Invalid {
                path: "envelope.subject",
                detail: "name the person once: either person or envelope.subject".to_owned(),
            });
        }
    }
    envelope.insert(
        "subject".to_owned(),
        Value::String(person.subject.to_string()),
    );
    // A consent record names its person too.
    if let Some(record) = object
        .get_mut("body")
        .and_then(|b| b.get_mut("consent"))
        .and_then(Value::as_object_mut)
    {
        match record.get("subject") {
            None | Some(Value::Null) => {}
            Some(Value::String(given)) if given == person.subject.as_str() => {}
            Some(_) => {
                return Err(PersonError::Invalid {
                    path: "body.consent.subject",
                    detail: "name the person once: either person or body.consent.subject"
                        .to_owned(),
                });
            }
        }
        record.insert(
            "subject".to_owned(),
            Value::String(person.subject.to_string()),
        );
    }
    Ok(Some(person))
}

/// A `PersonLinked` draft telling the hub that `person` (as the register holds them) is now
/// named by `current`: the new pseudonym of their new identity number. The link names the
/// newest case about the person in this agency's messages (the hub accepts a link only from
/// an agency that takes part in a case about the person); [`PersonError::NoCase`] when there
/// is none.
pub async fn link_draft(
    store: &Store,
    person: &Person,
    current: &Pseudonym,
    reason: schemas::messages::LinkReason,
) -> Result<Value, PersonError> {
    let (received, sent) = store.about_subject(person.subject.as_str(), 500).await?;
    let newest_received = received
        .iter()
        .filter_map(|r| Some((r.received_at, r.case_id.clone()?)))
        .max();
    let newest_sent = sent
        .iter()
        .filter_map(|s| Some((s.accepted_at, s.case_id.clone()?)))
        .max();
    let Some((_, case_id)) = newest_received.max(newest_sent) else {
        return Err(PersonError::NoCase);
    };
    Ok(serde_json::json!({
        "envelope": {
            "case_id": case_id,
            "subject": current,
            "recipients": [],
            "message_type": "PersonLinked",
            "purpose": "CASE_COORDINATION",
            "data_categories": []
        },
        "body": {"previous": person.subject, "reason": reason}
    }))
}

/// Records a person as this agency's own staff entered them, replacing what the register
/// held, and logs it under `actor`.
pub async fn enter(
    store: &Store,
    actor: &crate::access_log::Actor,
    subject: &Pseudonym,
    identity: &SealedIdentity,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    remember(store, subject, identity, "entered", now).await?;
    crate::access_log::about_people(
        store,
        actor,
        crate::access_log::Action::PersonEntered,
        &[subject.as_str()],
    )
    .await
}

/// A person's new national identity number: the pseudonym it gives, who they are under it
/// (`name`, or the register's), and the `PersonLinked` draft that tells the hub
/// ([`link_draft`]). Records nothing: the caller queues the draft and [`enter`]s the person.
#[allow(clippy::too_many_arguments)]
pub async fn new_number(
    store: &Store,
    key: &PseudonymKey,
    person: &Person,
    jurisdiction: Jurisdiction,
    national_id: &str,
    name: Option<&str>,
    reason: schemas::messages::LinkReason,
    now: DateTime<Utc>,
) -> Result<(Pseudonym, SealedIdentity, Value), PersonError> {
    let name = name.unwrap_or(person.identity.name.as_str());
    let (id, identity) = identity_from(jurisdiction, national_id, name, now.date_naive())?;
    let current = key.pseudonym(&id);
    if current == person.subject {
        return Err(PersonError::SameNumber);
    }
    let draft = link_draft(store, person, &current, reason).await?;
    Ok((current, identity, draft))
}

/// What [`rederive`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Rederived {
    /// People entered under their new pseudonym.
    pub people: usize,
    /// Links queued for the hub (one per person with a case in this agency's messages).
    pub linked: usize,
    /// People this agency's messages name no case about: entered under the new pseudonym, but
    /// linked at the hub by another agency or not at all.
    pub without_case: usize,
}

/// Key rotation, one agency's share: every person in the register is entered under the
/// pseudonym `new_key` gives their number, and for each with a case in this agency's messages a
/// `PersonLinked` (reason `key_rotated`) is queued for the hub. Run it before switching the
/// agent's setting to the new key; every agency of a case may send the same link, and the hub
/// records it once.
pub async fn rederive(
    store: &Store,
    agent: &AgencyId,
    actor: &crate::access_log::Actor,
    new_key: &PseudonymKey,
    now: DateTime<Utc>,
) -> Result<Rederived, crate::SubmitError> {
    use crate::access_log::{Access, Action};
    let rows = sqlx::query_as::<_, PersonRow>(select_person!())
        .fetch_all(store.pool())
        .await
        .map_err(StoreError::from)?;
    let people: Vec<Person> = rows
        .into_iter()
        .map(Person::try_from)
        .collect::<Result<_, _>>()?;
    let mut done = Rederived::default();
    for person in people {
        let Ok(id) = NationalId::parse(
            person.identity.jurisdiction,
            person.identity.national_id.as_str(),
            now.date_naive(),
        ) else {
            // Not a number of today's rules (it was valid when stored): left as it is.
            continue;
        };
        let current = new_key.pseudonym(&id);
        if current == person.subject {
            continue;
        }
        remember(store, &current, &person.identity, &person.source, now).await?;
        crate::access_log::about_people(store, actor, Action::PersonEntered, &[current.as_str()])
            .await?;
        done.people += 1;
        match link_draft(
            store,
            &person,
            &current,
            schemas::messages::LinkReason::KeyRotated,
        )
        .await
        {
            Ok(draft) => {
                let (message, _) =
                    crate::submit(store, agent, draft.to_string().as_bytes()).await?;
                let message_id = message.envelope.message_id.to_string();
                crate::access_log::record(
                    store,
                    Access {
                        actor,
                        action: Action::MessageSent,
                        message_id: Some(&message_id),
                        sender: None,
                        subject: Some(current.as_str()),
                    },
                )
                .await?;
                done.linked += 1;
            }
            Err(PersonError::NoCase) => done.without_case += 1,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(done)
}

/// The recipients of `message` that get a copy of its sealed identity, each with its current
/// key: those that [`may_hold_identity`] by the role the directory gives. A recipient the
/// directory does not know, or that has no current key, gets none (and reads "identity not
/// shared"); the hub decides per recipient whether its gateway covers IDENTITY.
pub fn identity_recipients<'d>(
    recipients: &[AgencyId],
    directory: &'d [DirectoryKey],
) -> Vec<&'d DirectoryKey> {
    recipients
        .iter()
        .filter_map(|recipient| {
            directory
                .iter()
                .filter(|k| &k.agency == recipient && k.current)
                .max_by_key(|k| k.published_at)
        })
        .filter(|k| may_hold_identity(k.role))
        .filter(|k| {
            seal::check_published(k.key_id.as_str(), k.scheme.as_str(), &k.public_key).is_ok()
        })
        .collect()
}

/// `message` with the person's identity sealed into `body.sealed_identity` for
/// [`identity_recipients`]; unchanged when its type carries no identity or nobody may hold
/// it.
pub fn seal_identity(
    message: &Message,
    identity: &SealedIdentity,
    directory: &[DirectoryKey],
) -> Result<Message, schemas::DecodeError> {
    let e = &message.envelope;
    if !carries_identity(e.message_type) {
        return Ok(message.clone());
    }
    let chosen = identity_recipients(&e.recipients, directory);
    let recipients: Vec<seal::Recipient<'_>> = chosen
        .iter()
        .map(|k| seal::Recipient {
            agency: &k.agency,
            key_id: k.key_id.as_str(),
            public_key: &k.public_key,
        })
        .collect();
    let plaintext = Zeroizing::new(serde_json::to_vec(identity).expect("an identity serializes"));
    let Ok(sealed) = seal::seal(
        e.message_id.as_uuid(),
        SEALED_IDENTITY,
        &plaintext,
        &recipients,
    ) else {
        // No recipient may hold it (or none has a usable key): the message goes without.
        return Ok(message.clone());
    };
    let mut value = serde_json::to_value(message).expect("a message serializes");
    value["body"][SEALED_IDENTITY] = serde_json::to_value(&sealed).expect("a sealed serializes");
    // The envelope declares what the body carries.
    if let Some(declared) = value["envelope"]["data_categories"].as_array_mut() {
        let identity = serde_json::json!(schemas::DataCategory::Identity);
        if !declared.contains(&identity) {
            declared.push(identity);
        }
    }
    schemas::decode(&serde_json::to_vec(&value).expect("a JSON value serializes"))
}

/// The person's identity on a received message, as this agency sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityView {
    /// Opened with this agency's key.
    Shared(SealedIdentity),
    /// The message came without a copy for this agency: its gateway does not cover IDENTITY,
    /// or the sender had none to give.
    NotShared,
    /// A copy came but cannot be read, and why (no personal data).
    Unreadable(String),
}

/// Opens this agency's copy of `message`'s sealed identity; `None` when its type carries
/// none. A readable identity is remembered in the register (`opened`), unless the agency's
/// own staff entered the person already.
pub async fn open_identity(
    store: &Store,
    me: &AgencyId,
    message: &Message,
) -> Result<Option<IdentityView>, StoreError> {
    if !carries_identity(message.envelope.message_type) {
        return Ok(None);
    }
    let Some(sealed) = message.body.sealed_identity() else {
        return Ok(Some(IdentityView::NotShared));
    };
    let key_id = sealed
        .copies
        .iter()
        .find(|c| &c.recipient == me)
        .map(|c| c.key_id.to_string());
    let private = match &key_id {
        Some(id) => store.private_key(id).await?,
        None => None,
    };
    let view = identity_view(me, message, sealed, |id| {
        (key_id.as_deref() == Some(id))
            .then(|| private.clone())
            .flatten()
    });
    if let (IdentityView::Shared(identity), Some(subject)) = (&view, &message.envelope.subject) {
        remember(store, subject, identity, "opened", Utc::now()).await?;
    }
    Ok(Some(view))
}

/// [`open_identity`] without I/O.
pub fn identity_view(
    me: &AgencyId,
    message: &Message,
    sealed: &Sealed,
    private_key: impl Fn(&str) -> Option<Zeroizing<Vec<u8>>>,
) -> IdentityView {
    match seal::open(
        message.envelope.message_id.as_uuid(),
        SEALED_IDENTITY,
        me,
        sealed,
        private_key,
    ) {
        Ok(plain) => match serde_json::from_slice::<SealedIdentity>(&plain) {
            Ok(identity) => IdentityView::Shared(identity),
            Err(_) => IdentityView::Unreadable(t("sealed-why-not-an-identity")),
        },
        Err(OpenError::NotForUs) => IdentityView::NotShared,
        Err(e) => IdentityView::Unreadable(crate::sealing::unopened(&e, sealed.scheme.as_str())),
    }
}

/// Records a person in the register. `entered` (by the agency's own staff) replaces what the
/// register holds; `opened` (from a message) adds a person the register does not know and
/// never overwrites an entry.
pub async fn remember(
    store: &Store,
    subject: &Pseudonym,
    identity: &SealedIdentity,
    source: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    // An entry by the agency's own staff replaces what the register holds; an identity
    // opened from a message never overwrites one.
    let query = if source == "entered" {
        sqlx::query(concat!(
            insert_person!(),
            " ON CONFLICT (subject) DO UPDATE SET jurisdiction = excluded.jurisdiction,
              national_id = excluded.national_id, name = excluded.name,
              name_folded = excluded.name_folded, date_of_birth = excluded.date_of_birth,
              source = excluded.source, updated_at = excluded.updated_at"
        ))
    } else {
        sqlx::query(concat!(
            insert_person!(),
            " ON CONFLICT (subject) DO NOTHING"
        ))
    };
    query
        .bind(subject.as_str())
        .bind(enum_text(&identity.jurisdiction))
        .bind(identity.national_id.as_str())
        .bind(identity.name.as_str())
        .bind(fold(identity.name.as_str()))
        .bind(identity.date_of_birth.to_string())
        .bind(source)
        .bind(now.to_rfc3339())
        .bind(now.to_rfc3339())
        .execute(store.pool())
        .await?;
    Ok(())
}

/// The person with this pseudonym, if the register knows them.
pub async fn find(store: &Store, subject: &Pseudonym) -> Result<Option<Person>, StoreError> {
    let row = sqlx::query_as::<_, PersonRow>(concat!(select_person!(), " WHERE subject = ?"))
        .bind(subject.as_str())
        .fetch_optional(store.pool())
        .await?;
    row.map(Person::try_from).transpose()
}

/// The people whose number or name matches `query`: a number typed in any of the forms its
/// country allows finds that person; any other text finds the names that contain it (any
/// case). At most 50, by name.
pub async fn search(
    store: &Store,
    query: &str,
    today: NaiveDate,
) -> Result<Vec<Person>, StoreError> {
    let query = query.trim();
    if query.is_empty() {
        return Ok(Vec::new());
    }
    let numbers: Vec<String> = [Jurisdiction::DK, Jurisdiction::NO, Jurisdiction::SE]
        .into_iter()
        .filter_map(|j| NationalId::parse(j, query, today).ok())
        .map(|id| id.normalised().to_owned())
        .collect();
    let rows = if numbers.is_empty() {
        sqlx::query_as::<_, PersonRow>(concat!(
            select_person!(),
            " WHERE instr(name_folded, ?) > 0 ORDER BY name_folded LIMIT 50"
        ))
        .bind(fold(query))
        .fetch_all(store.pool())
        .await?
    } else {
        let mut builder =
            sqlx::QueryBuilder::new(concat!(select_person!(), " WHERE national_id IN ("));
        let mut list = builder.separated(", ");
        for n in &numbers {
            list.push_bind(n.clone());
        }
        builder.push(") ORDER BY name_folded LIMIT 50");
        builder
            .build_query_as::<PersonRow>()
            .fetch_all(store.pool())
            .await?
    };
    rows.into_iter().map(Person::try_from).collect()
}

/// A row of `persons` as [`select_person`] reads it; every column is text. It holds personal
/// data, so it has no `Debug`.
#[derive(sqlx::FromRow)]
struct PersonRow {
    subject: String,
    jurisdiction: String,
    national_id: String,
    name: String,
    date_of_birth: String,
    source: String,
    first_seen: String,
}

impl TryFrom<PersonRow> for Person {
    type Error = StoreError;
    fn try_from(row: PersonRow) -> Result<Self, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("persons.{what}"));
        Ok(Person {
            subject: Pseudonym::try_from(row.subject).map_err(|_| corrupt("subject"))?,
            identity: SealedIdentity {
                jurisdiction: enum_from(row.jurisdiction).map_err(|_| corrupt("jurisdiction"))?,
                national_id: row
                    .national_id
                    .try_into()
                    .map_err(|_| corrupt("national_id"))?,
                name: row.name.try_into().map_err(|_| corrupt("name"))?,
                date_of_birth: row
                    .date_of_birth
                    .parse()
                    .map_err(|_| corrupt("date_of_birth"))?,
            },
            source: row.source,
            first_seen: DateTime::parse_from_rfc3339(&row.first_seen)
                .map_err(|_| corrupt("first_seen"))?
                .with_timezone(&Utc),
        })
    }
}

/// A name folded for search: lower case (Unicode, so Æ finds æ), spaces collapsed.
fn fold(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use schemas::AgencyRole::{Employment, Municipality, NationalContactPoint};
    use schemas::messages::KeyDirectory;
    use seal::KeyPair;
    use serde_json::json;

    use super::*;
    use crate::testing::{TempStore, agency, at, entry};

    const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    const PRISON: &str = "dk-kriminalforsorgen";
    const KOMMUNE: &str = "dk-kobenhavn-kommune";
    const JOBCENTER: &str = "dk-jobcenter-kobenhavn";
    const CONTACT_POINT: &str = "dk-exit-kontaktpunkt";
    /// A synthetic CPR number and name: neither may appear in anything the agent sends.
    const CPR: &str = "150640-3123";
    const NAME: &str = "Åse Ærø-Testesen";

    fn key() -> PseudonymKey {
        PseudonymKey::from_hex(KEY).unwrap()
    }

    fn cpr(text: &str) -> NationalId {
        NationalId::parse(Jurisdiction::DK, text, at(0).date_naive()).unwrap()
    }

    fn release_notice(person: Value) -> Value {
        json!({
            "person": person,
            "envelope": {
                "case_id": "KSP-2026-0412",
                "recipients": [KOMMUNE, JOBCENTER, CONTACT_POINT],
                "message_type": "ReleaseNotice",
                "purpose": "RELEASE_COORDINATION",
                "data_categories": ["SENTENCE_RELEASE"]
            },
            "body": {
                "expected_release": "2027-04-01",
                "supervision": {"kind": "parole", "until": "2028-04-01"},
                "contact_officer": {"name": "Officer", "phone": "+45 7255 5000"}
            }
        })
    }

    struct Keys {
        kommune: KeyPair,
        jobcenter: KeyPair,
        contact_point: KeyPair,
    }

    async fn sender() -> (TempStore, Keys) {
        let keys = Keys {
            kommune: seal::generate(),
            jobcenter: seal::generate(),
            contact_point: seal::generate(),
        };
        let t = TempStore::new().await;
        let e = |a, role, k: &KeyPair| entry(a, role, &k.key_id, &k.public_key, true, false);
        let directory = KeyDirectory {
            follows: None,
            version: 1,
            keys: vec![
                e(KOMMUNE, Municipality, &keys.kommune),
                e(JOBCENTER, Employment, &keys.jobcenter),
                e(CONTACT_POINT, NationalContactPoint, &keys.contact_point),
            ],
        };
        t.store.save_directory(&directory, at(0)).await.unwrap();
        (t, keys)
    }

    async fn submit(
        t: &TempStore,
        key: Option<&PseudonymKey>,
        draft: &Value,
    ) -> Result<Message, crate::SubmitError> {
        crate::submit_with(
            &t.store,
            &agency(PRISON),
            key,
            &serde_json::to_vec(draft).unwrap(),
        )
        .await
        .map(|(m, _)| m)
    }

    #[test]
    fn one_person_typed_any_way_gets_one_pseudonym_and_another_key_another() {
        let k = key();
        let a = k.pseudonym(&cpr("150640-3123"));
        assert_eq!(a, k.pseudonym(&cpr(" 1506403123 ")));
        assert_eq!(a, k.pseudonym(&cpr("150640 3123")));
        assert_ne!(a, k.pseudonym(&cpr("150640-3124")));
        let other = PseudonymKey::from_hex(&KEY.replace("00", "ff")).unwrap();
        assert_ne!(a, other.pseudonym(&cpr("150640-3123")));
        assert!(
            a.as_str().starts_with("ps-") && a.as_str().len() == 35,
            "{a}"
        );
        // HMAC-SHA256 of the normalised number, as another implementation would compute it.
        let mut mac = Hmac::<Sha256>::new_from_slice(&hex::decode(KEY).unwrap()).unwrap();
        mac.update(b"1506403123");
        let expected = format!("ps-{}", &hex::encode(mac.finalize().into_bytes())[..32]);
        assert_eq!(a.as_str(), expected);
    }

    #[test]
    fn a_key_must_be_32_bytes_of_hex_and_never_prints() {
        assert!(matches!(
            PseudonymKey::from_hex("abcd"),
            Err(KeyError::Malformed)
        ));
        assert!(matches!(
            PseudonymKey::from_hex(&"zz".repeat(32)),
            Err(KeyError::Malformed)
        ));
        assert_eq!(format!("{:?}", key()), "PseudonymKey(***)");
        let missing = PseudonymKey::from_file(Path::new("/nonexistent/pseudonym.key"));
        assert!(matches!(missing, Err(KeyError::File { .. })));
    }

    #[tokio::test]
    async fn a_release_notice_by_number_is_sealed_to_who_may_hold_identity_and_sends_no_number() {
        let (t, keys) = sender().await;
        let k = key();
        let draft = release_notice(json!({"jurisdiction": "DK", "national_id": CPR, "name": NAME}));
        let message = submit(&t, Some(&k), &draft).await.unwrap();
        assert_eq!(message.envelope.subject, Some(k.pseudonym(&cpr(CPR))));

        let sealed = message
            .body
            .sealed_identity()
            .expect("an identity is sealed");
        let to: Vec<&str> = sealed.copies.iter().map(|c| c.recipient.as_str()).collect();
        assert_eq!(to, [KOMMUNE, JOBCENTER], "never the contact point");
        assert!(
            message
                .envelope
                .data_categories
                .contains(&schemas::DataCategory::Identity)
        );

        // Nothing stored to send holds the number or the name.
        let stored = t.store.outbox(10).await.unwrap();
        let payload = String::from_utf8(stored[0].payload.clone()).unwrap();
        for secret in ["1506403123", "150640-3123", "Testesen", "Ærø"] {
            assert!(!payload.contains(secret), "{secret} in the outbox");
        }

        // The municipality opens its copy; the contact point's key opens nothing.
        let kommune = &keys.kommune;
        let opened = identity_view(&agency(KOMMUNE), &message, sealed, |id| {
            (id == kommune.key_id).then(|| kommune.private_key.clone())
        });
        let IdentityView::Shared(identity) = opened else {
            panic!("the municipality cannot open its copy: {opened:?}")
        };
        assert_eq!(identity.national_id.as_str(), "1506403123");
        assert_eq!(identity.name.as_str(), NAME);
        assert_eq!(
            identity.date_of_birth,
            NaiveDate::from_ymd_opt(1940, 6, 15).unwrap()
        );
        let cp = &keys.contact_point;
        let refused = identity_view(&agency(CONTACT_POINT), &message, sealed, |id| {
            (id == cp.key_id).then(|| cp.private_key.clone())
        });
        assert_eq!(refused, IdentityView::NotShared);
        let _ = &keys.jobcenter;

        // The sender's register now knows the person, by number in any form and by name.
        let today = at(0).date_naive();
        for q in ["1506403123", "150640-3123", "åse ærø", "TESTESEN"] {
            let found = search(&t.store, q, today).await.unwrap();
            assert_eq!(found.len(), 1, "{q}");
            assert_eq!(found[0].identity.name.as_str(), NAME);
            assert_eq!(found[0].source, "entered");
        }
        assert!(search(&t.store, "Hansen", today).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_person_is_named_once_and_mistakes_are_named_without_the_number() {
        let (t, _) = sender().await;
        let k = key();
        let with = |person: Value| release_notice(person);

        // No key: the agent says how to configure one.
        let err = submit(
            &t,
            None,
            &with(json!({"jurisdiction": "DK", "national_id": CPR, "name": NAME})),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, crate::SubmitError::Person(PersonError::NoKey)),
            "{err}"
        );

        // A wrong number names the rule, never the digits.
        let err = submit(
            &t,
            Some(&k),
            &with(json!({"jurisdiction": "DK", "national_id": "310240-3123", "name": NAME})),
        )
        .await
        .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("person.national_id: "), "{text}");
        assert!(!text.chars().any(|c| c.is_ascii_digit()), "{text}");

        // The first time, the name is needed; after that the register has it.
        let err = submit(
            &t,
            Some(&k),
            &with(json!({"jurisdiction": "DK", "national_id": CPR})),
        )
        .await
        .unwrap_err();
        assert!(err.to_string().starts_with("person.name: "), "{err}");
        submit(
            &t,
            Some(&k),
            &with(json!({"jurisdiction": "DK", "national_id": CPR, "name": NAME})),
        )
        .await
        .unwrap();
        let again = submit(
            &t,
            Some(&k),
            &with(json!({"jurisdiction": "DK", "national_id": "1506403123"})),
        )
        .await
        .unwrap();
        // A person in the register is named by subject alone, and their identity still goes.
        let subject = again.envelope.subject.clone().unwrap();
        let by_subject = submit(&t, None, &with(json!({"subject": subject})))
            .await
            .unwrap();
        assert_eq!(by_subject.envelope.subject, Some(subject.clone()));
        assert!(by_subject.body.sealed_identity().is_some());

        // Unknown subject, both forms at once, a second subject in the envelope: refused.
        let err = submit(&t, None, &with(json!({"subject": "ps-0000000000000000"})))
            .await
            .unwrap_err();
        assert!(
            matches!(err, crate::SubmitError::Person(PersonError::NotInRegister)),
            "{err}"
        );
        let err = submit(
            &t,
            Some(&k),
            &with(json!({"subject": subject, "jurisdiction": "DK", "national_id": CPR})),
        )
        .await
        .unwrap_err();
        assert!(err.to_string().starts_with("person: "), "{err}");
        let mut two = with(json!({"jurisdiction": "DK", "national_id": CPR}));
        two["envelope"]["subject"] = json!("ps-0123456789abcdef");
        let err = submit(&t, Some(&k), &two).await.unwrap_err();
        assert!(err.to_string().starts_with("envelope.subject: "), "{err}");
    }

    #[tokio::test]
    async fn a_rotation_enters_everyone_under_the_new_key_and_links_those_with_a_case() {
        let (t, _) = sender().await;
        let old_key = key();
        // One person with a case (a release notice sent about them), one without.
        let notice =
            release_notice(json!({"jurisdiction": "DK", "national_id": CPR, "name": NAME}));
        let sent = submit(&t, Some(&old_key), &notice).await.unwrap();
        let old = sent.envelope.subject.clone().unwrap();
        let (id, other) = identity_from(
            Jurisdiction::DK,
            "010190-1234",
            "Other Person",
            at(0).date_naive(),
        )
        .unwrap();
        remember(&t.store, &old_key.pseudonym(&id), &other, "entered", at(1))
            .await
            .unwrap();

        let new_key = PseudonymKey::from_hex(&KEY.replace("00", "ab")).unwrap();
        let operator = crate::access_log::Actor::page("operator");
        let done = rederive(&t.store, &agency(PRISON), &operator, &new_key, Utc::now())
            .await
            .unwrap();
        assert_eq!(
            done,
            Rederived {
                people: 2,
                linked: 1,
                without_case: 1,
            }
        );
        let new = new_key.pseudonym(&cpr(CPR));
        let entered = find(&t.store, &new).await.unwrap().expect("entered anew");
        assert_eq!(entered.identity.name.as_str(), NAME);
        // The link names the old pseudonym, the new one and the case.
        let queued = t.store.outbox(10).await.unwrap();
        let link = queued
            .iter()
            .find(|m| m.message_type == "PersonLinked")
            .expect("a link is queued");
        let link = schemas::decode(&link.payload).unwrap();
        assert_eq!(link.envelope.subject, Some(new));
        assert_eq!(
            link.envelope.case_id.as_ref().map(|c| c.as_str()),
            Some("KSP-2026-0412")
        );
        let schemas::Body::PersonLinked(body) = &link.body else {
            panic!("not a link")
        };
        assert_eq!(body.previous, old);
        assert_eq!(body.reason, schemas::messages::LinkReason::KeyRotated);
        // Both entries and the link are in the access log, under whoever ran it.
        let log = crate::access_log::entries(
            &t.store,
            &crate::access_log::Filter {
                subject: None,
                actor: Some("page:operator".to_owned()),
            },
        )
        .await
        .unwrap();
        let mut actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
        actions.sort_unstable();
        assert_eq!(
            actions,
            ["message_sent", "person_entered", "person_entered"]
        );
    }

    #[tokio::test]
    async fn an_opened_identity_joins_the_register_but_never_overwrites_an_entry() {
        let t = TempStore::new().await;
        let k = key();
        let (id, entered) =
            identity_from(Jurisdiction::DK, CPR, "Entered Name", at(0).date_naive()).unwrap();
        let subject = k.pseudonym(&id);
        remember(&t.store, &subject, &entered, "entered", at(1))
            .await
            .unwrap();
        let (_, opened) =
            identity_from(Jurisdiction::DK, CPR, "Other Spelling", at(0).date_naive()).unwrap();
        remember(&t.store, &subject, &opened, "opened", at(2))
            .await
            .unwrap();
        let held = find(&t.store, &subject).await.unwrap().unwrap();
        assert_eq!(held.identity.name.as_str(), "Entered Name");
        assert_eq!(held.source, "entered");
        assert_eq!(held.first_seen, at(1));
        let _ = agency(PRISON);
    }
}
