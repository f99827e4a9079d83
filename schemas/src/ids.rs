//! Validated identifiers that travel on the wire.
//!
//! Each is a string newtype built only through `TryFrom<String>`, so a value of the type is
//! always valid. The JSON Schema pattern next to each rule says the same thing for
//! validators in other languages; a test checks the two agree on samples.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

/// A value did not match the shape its identifier requires.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
/// The message names the rule, never the value: values may be personal data.
#[error("not a valid {kind}: {rule}")]
pub struct InvalidId {
    /// Which identifier was being built.
    pub kind: &'static str,
    /// The rule it broke, in words.
    pub rule: &'static str,
}

fn is_lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

macro_rules! string_id {
    (
        $(#[$meta:meta])*
        $name:ident, kind: $kind:literal, pattern: $pattern:literal, rule: $rule:literal,
        check: $check:expr
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The regular expression (JSON Schema `pattern`) a valid value matches.
            pub const PATTERN: &'static str = $pattern;

            /// The identifier as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;
            fn try_from(value: String) -> Result<Self, InvalidId> {
                let check: fn(&str) -> bool = $check;
                if check(&value) {
                    Ok(Self(value))
                } else {
                    Err(InvalidId { kind: $kind, rule: $rule })
                }
            }
        }

        impl TryFrom<&str> for $name {
            type Error = InvalidId;
            fn try_from(value: &str) -> Result<Self, InvalidId> {
                Self::try_from(value.to_owned())
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidId;
            fn from_str(value: &str) -> Result<Self, InvalidId> {
                Self::try_from(value)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "type": "string",
                    "pattern": $pattern,
                    "description": $rule,
                })
            }
        }
    };
}

string_id! {
    /// An agency's id: also its RabbitMQ user name and the suffix of its exchange and queue
    /// names, so it is restricted to characters that need no escaping anywhere.
    AgencyId, kind: "agency id", pattern: "^[a-z0-9][a-z0-9-]{1,62}$",
    rule: "2 to 63 characters: lower-case letters, digits and '-', not starting with '-'",
    check: |s| {
        (2..=63).contains(&s.len())
            && s.chars().all(|c| is_lower_alnum(c) || c == '-')
            && !s.starts_with('-')
    }
}

string_id! {
    /// A hub pseudonym for a person. Never a national id number: it must start with `ps-`.
    Pseudonym, kind: "pseudonym", pattern: "^ps-[a-z0-9]{8,64}$",
    rule: "'ps-' followed by 8 to 64 lower-case letters or digits",
    check: |s| {
        s.strip_prefix("ps-")
            .is_some_and(|rest| (8..=64).contains(&rest.len()) && rest.chars().all(is_lower_alnum))
    }
}

string_id! {
    /// A case id, given by the agency that opened the case.
    CaseId, kind: "case id", pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$",
    rule: "3 to 64 characters: letters, digits, '.', '_' and '-', starting with a letter or digit",
    check: |s| {
        (3..=64).contains(&s.len())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            && s.starts_with(|c: char| c.is_ascii_alphanumeric())
    }
}

string_id! {
    /// The legal gateway a message relies on: `STATUTE:<ID>` for a named statute, or
    /// `CONSENT:<consent uuid>@<version>` for one version of a consent record.
    GatewayRef, kind: "gateway reference",
    pattern: "^(STATUTE:[A-Z0-9][A-Z0-9-]{1,62}|CONSENT:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}@[1-9][0-9]{0,8})$",
    rule: "'STATUTE:' and an upper-case statute id, or 'CONSENT:<uuid>@<version>'",
    check: |s| parse_gateway(s).is_some()
}

/// A gateway reference, taken apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gateway<'a> {
    /// A named statute, by its id (without the `STATUTE:` prefix).
    Statute(&'a str),
    /// One version of a consent record.
    Consent {
        /// The consent record's id.
        consent_id: uuid::Uuid,
        /// The version relied on.
        version: u32,
    },
}

fn parse_gateway(s: &str) -> Option<Gateway<'_>> {
    if let Some(id) = s.strip_prefix("STATUTE:") {
        let ok = (2..=63).contains(&id.len())
            && id
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
            && !id.starts_with('-');
        return ok.then_some(Gateway::Statute(id));
    }
    let rest = s.strip_prefix("CONSENT:")?;
    let (id, version) = rest.split_once('@')?;
    let lower_hyphenated = id.len() == 36
        && id
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, 'a'..='f' | '-'));
    let version_ok = !version.is_empty()
        && version.len() <= 9
        && !version.starts_with('0')
        && version.chars().all(|c| c.is_ascii_digit());
    if !lower_hyphenated || !version_ok {
        return None;
    }
    Some(Gateway::Consent {
        consent_id: uuid::Uuid::parse_str(id).ok()?,
        version: version.parse().ok()?,
    })
}

impl GatewayRef {
    /// The gateway, taken apart.
    pub fn parse(&self) -> Gateway<'_> {
        parse_gateway(&self.0).expect("a GatewayRef is validated when built")
    }

    /// The reference for a named statute.
    pub fn statute(id: &str) -> Result<Self, InvalidId> {
        Self::try_from(format!("STATUTE:{id}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agency_ids() {
        assert!(AgencyId::try_from("dk-kriminalforsorgen").is_ok());
        for bad in ["", "a", "-x", "Upper", "a_b", "a.b", &"x".repeat(64)] {
            assert!(
                AgencyId::try_from(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn pseudonyms_are_never_national_ids() {
        assert!(Pseudonym::try_from("ps-7f3a9c2e11").is_ok());
        for bad in [
            "010190-1234",
            "0101901234",
            "ps-short",
            "ps-UPPERCASE1",
            "19900101-1234",
        ] {
            assert!(
                Pseudonym::try_from(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn gateways_parse() {
        let statute = GatewayRef::try_from("STATUTE:DK-RPL115-KSP").unwrap();
        assert_eq!(statute.parse(), Gateway::Statute("DK-RPL115-KSP"));
        let consent =
            GatewayRef::try_from("CONSENT:0192f0c1-7d3e-7a10-9b7e-2f6c1d0e4a11@3").unwrap();
        assert!(matches!(
            consent.parse(),
            Gateway::Consent { version: 3, .. }
        ));
        for bad in [
            "STATUTE:",
            "STATUTE:lower",
            "CONSENT:0192f0c1-7d3e-7a10-9b7e-2f6c1d0e4a11@0",
            "CONSENT:0192F0C1-7D3E-7A10-9B7E-2F6C1D0E4A11@1",
            "CONSENT:nope@1",
            "TRUST:ME",
        ] {
            assert!(
                GatewayRef::try_from(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
    }
}

string_id! {
    /// A short line of text for people (a title, a reason): 1 to 200 characters, one line.
    ShortText, kind: "short text", pattern: "^[^\\r\\n]{1,200}$",
    rule: "1 to 200 characters on one line",
    check: |s| (1..=200).contains(&s.chars().count()) && !s.contains(['\r', '\n'])
}

string_id! {
    /// Free text for people (a plan summary, an answer): 1 to 4000 characters.
    LongText, kind: "long text", pattern: "^[\\s\\S]{1,4000}$",
    rule: "1 to 4000 characters",
    check: |s| (1..=4000).contains(&s.chars().count())
}

/// A message id: a UUID of version 7 (time-ordered), lower-case and hyphenated on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MessageId(uuid::Uuid);

impl MessageId {
    /// The regular expression (JSON Schema `pattern`) a valid value matches.
    pub const PATTERN: &'static str =
        "^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$";

    /// A fresh id for a message sent now.
    pub fn new() -> Self {
        Self(uuid::Uuid::now_v7())
    }

    /// The id as a UUID.
    pub fn as_uuid(&self) -> uuid::Uuid {
        self.0
    }
}

impl Default for MessageId {
    fn default() -> Self {
        Self::new()
    }
}

impl TryFrom<uuid::Uuid> for MessageId {
    type Error = InvalidId;
    fn try_from(id: uuid::Uuid) -> Result<Self, InvalidId> {
        if id.get_version_num() == 7 && id.get_variant() == uuid::Variant::RFC4122 {
            Ok(Self(id))
        } else {
            Err(InvalidId {
                kind: "message id",
                rule: MESSAGE_ID_RULE,
            })
        }
    }
}

const MESSAGE_ID_RULE: &str = "a version-7 UUID, lower-case and hyphenated";

impl TryFrom<String> for MessageId {
    type Error = InvalidId;
    fn try_from(value: String) -> Result<Self, InvalidId> {
        let lower_hyphenated = value.len() == 36
            && value
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, 'a'..='f' | '-'));
        let invalid = InvalidId {
            kind: "message id",
            rule: MESSAGE_ID_RULE,
        };
        if !lower_hyphenated {
            return Err(invalid);
        }
        let id = uuid::Uuid::parse_str(&value).map_err(|_| invalid)?;
        Self::try_from(id)
    }
}

impl From<MessageId> for String {
    fn from(id: MessageId) -> String {
        id.0.to_string()
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for MessageId {
    type Err = InvalidId;
    fn from_str(value: &str) -> Result<Self, InvalidId> {
        Self::try_from(value.to_owned())
    }
}

impl JsonSchema for MessageId {
    fn schema_name() -> Cow<'static, str> {
        "MessageId".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": MessageId::PATTERN,
            "description": MESSAGE_ID_RULE,
        })
    }
}
