//! Wire types of the handover hub, version 1.
//!
//! This crate is the only place that knows the wire format. It holds:
//! - [`Envelope`]: what the hub routes on (ids, case, subject pseudonym, sender, recipients,
//!   type, purpose, declared data categories, gateway);
//! - [`Body`] and the structs in [`messages`]: one per message type of the catalogue;
//! - [`decode`] and [`Message::to_json`]: bytes to typed message and back, refusing unknown
//!   fields and sorting every failure into a [`DecodeError`] with a [`ReasonCode`];
//! - [`json_schema`]: the JSON Schema files under `schemas/json/v1/`, generated from the types;
//! - [`person`]: national identity numbers (DK, NO, SE) as validated, normalised values.
//!
//! It does no I/O. Version 1 changes are additive; a breaking change is a version 2.

pub mod ids;
pub mod json_schema;
pub mod messages;
pub mod person;
pub mod vocab;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

pub use ids::{AgencyId, CaseId, Gateway, GatewayRef, InvalidId, MessageId, Pseudonym};
pub use person::{InvalidNationalId, NationalId, NationalIdKind};
pub use vocab::{AgencyRole, DataCategory, Jurisdiction, Purpose, ReasonCode};

/// The schema version this crate reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// Most recipients one message may name.
pub const MAX_RECIPIENTS: usize = 32;

/// Declares the catalogue once: the [`MessageType`] names, the [`Body`] variants, decoding
/// by type and schema generation by type.
macro_rules! catalogue {
        ($($name:ident),* $(,)?) => {
            /// The type of a message: which body it carries.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
                     serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
            #[allow(missing_docs)]
            pub enum MessageType { $($name),* }

            impl MessageType {
                /// Every message type of version 1.
                pub const ALL: &'static [MessageType] = &[$(MessageType::$name),*];

                /// The type's name on the wire.
                pub fn as_str(self) -> &'static str {
                    match self { $(MessageType::$name => stringify!($name)),* }
                }

                /// The type with this wire name.
                pub fn from_name(name: &str) -> Option<MessageType> {
                    match name { $(stringify!($name) => Some(MessageType::$name),)* _ => None }
                }
            }

            /// A message body: one variant per message type.
            #[derive(Debug, Clone, PartialEq, serde::Serialize)]
            #[serde(untagged)]
            #[allow(missing_docs)]
            pub enum Body { $($name($crate::messages::$name)),* }

            impl Body {
                /// The message type of this body.
                pub fn message_type(&self) -> MessageType {
                    match self { $(Body::$name(_) => MessageType::$name),* }
                }

                fn decode_as(
                    message_type: MessageType,
                    raw: &str,
                ) -> Result<Body, serde_path_to_error::Error<serde_json::Error>> {
                    let de = &mut serde_json::Deserializer::from_str(raw);
                    Ok(match message_type {
                        $(MessageType::$name => Body::$name(serde_path_to_error::deserialize(de)?),)*
                    })
                }
            }

            pub(crate) fn body_schema(
                message_type: MessageType,
                generator: &mut schemars::SchemaGenerator,
            ) -> schemars::Schema {
                match message_type {
                    $(MessageType::$name => generator.subschema_for::<$crate::messages::$name>(),)*
                }
            }

            $(
                impl From<$crate::messages::$name> for Body {
                    fn from(body: $crate::messages::$name) -> Body { Body::$name(body) }
                }
            )*
        };
}

catalogue! {
    ReleaseNotice,
    HandoverRequest,
    HandoverResponse,
    RelocationRequest,
    RelocationConfirmed,
    ConsentGranted,
    ConsentWithdrawn,
    InformationRequest,
    InformationResponse,
    RiskNeedSummary,
    OutcomeReport,
    CaseClosed,
    Receipt,
    Undeliverable,
    Escalation,
    KeyPublished,
    KeyDirectory,
    HandoverCancelled,
    PersonLinked,
}

impl std::fmt::Display for MessageType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the hub routes on. The sender's claim in `sender` is checked against the identity the
/// broker authenticated; the declared `data_categories` are checked against the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// The message's id, chosen by the sender, stable across retries.
    pub message_id: MessageId,
    /// Ties together all messages of one conversation (e.g. a handover).
    pub correlation_id: uuid::Uuid,
    /// The message that caused this one, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub causation_id: Option<uuid::Uuid>,
    /// The case the message is about, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<CaseId>,
    /// The person the message is about, by hub pseudonym.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Pseudonym>,
    /// The sending agency.
    pub sender: AgencyId,
    /// The agencies the message is for.
    #[schemars(length(max = 32), extend("uniqueItems" = true))]
    pub recipients: Vec<AgencyId>,
    /// Which body the message carries.
    pub message_type: MessageType,
    /// The wire schema version; 1 here.
    #[schemars(range(min = 1, max = 1))]
    pub schema_version: u32,
    /// When the sender created the message.
    pub sent_at: DateTime<Utc>,
    /// Why the message is sent.
    pub purpose: Purpose,
    /// Every data category the body carries.
    #[schemars(extend("uniqueItems" = true))]
    pub data_categories: Vec<DataCategory>,
    /// The legal gateway the sender relies on, if it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<GatewayRef>,
    /// The caseworker who sent the message, so the receiver knows whom to call (CONTACT,
    /// optional: a recipient whose gateway does not cover CONTACT gets the message without
    /// it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_by: Option<SentBy>,
    /// On a copy the hub delivers: the optional categories it removed for this recipient,
    /// because its gateway does not cover them, so the recipient knows something was held
    /// back. Set only by the hub; a message from an agency that sets it is refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withheld: Vec<DataCategory>,
}

/// The caseworker who sent a message: their name and role at the sending agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SentBy {
    /// Their name, as their agency's sign-in gives it.
    pub name: ids::ShortText,
    /// Their role.
    pub role: StaffRole,
}

/// A sending caseworker's role at their agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// Works the agency's cases.
    Caseworker,
    /// A caseworker who also coordinates (escalations, the access log).
    Coordinator,
}

impl Message {
    /// The data categories the message carries: its body's, and CONTACT (optional) when it
    /// names the caseworker who sent it.
    pub fn categories(&self) -> messages::Categories {
        let mut categories = self.body.categories();
        if self.envelope.sent_by.is_some() {
            categories.add_optional(DataCategory::Contact);
        }
        categories
    }

    /// The message without the optional fields of `removed` categories (see
    /// [`Body::without`]); without CONTACT, the envelope does not name its sender's caseworker.
    pub fn without(&self, removed: &std::collections::BTreeSet<DataCategory>) -> Message {
        let mut envelope = self.envelope.clone();
        if removed.contains(&DataCategory::Contact) {
            envelope.sent_by = None;
        }
        Message {
            envelope,
            body: self.body.without(removed),
        }
    }
}

/// A whole message: envelope and body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    /// What the hub routes on.
    pub envelope: Envelope,
    /// The content.
    pub body: Body,
}

impl Message {
    /// The message as JSON bytes, as sent on the wire.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("wire types always serialize")
    }
}

/// Why bytes are not a valid message. The texts name fields and rules, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Not JSON, not UTF-8, or nested too deeply.
    #[error("not valid JSON: {0}")]
    Malformed(String),
    /// A schema version other than 1.
    #[error("schema version {0} is not supported (this hub speaks version 1)")]
    UnsupportedVersion(String),
    /// A message type outside the catalogue.
    #[error("message type {0:?} is not in the version-1 catalogue")]
    UnknownType(String),
    /// A field is missing, unknown, or of the wrong shape.
    #[error("{path}: {detail}")]
    Schema {
        /// Where, as a dotted path such as `body.supervision.kind`.
        path: String,
        /// What is wrong.
        detail: String,
    },
}

impl DecodeError {
    /// The reason code an `Undeliverable` carries for this error.
    pub fn reason(&self) -> ReasonCode {
        match self {
            DecodeError::Malformed(_) => ReasonCode::MalformedJson,
            DecodeError::UnsupportedVersion(_) => ReasonCode::UnsupportedSchemaVersion,
            DecodeError::UnknownType(_) => ReasonCode::UnknownMessageType,
            DecodeError::Schema { .. } => ReasonCode::SchemaViolation,
        }
    }

    fn schema(path: impl Into<String>, detail: impl Into<String>) -> Self {
        DecodeError::Schema {
            path: path.into(),
            detail: detail.into(),
        }
    }

    fn from_serde(prefix: &str, err: serde_path_to_error::Error<serde_json::Error>) -> Self {
        use serde_json::error::Category;
        let mut path = err.path().to_string();
        // The path of an unknown field ends in its name, which is the sender's text: the
        // error names the object holding it instead.
        if let Some(serde_path_to_error::Segment::Map { key }) = err.path().iter().next_back()
            && err.inner().to_string().starts_with("unknown field")
        {
            path = match path.strip_suffix(key.as_str()) {
                Some(parent) => parent.strip_suffix('.').unwrap_or(".").to_owned(),
                None => ".".to_owned(),
            };
        }
        let inner = err.into_inner();
        match inner.classify() {
            Category::Syntax | Category::Eof | Category::Io => {
                DecodeError::Malformed(inner.to_string())
            }
            Category::Data => {
                let path = match (prefix, path.as_str()) {
                    (p, ".") => p.to_owned(),
                    ("", rest) => rest.to_owned(),
                    (p, rest) => format!("{p}.{rest}"),
                };
                DecodeError::schema(path, without_value(&inner.to_string()))
            }
        }
    }
}

/// serde's data errors quote what they found: `invalid type: string "Kari", expected u32`,
/// ``unknown variant `x`, expected one of ...``, ``unknown field `x`, expected ...``. Keeps
/// what kind of thing was found and what was expected, never the value (which may be a
/// person's data, and goes into the `Undeliverable` and the dead letter's reason). Names
/// serde takes from the schema (a missing or duplicate field) stay. Also for other
/// deserialisations of senders' JSON (the agent's sealed-field drafts).
pub fn without_value(text: &str) -> String {
    let text = strip_position(text);
    let text = text.as_str();
    if text.starts_with("missing field") || text.starts_with("duplicate field") {
        return text.to_owned();
    }
    // What was expected comes last and is the schema's; the value is before it.
    let (found, expected) = match text
        .rfind(", expected ")
        .or_else(|| text.rfind(", there are no "))
    {
        Some(i) => text.split_at(i),
        None => (text, ""),
    };
    // serde quotes a string value in double quotes, other values and names in backticks.
    let found = match [found.find(" \""), found.find(" `")]
        .into_iter()
        .flatten()
        .min()
    {
        Some(i) => &found[..i],
        None => found,
    };
    format!("{found}{expected}")
}

/// serde_json appends " at line L column C"; the path says where more usefully.
fn strip_position(text: &str) -> String {
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text.to_owned(),
    }
}

#[derive(Deserialize)]
struct Probe {
    envelope: Option<ProbeEnvelope>,
}

#[derive(Deserialize)]
struct ProbeEnvelope {
    message_type: Option<serde_json::Value>,
    schema_version: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMessage<'a> {
    envelope: Envelope,
    #[serde(borrow)]
    body: &'a RawValue,
}

/// Decodes a message from its wire bytes. Pure: the same bytes always give the same answer.
///
/// The checks run in the order an `Undeliverable` should name them: syntax, schema version,
/// message type, then the full schema of envelope and body.
pub fn decode(bytes: &[u8]) -> Result<Message, DecodeError> {
    let probe: Probe = serde_json::from_slice(bytes).map_err(|e| {
        if e.is_data() {
            DecodeError::schema("envelope", without_value(&e.to_string()))
        } else {
            DecodeError::Malformed(e.to_string())
        }
    })?;
    if let Some(envelope) = &probe.envelope {
        if let Some(version) = &envelope.schema_version
            && version.as_u64() != Some(u64::from(SCHEMA_VERSION))
        {
            return Err(DecodeError::UnsupportedVersion(cut(&version.to_string())));
        }
        if let Some(serde_json::Value::String(name)) = &envelope.message_type
            && MessageType::from_name(name).is_none()
        {
            return Err(DecodeError::UnknownType(cut(name)));
        }
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let raw: RawMessage<'_> =
        serde_path_to_error::deserialize(de).map_err(|e| DecodeError::from_serde("", e))?;
    let body = Body::decode_as(raw.envelope.message_type, raw.body.get())
        .map_err(|e| DecodeError::from_serde("body", e))?;
    let message = Message {
        envelope: raw.envelope,
        body,
    };
    validate(&message)?;
    Ok(message)
}

fn cut(text: &str) -> String {
    text.chars().take(64).collect()
}

/// Rules JSON Schema states but serde does not enforce by itself.
fn validate(message: &Message) -> Result<(), DecodeError> {
    let envelope = &message.envelope;
    if envelope.recipients.len() > MAX_RECIPIENTS {
        return Err(DecodeError::schema(
            "envelope.recipients",
            format!("at most {MAX_RECIPIENTS} recipients"),
        ));
    }
    if has_duplicates(&envelope.recipients) {
        return Err(DecodeError::schema(
            "envelope.recipients",
            "a recipient is named twice",
        ));
    }
    if has_duplicates(&envelope.data_categories) {
        return Err(DecodeError::schema(
            "envelope.data_categories",
            "a category is named twice",
        ));
    }
    Ok(())
}

fn has_duplicates<T: Ord>(items: &[T]) -> bool {
    let mut seen = std::collections::BTreeSet::new();
    !items.iter().all(|item| seen.insert(item))
}

/// Completes a draft message written by a person or another system: fills in
/// `envelope.message_id`, `correlation_id`, `sent_at`, `schema_version` and `sender` where
/// they are missing. A `sender` that is present must be `sender` already (checked on decode
/// by the hub; here it is left as written). Pure: ids and time are inputs.
pub fn complete_draft(
    draft: &mut serde_json::Value,
    sender: &AgencyId,
    message_id: MessageId,
    correlation_id: uuid::Uuid,
    now: DateTime<Utc>,
) {
    let Some(envelope) = draft
        .get_mut("envelope")
        .and_then(serde_json::Value::as_object_mut)
    else {
        return;
    };
    let mut fill = |key: &str, value: serde_json::Value| {
        envelope.entry(key).or_insert(value);
    };
    fill("message_id", serde_json::json!(message_id));
    fill("correlation_id", serde_json::json!(correlation_id));
    fill("sent_at", serde_json::json!(now));
    fill("schema_version", serde_json::json!(SCHEMA_VERSION));
    fill("sender", serde_json::json!(sender));
    // A draft that names its caseworker declares CONTACT.
    if envelope.get("sent_by").is_some_and(|v| !v.is_null())
        && let Some(declared) = envelope
            .get_mut("data_categories")
            .and_then(serde_json::Value::as_array_mut)
    {
        let contact = serde_json::json!(DataCategory::Contact);
        if !declared.contains(&contact) {
            declared.push(contact);
        }
    }
}
