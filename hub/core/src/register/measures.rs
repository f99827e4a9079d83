//! The technical and organisational security measures (GDPR art. 32) and which of them
//! protect each message type.

use schemas::MessageType;
use schemas::messages::{carries_identity, sealed_field};

use super::{Config, Measure};

pub(super) const M_TLS: &str = "transport-tls";
pub(super) const M_IDENTITY: &str = "broker-identity";
pub(super) const M_INPUT: &str = "strict-input";
pub(super) const M_GATES: &str = "two-gates";
pub(super) const M_HARD: &str = "hard-rules";
pub(super) const M_SEALED: &str = "sealed-fields";
pub(super) const M_PSEUDONYMS: &str = "pseudonyms";
pub(super) const M_SMALL_CELLS: &str = "small-cells";
pub(super) const M_DISCLOSURES: &str = "disclosure-log";
pub(super) const M_AUDIT: &str = "audit-chain";
pub(super) const M_LOGS: &str = "no-data-in-logs";
pub(super) const M_WITHDRAWAL: &str = "withdrawal";
pub(super) const M_LOGINS: &str = "dashboard-logins";

pub(super) fn measures(config: &Config) -> Vec<Measure> {
    let this_hub = if config.broker_tls {
        "This hub is configured for AMQPS with its client certificate."
    } else {
        "This hub's configuration uses plain AMQP with a password, which is for development only."
    };
    let m = |id: &str, title: &str, description: String| Measure {
        id: id.to_owned(),
        title: title.to_owned(),
        description,
    };
    vec![
        m(
            M_TLS,
            "Encrypted transport with client certificates",
            format!(
                "Agents and the hub reach the broker over AMQPS (TLS, rustls) and log in with a client certificate each; the broker takes the user from the certificate and refuses a client without one from the trusted CA. {this_hub}"
            ),
        ),
        m(
            M_IDENTITY,
            "Identity from the broker, least privilege",
            "An agency may publish only to its own exchange and read only its own inbox. The hub takes the sender from the exchange a message came through and refuses a message whose envelope names another sender.".to_owned(),
        ),
        m(
            M_INPUT,
            "Strict input",
            "Every message is checked against its schema: unknown fields and oversized messages are refused, and every data category the body carries must be declared in the envelope. Refused input is kept as a dead letter and the sender gets a reason code, never internal error text.".to_owned(),
        ),
        m(
            M_GATES,
            "Two gates per recipient, default deny",
            "A message reaches a recipient only under a gateway (a configured statute, or a version of the person's consent) that covers its sender, recipient, type, purpose and every mandatory category; optional fields of uncovered categories are removed and the removal is logged. No gateway, no delivery.".to_owned(),
        ),
        m(
            M_HARD,
            "Hard rules no gateway overrides",
            "The national contact point never receives IDENTITY, CONTACT or PROTECTED_LOCATION. PROTECTED_LOCATION goes only to the destination municipality of a relocation request and to the agencies on the protected-location allow-list. Messages for criminal investigation or benefit-fraud control are refused.".to_owned(),
        ),
        m(
            M_SEALED,
            "Sealed fields",
            "A relocation's destination and new address, and the person's identity (national identity number, name, date of birth) on a release notice, handover request, relocation request or information response, are encrypted by the sending agent with HPKE (RFC 9180: X25519, HKDF-SHA256, ChaCha20-Poly1305) to the public key of each recipient that may hold them. The hub routes on the envelope, never sees them in clear, refuses a copy for anyone who may never hold them, forwards each recipient only its own copy, and strips the identity for a recipient whose gateway does not cover IDENTITY; each copy is bound to its message, field, recipient and key.".to_owned(),
        ),
        m(
            M_PSEUDONYMS,
            "Pseudonyms",
            "Envelopes name the person by a pseudonym, never a national ID number (the schema refuses other forms). The sending agent derives it as HMAC-SHA256 of the normalised national identity number under a federation pseudonym key that every agent holds and the hub does not, so every agency gets the same pseudonym for one person and the hub cannot reverse it; a national ID number travels only as sealed IDENTITY content, where a gateway allows it. The hub's escalations to the national contact point and the pseudonymous rows of its dashboard use a pseudonym keyed with the contact point's own key (HMAC-SHA256), which cannot be joined with the agencies' pseudonyms.".to_owned(),
        ),
        m(
            M_SMALL_CELLS,
            "Small cells suppressed",
            "The national contact point sees its own jurisdiction only, as aggregates: counts from 1 to 4 are suppressed, and so are rates whose part or rest would be; where a published total would let a suppressed count be worked out by subtraction, another count is suppressed with it (no published sum hides exactly one count); percentiles over fewer than 5 handovers are not shown. Relocations are counts only: a relocation's double breach sends it no row, and nothing it sees of a case that had a relocation names an agency.".to_owned(),
        ),
        m(
            M_DISCLOSURES,
            "Disclosure log per person",
            "Every decision per recipient is recorded with time, sender, recipient, message type, the categories disclosed and removed, and the gateway, or the reason for a refusal; a person's log can be exported (`hub disclosures`).".to_owned(),
        ),
        m(
            M_AUDIT,
            "Tamper-evident audit log",
            "Every decision is appended to an audit log in the transaction that records it. The log is append-only (a database trigger refuses UPDATE and DELETE) and each entry hashes the one before (SHA-256); `hub audit verify` checks the chain.".to_owned(),
        ),
        m(
            M_LOGS,
            "No personal data in logs",
            "Operational logs carry ids, message types, agencies and reason codes, never message bodies or personal data. Message bodies are stored only in the outbox (to forward them) and in dead letters (to inspect them).".to_owned(),
        ),
        m(
            M_WITHDRAWAL,
            "Withdrawal effective at once",
            "A withdrawn consent stops routing at once: deliveries under it not yet published are cancelled (consent is checked again just before publishing), the agencies that received data under it are told, its open handovers are blocked, and agents quarantine unopened messages that came under it.".to_owned(),
        ),
        m(
            M_LOGINS,
            "Dashboard logins",
            "The contact point's dashboard needs a named login of one jurisdiction; only analysts see pseudonymous rows, statisticians aggregates only. Passwords (at least 12 characters) are kept as Argon2id hashes and sessions as SHA-256 hashes of their tokens; a session lasts 8 hours; failed sign-ins are slowed, per login name tried and per client address, by a delay that starts after three in a row and doubles from 1 second to at most 60 seconds, with no lockout.".to_owned(),
        ),
    ]
}

/// The measures every message through the hub has.
pub(super) fn message_measures(message_type: MessageType) -> Vec<String> {
    let mut ids = vec![M_TLS, M_IDENTITY, M_INPUT];
    if routed_by_gateway(message_type) {
        ids.extend([M_GATES, M_HARD]);
    }
    if sealed_field(message_type).is_some() || carries_identity(message_type) {
        ids.push(M_SEALED);
    }
    ids.push(M_PSEUDONYMS);
    if matches!(
        message_type,
        MessageType::RelocationRequest | MessageType::RelocationConfirmed | MessageType::Escalation
    ) {
        ids.push(M_SMALL_CELLS);
    }
    ids.extend([M_DISCLOSURES, M_AUDIT, M_LOGS]);
    if routed_by_gateway(message_type) || message_type == MessageType::ConsentWithdrawn {
        ids.push(M_WITHDRAWAL);
    }
    ids.into_iter().map(str::to_owned).collect()
}

/// Whether the hub decides a gateway per recipient for this type (the consent messages and
/// key announcements are handled by the hub itself).
fn routed_by_gateway(message_type: MessageType) -> bool {
    !matches!(
        message_type,
        MessageType::ConsentGranted
            | MessageType::ConsentWithdrawn
            | MessageType::KeyPublished
            | MessageType::PersonLinked
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::register::test_fixtures::{activity, register};

    #[test]
    fn every_measure_an_activity_names_exists() {
        let register = register();
        let ids: BTreeSet<&str> = register.measures.iter().map(|m| m.id.as_str()).collect();
        for a in &register.activities {
            assert!(!a.measures.is_empty(), "{}", a.id);
            for m in &a.measures {
                assert!(ids.contains(m.as_str()), "{}: {m}", a.id);
            }
        }
        assert!(
            activity(&register, MessageType::RelocationRequest)
                .measures
                .contains(&M_SEALED.to_owned())
        );
        // A release notice carries the person's identity sealed; a risk and need summary
        // carries nothing sealed.
        assert!(
            activity(&register, MessageType::ReleaseNotice)
                .measures
                .contains(&M_SEALED.to_owned())
        );
        assert!(
            !activity(&register, MessageType::RiskNeedSummary)
                .measures
                .contains(&M_SEALED.to_owned())
        );
    }
}
