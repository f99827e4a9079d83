//! The consent record versions this agent has seen for a person, and where each stands.
//!
//! The agent knows only the `ConsentGranted` and `ConsentWithdrawn` messages in its own
//! outbox and inbox; the hub holds the authoritative record. The page says so.

use chrono::NaiveDate;
use schemas::messages::{ConsentRecord, WithdrawalScope};
use schemas::{Body, MessageType, Pseudonym};
use uuid::Uuid;

use crate::http::words::{reason_words, t, t_with};
use crate::present;
use crate::store::{SendStatus, Store, StoreError};

/// Where the agent saw a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seen {
    /// This agency sent it; the hub's answer so far, and its reason code when refused.
    Sent(SendStatus, Option<String>),
    /// Received from this agency.
    Received(String),
}

/// A withdrawal the agent saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Withdrawn {
    pub(crate) consent_id: Uuid,
    pub(crate) on: NaiveDate,
    pub(crate) scope: WithdrawalScope,
}

/// One version, in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VersionView {
    pub(crate) consent_id: Uuid,
    pub(crate) version: u32,
    pub(crate) programme: String,
    pub(crate) period: String,
    /// Whether it is the version in force, as far as this agent knows.
    pub(crate) in_force: bool,
    /// Where it stands, in words.
    pub(crate) status: String,
    /// Where the agent saw it.
    pub(crate) source: String,
    /// What it allows, one sentence per provision.
    pub(crate) sentences: Vec<String>,
}

/// Reads what the agent has seen about `subject` and says where each version stands.
pub(crate) async fn for_subject(
    store: &Store,
    subject: &Pseudonym,
    today: NaiveDate,
) -> Result<Vec<VersionView>, StoreError> {
    let granted = MessageType::ConsentGranted.as_str();
    let withdrawn = MessageType::ConsentWithdrawn.as_str();
    let mut seen = Vec::new();
    let mut withdrawals = Vec::new();
    let mut take = |payload: &[u8], origin: Option<Seen>| {
        let Ok(m) = schemas::decode(payload) else {
            return;
        };
        match m.body {
            Body::ConsentGranted(g) if &g.consent.subject == subject => {
                if let Some(origin) = origin {
                    seen.push((g.consent, origin));
                }
            }
            Body::ConsentWithdrawn(w) if m.envelope.subject.as_ref() == Some(subject) => {
                withdrawals.push(Withdrawn {
                    consent_id: w.consent_id,
                    on: w.withdrawn_at.date_naive(),
                    scope: w.scope,
                });
            }
            _ => {}
        }
    };
    for s in store.sent_of_type(granted, 1000).await? {
        take(&s.payload, Some(Seen::Sent(s.status, s.answer_reason)));
    }
    for r in store.received_of_type(granted, 1000).await? {
        take(&r.payload, Some(Seen::Received(r.sender)));
    }
    for s in store.sent_of_type(withdrawn, 1000).await? {
        if s.status != SendStatus::Refused {
            take(&s.payload, None);
        }
    }
    for r in store.received_of_type(withdrawn, 1000).await? {
        take(&r.payload, None);
    }
    Ok(views(seen, &withdrawals, today))
}

fn accepted(origin: &Seen) -> bool {
    match origin {
        Seen::Sent(status, _) => matches!(
            status,
            SendStatus::Delivered | SendStatus::PartiallyDelivered
        ),
        Seen::Received(_) => true,
    }
}

/// Pure: where each version stands, newest first within each record.
pub(crate) fn views(
    mut seen: Vec<(ConsentRecord, Seen)>,
    withdrawals: &[Withdrawn],
    today: NaiveDate,
) -> Vec<VersionView> {
    seen.sort_by(|(a, _), (b, _)| {
        (a.consent_id, std::cmp::Reverse(a.version))
            .cmp(&(b.consent_id, std::cmp::Reverse(b.version)))
    });
    seen.dedup_by(|(a, _), (b, _)| a.consent_id == b.consent_id && a.version == b.version);
    let latest_accepted = |id: Uuid| {
        seen.iter()
            .filter(|(r, o)| r.consent_id == id && accepted(o))
            .map(|(r, _)| r.version)
            .max()
    };
    seen.iter()
        .map(|(record, origin)| {
            let withdrawal = withdrawals
                .iter()
                .filter(|w| w.consent_id == record.consent_id)
                .min_by_key(|w| w.on);
            let (in_force, status) = match origin {
                Seen::Sent(SendStatus::Refused, reason) => (
                    false,
                    t_with(
                        "consent-status-refused",
                        &[("why", reason_words(reason.as_deref().unwrap_or("")))],
                    ),
                ),
                Seen::Sent(SendStatus::Queued | SendStatus::Sent, _) => {
                    (false, t("consent-status-unconfirmed"))
                }
                _ => match (latest_accepted(record.consent_id), withdrawal) {
                    (Some(latest), _) if latest > record.version => (
                        false,
                        t_with(
                            "consent-status-superseded",
                            &[("version", latest.to_string())],
                        ),
                    ),
                    (_, Some(w)) => match &w.scope {
                        WithdrawalScope::Entire => (
                            false,
                            t_with("consent-status-withdrawn", &[("on", w.on.to_string())]),
                        ),
                        WithdrawalScope::Recipients(list) => {
                            let names: Vec<String> = list
                                .iter()
                                .map(|a| present::agency_name(a.as_str()))
                                .collect();
                            (
                                true,
                                t_with(
                                    "consent-status-partly-withdrawn",
                                    &[
                                        ("whom", present::join_words(&names)),
                                        ("on", w.on.to_string()),
                                    ],
                                ),
                            )
                        }
                    },
                    _ if today > record.period.end => (
                        false,
                        t_with(
                            "consent-status-expired",
                            &[("on", record.period.end.to_string())],
                        ),
                    ),
                    _ if today < record.period.start => (
                        false,
                        t_with(
                            "consent-status-not-yet",
                            &[("on", record.period.start.to_string())],
                        ),
                    ),
                    _ => (true, t("consent-status-in-force")),
                },
            };
            VersionView {
                consent_id: record.consent_id,
                version: record.version,
                programme: record.programme.to_string(),
                period: t_with(
                    "value-period",
                    &[
                        ("start", record.period.start.to_string()),
                        ("end", record.period.end.to_string()),
                    ],
                ),
                in_force,
                status,
                source: match origin {
                    Seen::Sent(..) => t("consent-source-this-agency"),
                    Seen::Received(from) => t_with(
                        "consent-source-received",
                        &[("from", present::agency_name(from))],
                    ),
                },
                sentences: present::consent_sentences(record),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(version: u32) -> ConsentRecord {
        let path = format!(
            "{}/../schemas/examples/ConsentGranted.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let Body::ConsentGranted(g) = schemas::decode(&std::fs::read(path).unwrap()).unwrap().body
        else {
            panic!()
        };
        let mut r = g.consent;
        r.version = version;
        r
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_latest_accepted_version_is_in_force_until_withdrawn_or_expired() {
        let delivered = Seen::Sent(SendStatus::Delivered, None);
        let seen = vec![
            (record(1), delivered.clone()),
            (record(2), delivered.clone()),
            (
                record(3),
                Seen::Sent(SendStatus::Refused, Some("INVALID_CONSENT".into())),
            ),
        ];
        let v = views(seen.clone(), &[], day("2027-01-01"));
        let status: Vec<(u32, bool, &str)> = v
            .iter()
            .map(|v| (v.version, v.in_force, v.status.as_str()))
            .collect();
        assert_eq!(
            status,
            vec![
                (
                    3,
                    false,
                    "refused by the hub: The consent breaks a rule (a period over 12 months, \
                     a minor without a guardian, or the versions out of order). Correct the \
                     consent and record it again."
                ),
                (2, true, "in force"),
                (1, false, "superseded by version 2"),
            ]
        );
        let expired = views(seen.clone(), &[], day("2027-11-20"));
        assert_eq!(expired[1].status, "expired on 2027-11-19");
        let withdrawn = Withdrawn {
            consent_id: record(1).consent_id,
            on: day("2027-02-01"),
            scope: WithdrawalScope::Entire,
        };
        let v = views(seen, &[withdrawn], day("2027-03-01"));
        assert!(!v[1].in_force);
        assert_eq!(v[1].status, "withdrawn by the person on 2027-02-01");
    }
}
