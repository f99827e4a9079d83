//! The envelope target: arbitrary bytes as a delivery from the ingress queue.
//!
//! The hub here is the shipped configuration (`config/`: agencies, statutes, hard rules)
//! with a small size limit, so that the size check is reached too, the consent record of
//! the examples in force and the sealing keys of the examples published. Each input goes
//! through `hub::plan::intake` three times (through a submit exchange, through an exchange
//! that is no agency's, and under a `user_id` that is not the exchange's owner); what decodes
//! is then routed by `hub::plan::route`, as the authenticated sender and, when the envelope
//! names another registered agency, as that agency.
//!
//! What must hold, besides never panicking:
//! - what is refused is refused with the reason `schemas::decode` gives (or OVERSIZED), kept
//!   whole as a dead letter, and answered to a known sender with an `Undeliverable` that
//!   itself decodes;
//! - what is accepted was UTF-8, within the limit, version 1, and re-encodes to itself;
//! - every row the hub would publish decodes; the sender gets exactly one answer; a refused
//!   message goes to nobody; each copy goes to a registered recipient the envelope names,
//!   never back to the sender, names the authenticated sender and the gateway that allowed
//!   it, carries only the categories disclosed, only its own sealed copies, nothing a hard
//!   rule forbids the recipient, and under a consent only the message's own person's.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use hub::plan::{self, Decoded, Inputs, Intake, OutboxRow, Raw};
use hub::settings::Secret;
use hub_core::consent::ConsentInForce;
use hub_core::routing::SealingKeys;
use hub_core::{Directory, Policy, World};
use schemas::{AgencyId, AgencyRole, Body, DataCategory, Gateway, MessageId, ReasonCode};

/// The largest body the fuzzed hub accepts: small, so inputs reach both sides of the check.
pub const MAX_BYTES: usize = 4096;

/// The example messages, which seed the corpus and the unit tests.
pub const EXAMPLES: &[&str] = &[
    include_str!("../../schemas/examples/CaseClosed.json"),
    include_str!("../../schemas/examples/ConsentGranted.json"),
    include_str!("../../schemas/examples/ConsentWithdrawn.json"),
    include_str!("../../schemas/examples/Escalation.json"),
    include_str!("../../schemas/examples/HandoverRequest.json"),
    include_str!("../../schemas/examples/HandoverResponse.json"),
    include_str!("../../schemas/examples/InformationRequest.json"),
    include_str!("../../schemas/examples/InformationResponse.json"),
    include_str!("../../schemas/examples/KeyDirectory.json"),
    include_str!("../../schemas/examples/KeyPublished.json"),
    include_str!("../../schemas/examples/OutcomeReport.json"),
    include_str!("../../schemas/examples/Receipt.json"),
    include_str!("../../schemas/examples/ReleaseNotice.json"),
    include_str!("../../schemas/examples/RelocationConfirmed.json"),
    include_str!("../../schemas/examples/RelocationRequest.json"),
    include_str!("../../schemas/examples/RiskNeedSummary.json"),
    include_str!("../../schemas/examples/Undeliverable.json"),
];

/// The hub the bytes are fed to, built once.
struct Hub {
    id: AgencyId,
    directory: Directory,
    policy: Policy,
    contact_point_key: Secret,
    consents: Vec<ConsentInForce>,
    sealing_keys: SealingKeys,
    /// The agency whose submit exchange the bytes arrive through.
    sender: AgencyId,
    /// Another registered agency, for a forged `user_id`.
    other: AgencyId,
    now: DateTime<Utc>,
    inputs: Inputs,
}

fn hub() -> &'static Hub {
    static HUB: OnceLock<Hub> = OnceLock::new();
    HUB.get_or_init(load)
}

fn load() -> Hub {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config");
    let overrides = [
        ("database.url", "postgres://fuzz@localhost/fuzz".to_owned()),
        ("hub.contact_point_key", "fuzz-contact-point-key".to_owned()),
    ];
    let settings = hub::Settings::load_with(&config, &overrides).expect("the shipped config");
    let examples: Vec<schemas::Message> = EXAMPLES
        .iter()
        .map(|text| schemas::decode(text.as_bytes()).expect("the examples decode"))
        .collect();
    let mut consents = Vec::new();
    let mut sealing_keys = BTreeMap::new();
    for example in &examples {
        let sealed = match &example.body {
            Body::ConsentGranted(granted) => {
                consents.push(ConsentInForce {
                    record: granted.consent.clone(),
                    superseded: false,
                    withdrawals: Vec::new(),
                });
                None
            }
            Body::RelocationRequest(r) => Some(&r.sealed_destination),
            Body::RelocationConfirmed(c) => c.sealed_address.as_ref(),
            _ => None,
        };
        for copy in sealed.iter().flat_map(|s| &s.copies) {
            sealing_keys
                .entry(copy.recipient.clone())
                .or_insert_with(std::collections::BTreeSet::new)
                .insert(copy.key_id.as_str().to_owned());
        }
    }
    let id = |s: &str| AgencyId::try_from(s).expect("a valid id");
    let now: DateTime<Utc> = "2026-11-22T10:00:00Z".parse().expect("a time");
    let reply_id = uuid::Builder::from_unix_timestamp_millis(
        u64::try_from(now.timestamp_millis()).expect("after 1970"),
        &[7; 10],
    )
    .into_uuid();
    Hub {
        id: settings.hub.id.clone(),
        directory: settings.directory(),
        policy: settings.policy().expect("the shipped statutes"),
        contact_point_key: settings.hub.contact_point_key.clone(),
        consents,
        sealing_keys,
        sender: id("dk-kriminalforsorgen"),
        other: id("dk-kobenhavn-kommune"),
        now,
        inputs: Inputs {
            now,
            reply_id: MessageId::try_from(reply_id).expect("a version 7 id"),
            fallback_correlation: uuid::Uuid::from_u128(1),
            dead_letter_id: uuid::Uuid::from_u128(2),
        },
    }
}

/// Feeds `data` to the hub as a delivery and checks every invariant above.
pub fn check(data: &[u8]) {
    let hub = hub();
    let own = broker::topology::submit_exchange(&hub.sender);
    let raw = Raw {
        exchange: &own,
        user_id: None,
        amqp_message_id: None,
        body: data,
    };

    // Through an exchange that is no agency's: refused, and nobody to answer.
    let stranger = Raw {
        exchange: broker::topology::DELIVER_EXCHANGE,
        ..raw
    };
    match plan::intake(&hub.id, MAX_BYTES, stranger, &hub.inputs) {
        Intake::Refused(r) => {
            assert_eq!(r.dead_letter.reason, ReasonCode::UnknownSender);
            assert!(r.reply.is_none(), "an unknown sender is not answered");
        }
        Intake::Decoded(_) => panic!("accepted bytes from an exchange that is no agency's"),
    }

    // Under another agency's user id (which the broker would refuse): refused all the same.
    let forged = Raw {
        user_id: Some(hub.other.as_str()),
        ..raw
    };
    match plan::intake(&hub.id, MAX_BYTES, forged, &hub.inputs) {
        Intake::Refused(r) => {
            assert_eq!(r.dead_letter.reason, ReasonCode::SenderMismatch);
            let reply = r.reply.expect("a known sender is answered");
            check_reply(hub, &reply, &hub.sender, Some(ReasonCode::SenderMismatch));
        }
        Intake::Decoded(_) => panic!("accepted bytes under a forged user id"),
    }

    match plan::intake(&hub.id, MAX_BYTES, raw, &hub.inputs) {
        Intake::Refused(r) => {
            let expected = if data.len() > MAX_BYTES {
                ReasonCode::Oversized
            } else {
                schemas::decode(data)
                    .expect_err("intake refused bytes that decode")
                    .reason()
            };
            assert_eq!(r.dead_letter.reason, expected);
            assert_eq!(r.dead_letter.body, data, "the dead letter keeps the bytes");
            assert_eq!(r.dead_letter.sender, hub.sender.as_str());
            let reply = r.reply.expect("a known sender is answered");
            check_reply(hub, &reply, &hub.sender, Some(expected));
        }
        Intake::Decoded(decoded) => {
            assert!(data.len() <= MAX_BYTES, "accepted an oversized body");
            assert!(
                std::str::from_utf8(data).is_ok(),
                "accepted bytes that are not UTF-8"
            );
            assert_eq!(decoded.body, data);
            let message = &decoded.message;
            assert_eq!(message.envelope.schema_version, schemas::SCHEMA_VERSION);
            assert_eq!(message.body.message_type(), message.envelope.message_type);
            let again = schemas::decode(&message.to_json())
                .expect("a decoded message re-encodes to bytes that decode");
            assert_eq!(&again, message, "decoding what was encoded gives it back");
            route(hub, &decoded);
            // The same bytes, as if the agency the envelope names had sent them.
            let claimed = &message.envelope.sender;
            if *claimed != decoded.sender && hub.directory.get(claimed).is_some() {
                let as_claimed = Decoded {
                    sender: claimed.clone(),
                    ..decoded.clone()
                };
                route(hub, &as_claimed);
            }
        }
    }
}

/// The hub's answer to `to`: it decodes, comes from the hub, goes to `to` alone, carries no
/// data category, and is an `Undeliverable` with `reason`, or a `Receipt` when `None`.
fn check_reply(hub: &Hub, row: &OutboxRow, to: &AgencyId, reason: Option<ReasonCode>) {
    assert_eq!(&row.recipient, to);
    assert_eq!(row.sender, hub.id);
    let reply = schemas::decode(&row.payload).expect("the hub's answer decodes");
    assert_eq!(reply.envelope.sender, hub.id);
    assert_eq!(reply.envelope.recipients, vec![to.clone()]);
    assert!(reply.envelope.data_categories.is_empty());
    assert!(!reply.envelope.purpose.is_forbidden());
    match (&reply.body, reason) {
        (Body::Undeliverable(u), Some(reason)) => assert_eq!(u.reason, reason),
        (Body::Receipt(_), None) => {}
        (body, reason) => panic!(
            "answered {:?} where {reason:?} was expected",
            body.message_type()
        ),
    }
}

/// Routes a decoded message against the hub's state and checks what it would publish.
fn route(hub: &Hub, decoded: &Decoded) {
    let message = &decoded.message;
    let envelope = &message.envelope;
    // The consents the hub loads: the person's, and the one a consent message names.
    let named = match &message.body {
        Body::ConsentGranted(g) => Some(g.consent.consent_id),
        Body::ConsentWithdrawn(w) => Some(w.consent_id),
        _ => None,
    };
    let consents: Vec<ConsentInForce> = hub
        .consents
        .iter()
        .filter(|c| {
            envelope.subject.as_ref() == Some(&c.record.subject)
                || named == Some(c.record.consent_id)
        })
        .cloned()
        .collect();
    let world = World {
        directory: &hub.directory,
        policy: &hub.policy,
        consents: &consents,
        case: None,
        handovers: &[],
        received_under_consent: &[],
        sealing_keys: &hub.sealing_keys,
        claim: None,
        key_announcements: 0,
        now: hub.now,
    };
    let accepted = plan::route(
        &hub.id,
        decoded,
        &world,
        &hub.inputs,
        &hub.contact_point_key,
    );

    let (answers, copies): (Vec<&OutboxRow>, Vec<&OutboxRow>) =
        accepted.outbox.iter().partition(|r| r.sender == hub.id);
    assert_eq!(answers.len(), 1, "exactly one answer to the sender");
    check_reply(hub, answers[0], &decoded.sender, accepted.reason);
    if !accepted.routed {
        assert!(copies.is_empty(), "a refused message went to someone");
        assert!(
            accepted.effects.is_empty(),
            "a refused message changed state"
        );
        assert!(accepted.dead_letter.is_some(), "a refused message is kept");
    }
    let delivered = accepted.decisions.iter().filter(|d| d.delivered).count();
    assert_eq!(copies.len(), delivered, "one copy per delivery decision");

    for copy in copies {
        let recipient = &copy.recipient;
        let decision = accepted
            .decisions
            .iter()
            .find(|d| d.delivered && &d.recipient == recipient)
            .expect("a copy has its delivery decision");
        let agency = hub
            .directory
            .get(recipient)
            .expect("a copy goes to a registered agency");
        assert_ne!(recipient, &decoded.sender, "a copy went back to its sender");
        assert!(
            envelope.recipients.contains(recipient),
            "a copy went to an agency the envelope does not name"
        );
        assert!(
            !envelope.purpose.is_forbidden(),
            "a forbidden purpose passed"
        );
        assert_eq!(copy.message_id, envelope.message_id.as_uuid());

        let got = schemas::decode(&copy.payload).expect("what a recipient gets decodes");
        assert_eq!(got.envelope.message_id, envelope.message_id);
        assert_eq!(
            got.envelope.sender, decoded.sender,
            "a copy names the authenticated sender"
        );
        assert!(
            !got.body.has_copies_for_others(recipient),
            "a copy carries sealed copies for others"
        );
        let gateway = got
            .envelope
            .gateway
            .as_ref()
            .expect("a copy names its gateway");
        assert_eq!(decision.gateway.as_deref(), Some(gateway.as_str()));
        for category in got.body.categories().all() {
            assert!(
                decision.categories.contains(&category),
                "a copy carries {category:?}, which was not disclosed"
            );
            assert!(envelope.data_categories.contains(&category));
        }
        let forbidden = [
            DataCategory::Identity,
            DataCategory::Contact,
            DataCategory::ProtectedLocation,
        ];
        if agency.role == AgencyRole::NationalContactPoint {
            assert!(
                got.envelope.case_id.is_none(),
                "a case id reached the contact point"
            );
            assert!(
                decision.categories.iter().all(|c| !forbidden.contains(c)),
                "the contact point got identity, contact or location"
            );
        }
        if decision
            .categories
            .contains(&DataCategory::ProtectedLocation)
        {
            let allowed = hub
                .policy
                .hard_rules
                .protected_location_allow
                .contains(recipient);
            assert!(
                schemas::messages::may_hold_protected_location(
                    envelope.message_type,
                    agency.role,
                    allowed
                ),
                "a protected location went to an agency that may not hold it"
            );
        }
        match gateway.parse() {
            Gateway::Statute(id) => assert!(
                hub.policy.statutes.iter().any(|s| s.id == id),
                "a copy names a statute that is not configured"
            ),
            Gateway::Consent {
                consent_id,
                version,
            } => {
                let consent = consents
                    .iter()
                    .find(|c| c.record.consent_id == consent_id && c.record.version == version)
                    .expect("a copy names a consent the hub holds");
                assert_eq!(
                    envelope.subject.as_ref(),
                    Some(&consent.record.subject),
                    "delivered under another person's consent"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_passes_intake_and_routing_compact_and_pretty() {
        for text in EXAMPLES {
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            check(&serde_json::to_vec(&value).unwrap());
            check(&serde_json::to_vec_pretty(&value).unwrap());
        }
    }

    #[test]
    fn attacks_on_the_bytes_are_refused_without_panicking() {
        let notice = EXAMPLES
            .iter()
            .find(|e| e.contains("\"message_type\": \"ReleaseNotice\""))
            .expect("the release notice example")
            .as_bytes();
        let deep = ["[".repeat(50_000), "]".repeat(50_000)].concat();
        let splice = |with: &[u8]| {
            let at = notice
                .windows(6)
                .position(|w| w == b"\"Mette")
                .expect("the officer's name");
            [&notice[..at], with, &notice[at + 6..]].concat()
        };
        for bytes in [
            Vec::new(),
            b"null".to_vec(),
            deep.into_bytes(),
            splice(b"\"\xff\xfe"),
            splice(b"\"\\ud800"),
            vec![b' '; MAX_BYTES + 1],
            notice.iter().copied().chain(*b" ").collect(),
        ] {
            check(&bytes);
        }
    }
}
