//! What each message type carries: its data categories (mandatory or optional, sealed or
//! not), its name and the other personal data it holds, or why it holds none.

use std::collections::BTreeSet;

use schemas::messages::{carries_identity, sealed_field};
use schemas::{DataCategory, MessageType};

use super::vocabulary::{CATEGORIES, sensitivity};
use super::{CategoryEntry, Presence};

/// The categories a message type's fields can carry: mandatory ones, and optional ones.
/// Must agree with [`schemas::Body::categories`] (checked by this module's tests against the
/// examples and against bodies with every attachment and answer category).
pub(super) fn carried(message_type: MessageType) -> (Vec<DataCategory>, Vec<DataCategory>) {
    use DataCategory as C;
    let any = |mandatory: &[DataCategory]| -> Vec<DataCategory> {
        CATEGORIES
            .iter()
            .copied()
            .filter(|c| !mandatory.contains(c))
            .collect()
    };
    match message_type {
        // The person's identity, sealed, where the sender has it to give.
        MessageType::ReleaseNotice => (
            vec![C::SentenceRelease],
            vec![C::EconomyBenefits, C::Identity],
        ),
        // Typed attachments: each of any category.
        MessageType::HandoverRequest => (vec![C::CaseStatus], any(&[C::CaseStatus])),
        MessageType::HandoverResponse
        | MessageType::HandoverCancelled
        | MessageType::CaseClosed
        | MessageType::Escalation => (vec![C::CaseStatus], Vec::new()),
        MessageType::RelocationRequest => (
            vec![C::RiskNeed, C::CaseStatus, C::ProtectedLocation],
            vec![C::Identity],
        ),
        MessageType::RelocationConfirmed => (vec![C::CaseStatus], vec![C::ProtectedLocation]),
        // Answers: each of any category.
        MessageType::InformationResponse => (Vec::new(), any(&[])),
        MessageType::RiskNeedSummary => (vec![C::RiskNeed], Vec::new()),
        MessageType::OutcomeReport => (vec![C::Outcome], Vec::new()),
        MessageType::ConsentGranted
        | MessageType::ConsentWithdrawn
        | MessageType::InformationRequest
        | MessageType::Receipt
        | MessageType::Undeliverable
        | MessageType::KeyPublished
        | MessageType::KeyDirectory
        | MessageType::PersonLinked => (Vec::new(), Vec::new()),
    }
}

/// Every category of both lists, in the vocabulary's order.
pub(super) fn all_of(mandatory: &[DataCategory], optional: &[DataCategory]) -> Vec<DataCategory> {
    let all: BTreeSet<DataCategory> = mandatory.iter().chain(optional).copied().collect();
    all.into_iter().collect()
}

pub(super) fn entries(
    message_type: Option<MessageType>,
    mandatory: &[DataCategory],
    optional: &[DataCategory],
) -> Vec<CategoryEntry> {
    let entry = |category: DataCategory, presence: Presence| {
        let (special_category, criminal_offence, _) = sensitivity(category);
        CategoryEntry {
            category,
            presence,
            special_category,
            criminal_offence,
            sealed: (category == DataCategory::ProtectedLocation
                && message_type.is_some_and(|t| sealed_field(t).is_some()))
                || (category == DataCategory::Identity
                    && message_type.is_some_and(carries_identity)),
        }
    };
    let mut out: Vec<CategoryEntry> = CATEGORIES
        .iter()
        .filter(|c| mandatory.contains(c))
        .map(|&c| entry(c, Presence::Mandatory))
        .collect();
    out.extend(
        CATEGORIES
            .iter()
            .filter(|c| optional.contains(c) && !mandatory.contains(c))
            .map(|&c| entry(c, Presence::Optional)),
    );
    out
}

/// The activity's name and the personal data it carries besides the categories' content.
pub(super) fn about(message_type: MessageType) -> (&'static str, &'static [&'static str]) {
    const ENVELOPE: &str = "The person's hub pseudonym and the case id (envelope), and that this agency sent this message about them, when.";
    match message_type {
        MessageType::ReleaseNotice => (
            "Release notice",
            &[
                ENVELOPE,
                "The prison's contact officer: name, work phone and work e-mail.",
            ],
        ),
        MessageType::HandoverRequest => (
            "Handover request",
            &[
                ENVELOPE,
                "The reason and plan summary in free text (declared as CASE_STATUS); each attachment declares its own category.",
            ],
        ),
        MessageType::HandoverResponse => (
            "Handover response",
            &[ENVELOPE, "The answer and, for a rejection, its reason."],
        ),
        MessageType::HandoverCancelled => (
            "Handover cancelled",
            &[
                ENVELOPE,
                "Which handover the requester cancels and why, in free text (CASE_STATUS).",
            ],
        ),
        MessageType::RelocationRequest => (
            "Relocation request",
            &[
                ENVELOPE,
                "The threat level (RISK_NEED), the needed-by date, needs at the destination in free text (CASE_STATUS); the destination, sealed (PROTECTED_LOCATION).",
            ],
        ),
        MessageType::RelocationConfirmed => (
            "Relocation confirmed",
            &[
                ENVELOPE,
                "The move date and the new owning agency; the new address, sealed for the police protection unit only.",
            ],
        ),
        MessageType::ConsentGranted => (
            "Consent recorded",
            &[
                "The consent record: the person's pseudonym, jurisdiction and programme; who signed (the person, or a guardian for a minor), when and how; the day a minor turns 18; the custodian agency; a SHA-256 hash of the signed form (the form stays with the custodian); the period and the provisions.",
            ],
        ),
        MessageType::PersonLinked => (
            "Person linked",
            &[
                ENVELOPE,
                "The person's previous pseudonym and why it changed (a changed identity number, a rotated pseudonym key); the hub records only that the two pseudonyms are one person.",
            ],
        ),
        MessageType::ConsentWithdrawn => (
            "Consent withdrawn",
            &[
                ENVELOPE,
                "The consent's id, when the person withdrew it and what the withdrawal covers.",
            ],
        ),
        MessageType::InformationRequest => (
            "Information request",
            &[
                ENVELOPE,
                "The categories asked for and the question in free text. The question declares no category of its own; a sender declares any it holds.",
            ],
        ),
        MessageType::InformationResponse => (
            "Information response",
            &[
                ENVELOPE,
                "Answers in free text, each under its category; whether the answer is partial.",
            ],
        ),
        MessageType::RiskNeedSummary => (
            "Risk and need summary",
            &[
                ENVELOPE,
                "The instrument and the assessment date; no item scores.",
            ],
        ),
        MessageType::OutcomeReport => (
            "Outcome report",
            &[
                ENVELOPE,
                "The end reason (which can be death) and the end date.",
                "The contact point receives the pseudonym as the sender wrote it: outcome reports are not given the contact point's own pseudonym.",
            ],
        ),
        MessageType::CaseClosed => (
            "Case closed",
            &[ENVELOPE, "The reason (which can be death) and the time."],
        ),
        MessageType::Receipt => (
            "Receipt",
            &[
                "The answered message's id, case id and pseudonym; the agencies it was delivered to and refused for, with reason codes.",
            ],
        ),
        MessageType::Undeliverable => (
            "Undeliverable",
            &[
                "The answered message's id, and its case id and pseudonym when it could be read; a reason code and a detail that names the offending field, never its value.",
            ],
        ),
        MessageType::Escalation => (
            "Deadline escalation",
            &[
                "To a coordinator: the person's pseudonym and the case id. To the national contact point: a pseudonym under the contact point's own key and no case id.",
                "The agencies (none to the contact point when the case had a relocation), the case's stage, the due date and the days overdue.",
            ],
        ),
        MessageType::KeyPublished => ("Sealing key published", &[]),
        MessageType::KeyDirectory => ("Key directory", &[]),
    }
}

/// Message types whose content is no personal data at all.
pub(super) fn without_personal_data(message_type: MessageType) -> Option<&'static str> {
    match message_type {
        MessageType::KeyPublished => {
            Some("An agency's public sealing key and its id: about the agency, no personal data.")
        }
        MessageType::KeyDirectory => Some(
            "Every agency's public sealing keys, as the hub distributes them: no personal data.",
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use schemas::Body;
    use serde_json::{Value, json};

    use super::*;
    use crate::register::test_fixtures::examples_dir;

    fn example(t: MessageType) -> Value {
        let path = examples_dir().join(format!("{t}.json"));
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    }

    fn body_categories(message: &Value) -> schemas::messages::Categories {
        let decoded = schemas::decode(&serde_json::to_vec(message).unwrap())
            .unwrap_or_else(|e| panic!("{e}"));
        decoded.body.categories()
    }

    /// The register's table of what each type carries agrees with the schemas' own
    /// `Body::categories`: on every example, and on bodies with an attachment or answer of
    /// every category.
    #[test]
    fn carried_categories_agree_with_the_schemas() {
        for &t in MessageType::ALL {
            let (mandatory, optional) = carried(t);
            let got = body_categories(&example(t));
            assert_eq!(
                got.mandatory,
                mandatory.iter().copied().collect::<BTreeSet<_>>(),
                "{t}: mandatory"
            );
            assert!(
                got.optional.iter().all(|c| optional.contains(c)),
                "{t}: optional {:?} not in {optional:?}",
                got.optional
            );
        }
        let names: Vec<Value> = CATEGORIES.iter().map(|c| json!(c)).collect();
        let mut request = example(MessageType::HandoverRequest);
        request["body"]["attachments"] = names
            .iter()
            .map(|c| {
                json!({"title": "a", "category": c, "media_type": "text/plain", "content_base64": "YQ=="})
            })
            .collect();
        request["envelope"]["data_categories"] = json!(names);
        let mut response = example(MessageType::InformationResponse);
        response["body"]["answers"] = names
            .iter()
            .map(|c| json!({"category": c, "text": "a"}))
            .collect();
        response["envelope"]["data_categories"] = json!(names);
        for (t, message) in [
            (MessageType::HandoverRequest, request),
            (MessageType::InformationResponse, response),
        ] {
            let (mandatory, optional) = carried(t);
            let got = body_categories(&message);
            let all: BTreeSet<DataCategory> = mandatory.into_iter().chain(optional).collect();
            assert_eq!(got.all(), all, "{t}");
        }
        let mut notice = example(MessageType::ReleaseNotice);
        assert!(
            notice["body"].get("needs").is_some(),
            "the example has needs"
        );
        notice["body"].as_object_mut().unwrap().remove("needs");
        assert_eq!(
            body_categories(&notice).all(),
            [DataCategory::SentenceRelease].into()
        );
        assert!(matches!(
            schemas::decode(&serde_json::to_vec(&example(MessageType::Escalation)).unwrap())
                .unwrap()
                .body,
            Body::Escalation(_)
        ));
    }
}
