//! How messages read for a caseworker: plain words, dates, who and why. Pure.
//!
//! [`facts`] turns a message into a title and labelled lines; the command line prints them
//! as text ([`describe`]) and the inbox page as a definition list. [`consent_sentences`]
//! says what a consent record version allows, one sentence per provision. A sealed field
//! opened for the reader ([`crate::sealing::SealedView`]) reads as its own lines
//! ([`sealed_lines`], [`describe_opened`]).

use std::fmt::Write;

use chrono::NaiveDate;
use schemas::messages::{
    CaseEndReason, ConsentRecord, HandoverOutcome, NeedLevel, Provision, RecipientSelector,
    ReleaseNotice, SealedIdentity, WithdrawalScope,
};
use schemas::{
    AgencyRole, Body, DataCategory, Gateway, Jurisdiction, Message, MessageType, Purpose,
};

use crate::http::words::{t, t_with};
use crate::people::IdentityView;
use crate::sealing::{SealedState, SealedView};

/// A message in plain words: what it is, who sent it, and labelled lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// What kind of message, e.g. "Handover request".
    pub title: &'static str,
    /// The sending agency.
    pub sender: String,
    /// Labelled lines, in reading order.
    pub lines: Vec<(&'static str, String)>,
}

impl Facts {
    fn line(&mut self, label: &'static str, value: impl Into<String>) {
        self.lines.push((label, value.into()));
    }
}

/// A few lines describing `message` for a caseworker.
pub fn describe(message: &Message) -> String {
    describe_opened(message, None, None)
}

/// What `agent show` prints: [`describe_opened`] with every character that could steer a
/// terminal (escape sequences, bidi overrides) in another agency's free text made visible.
pub fn describe_for_terminal(
    message: &Message,
    sealed: Option<&SealedView>,
    identity: Option<&IdentityView>,
) -> String {
    broker::terminal::printable(&describe_opened(message, sealed, identity))
}

/// [`describe`], with the message's sealed fields as this agency could open them (or why
/// not): the location, and who the person is in place of the pseudonym. The text holds the
/// plaintext: show it, never store or log it.
pub fn describe_opened(
    message: &Message,
    sealed: Option<&SealedView>,
    identity: Option<&IdentityView>,
) -> String {
    let mut facts = facts(message);
    if let Some(view) = sealed {
        facts.lines.extend(sealed_lines(view));
    }
    if let Some(view) = identity {
        with_identity(&mut facts, view);
    }
    let width = facts.lines.iter().map(|(l, _)| l.len()).max().unwrap_or(0) + 1;
    let mut out = String::new();
    let _ = writeln!(out, "{} from {}", facts.title, facts.sender);
    for (label, value) in &facts.lines {
        let label = format!("{label}:");
        let _ = writeln!(out, "  {label:<width$} {value}", width = width);
    }
    out
}

/// Puts who the person is, as this agency could open it, in place of the pseudonym line.
pub fn with_identity(facts: &mut Facts, view: &IdentityView) {
    let words = match view {
        IdentityView::Shared(identity) => person_words(identity),
        IdentityView::NotShared => t("value-identity-not-shared"),
        IdentityView::Unreadable(reason) => {
            t_with("value-identity-unreadable", &[("why", reason.clone())])
        }
    };
    match facts.lines.iter_mut().find(|(label, _)| *label == "person") {
        Some(line) => line.1 = words,
        None => facts.line("person", words),
    }
}

/// A person in a line: name, number as its country writes it, date of birth.
pub fn person_words(identity: &SealedIdentity) -> String {
    t_with(
        "value-person",
        &[
            ("name", identity.name.to_string()),
            ("label", number_label(identity.jurisdiction)),
            (
                "number",
                written_number(identity.jurisdiction, identity.national_id.as_str()),
            ),
            ("born", identity.date_of_birth.to_string()),
        ],
    )
}

/// What a country calls its national identity number.
pub fn number_label(jurisdiction: Jurisdiction) -> String {
    match jurisdiction {
        Jurisdiction::DK => t("value-number-dk"),
        Jurisdiction::NO => t("value-number-no"),
        Jurisdiction::SE => t("value-number-se"),
    }
}

/// A normalised number as its country writes it: `DDMMYY-SSSS`, `DDMMYY IIIKK`,
/// `YYYYMMDD-NNNN`. Anything unexpected is shown as it is.
pub fn written_number(jurisdiction: Jurisdiction, normalised: &str) -> String {
    let split = match (jurisdiction, normalised.len()) {
        (Jurisdiction::DK, 10) | (Jurisdiction::NO, 11) => 6,
        (Jurisdiction::SE, 12) => 8,
        _ => return normalised.to_owned(),
    };
    let separator = if jurisdiction == Jurisdiction::NO {
        " "
    } else {
        "-"
    };
    match (normalised.get(..split), normalised.get(split..)) {
        (Some(date), Some(rest)) => format!("{date}{separator}{rest}"),
        _ => normalised.to_owned(),
    }
}

tokio::task_local! {
    /// The time zone times are shown in, for the work in hand (the page and `agent show`
    /// set it to the agency's; see [`zone_of`]).
    pub static ZONE: chrono_tz::Tz;
}

/// The time zone of an agency's jurisdiction, by its id's country prefix (`dk-`, `no-`,
/// `se-`); UTC for any other id.
pub fn zone_of(agency: &schemas::AgencyId) -> chrono_tz::Tz {
    match agency.as_str().split('-').next() {
        Some("dk") => chrono_tz::Europe::Copenhagen,
        Some("no") => chrono_tz::Europe::Oslo,
        Some("se") => chrono_tz::Europe::Stockholm,
        _ => chrono_tz::UTC,
    }
}

/// A time as caseworkers read it: in the zone of [`ZONE`] (UTC when none is set), with the
/// zone's abbreviation (`2026-12-03 16:14 CET`).
pub fn local_time(t: chrono::DateTime<chrono::Utc>) -> String {
    let zone = ZONE.try_with(|z| *z).unwrap_or(chrono_tz::UTC);
    t.with_timezone(&zone)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

/// The message in plain words, in the language of the work in hand (English outside a
/// request), agencies by name where [`NAMES`] knows them.
pub fn facts(message: &Message) -> Facts {
    let e = &message.envelope;
    let mut f = Facts {
        title: type_title(e.message_type),
        sender: e.sender.to_string(),
        lines: Vec::new(),
    };
    if let Some(case) = &e.case_id {
        f.line("case", case.to_string());
    }
    if let Some(subject) = &e.subject {
        f.line(
            "person",
            t_with("value-pseudonym", &[("pseudonym", subject.to_string())]),
        );
    }
    f.line("sent", local_time(e.sent_at));
    f.line("purpose", purpose(e.purpose));
    if let Some(gateway) = &e.gateway {
        let under = match gateway.parse() {
            Gateway::Statute(id) => t_with("value-under-statute", &[("statute", id.to_string())]),
            Gateway::Consent { version, .. } => {
                t_with("value-under-consent", &[("version", version.to_string())])
            }
        };
        f.line("shared under", under);
    }
    if let Some(by) = &e.sent_by {
        let role = match by.role {
            schemas::StaffRole::Caseworker => t("value-staff-caseworker"),
            schemas::StaffRole::Coordinator => t("value-staff-coordinator"),
        };
        f.line(
            "sent by",
            t_with(
                "value-sent-by",
                &[("name", by.name.to_string()), ("role", role)],
            ),
        );
    }
    body_facts(&mut f, &message.body);
    f
}

/// The lines of a message's body.
fn body_facts(f: &mut Facts, body: &Body) {
    match body {
        Body::ReleaseNotice(n) => release_notice(f, n),
        Body::HandoverRequest(h) => {
            f.line("respond by", h.respond_by.to_string());
            f.line("why", h.reason.to_string());
            f.line("plan so far", h.plan_summary.to_string());
            for a in &h.attachments {
                f.line(
                    "attachment",
                    format!("{} ({})", a.title, category_words(a.category)),
                );
            }
        }
        Body::HandoverResponse(r) => {
            let outcome = match r.outcome {
                HandoverOutcome::Received => t("value-outcome-received"),
                HandoverOutcome::Accepted => t("value-outcome-accepted"),
                HandoverOutcome::Rejected => t("value-outcome-rejected"),
            };
            f.line("answer", outcome);
            if let Some(reason) = &r.reason {
                f.line("why", reason.to_string());
            }
        }
        Body::HandoverCancelled(c) => {
            f.line("answer", t("value-handover-cancelled"));
            f.line("why", c.reason.to_string());
        }
        Body::ConsentGranted(c) => {
            let r = &c.consent;
            f.line(
                "consent",
                t_with(
                    "value-consent-version",
                    &[("version", r.version.to_string())],
                ),
            );
            f.line("programme", r.programme.to_string());
            f.line("period", period_words(r.period.start, r.period.end));
            for sentence in consent_sentences(r) {
                f.line("allows", sentence);
            }
        }
        Body::ConsentWithdrawn(w) => {
            f.line("withdrawn", local_time(w.withdrawn_at));
            f.line("covers", withdrawal_scope(&w.scope));
        }
        Body::Receipt(r) => {
            let to: Vec<String> = r
                .delivered_to
                .iter()
                .map(|a| agency_name(a.as_str()))
                .collect();
            f.line(
                "delivered",
                if to.is_empty() {
                    t("value-nobody")
                } else {
                    join_words(&to)
                },
            );
            for refusal in &r.refused {
                f.line(
                    "refused",
                    format!(
                        "{} ({})",
                        agency_name(refusal.recipient.as_str()),
                        refusal.reason
                    ),
                );
            }
        }
        Body::RelocationRequest(r) => {
            f.line(
                "threat level",
                t(&format!("threat-level-{}", wire(&r.threat_level))),
            );
            f.line("needed by", r.needed_by.to_string());
            f.line("needs", r.needs.to_string());
        }
        Body::RelocationConfirmed(r) => {
            f.line("moved on", r.move_date.to_string());
            f.line("new case owner", agency_name(r.new_owner.as_str()));
        }
        Body::InformationRequest(r) => {
            let asked: Vec<String> = r
                .categories_requested
                .iter()
                .map(|c| category_words(*c))
                .collect();
            f.line("asks about", join_words(&asked));
            f.line("question", r.question.to_string());
        }
        Body::InformationResponse(r) => {
            for answer in &r.answers {
                f.line(
                    "answer",
                    format!("{}: {}", category_words(answer.category), answer.text),
                );
            }
            if r.partial {
                f.line("partial", t("value-partial"));
            }
        }
        Body::RiskNeedSummary(r) => {
            f.line("instrument", r.instrument.to_string());
            f.line("assessed on", r.assessed_on.to_string());
            f.line("risk level", t(&format!("risk-level-{}", wire(&r.level))));
            let needs: Vec<String> = r
                .top_needs
                .iter()
                .map(|n| t(&format!("need-area-{}", wire(n))))
                .collect();
            f.line("top needs", needs.join(", "));
        }
        Body::OutcomeReport(r) => {
            f.line("case ended", end_reason(r.end_reason));
            f.line("ended on", r.ended_on.to_string());
            f.line("no new serious charge", known(r.no_new_serious_charge_12m));
            f.line("in education or job", known(r.in_education_or_job_3m));
        }
        Body::CaseClosed(c) => {
            f.line("case ended", end_reason(c.reason));
            f.line("closed", local_time(c.closed_at));
        }
        Body::Escalation(x) => {
            f.line(
                "deadline",
                t_with(
                    "value-escalation",
                    &[
                        ("deadline", t(&format!("deadline-{}", wire(&x.deadline)))),
                        ("due", x.due.to_string()),
                        ("days", x.days_overdue.to_string()),
                    ],
                ),
            );
            let agencies: Vec<String> =
                x.agencies.iter().map(|a| agency_name(a.as_str())).collect();
            f.line("agencies", agencies.join(" → "));
            f.line("stage", t(&format!("stage-{}", wire(&x.stage))));
        }
        Body::Undeliverable(u) => {
            f.line("reason", format!("{} - {}", u.reason, u.detail));
        }
        Body::PersonLinked(_) => f.line("person", t("value-person-linked")),
        Body::KeyPublished(_) | Body::KeyDirectory(_) => {}
    }
}

/// A wire name of a vocabulary value (`snake_case` or `SCREAMING_CASE`), for a Fluent id.
fn wire<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Why a case ended, in words.
fn end_reason(reason: CaseEndReason) -> String {
    t(&format!("end-reason-{}", wire(&reason)))
}

/// A follow-up answer that may not be known yet.
fn known(answer: Option<bool>) -> String {
    match answer {
        Some(true) => t("send-yes"),
        Some(false) => t("send-no"),
        None => t("send-not-known-yet"),
    }
}

/// "2026-11-20 to 2027-11-19", in words.
fn period_words(start: NaiveDate, end: NaiveDate) -> String {
    t_with(
        "value-period",
        &[("start", start.to_string()), ("end", end.to_string())],
    )
}

/// A sealed field as labelled lines: the location when it opened, or why it did not.
pub fn sealed_lines(view: &SealedView) -> Vec<(&'static str, String)> {
    let label = sealed_label(view.field);
    match &view.state {
        SealedState::Readable(l) => {
            let mut lines = vec![(
                label,
                format!("{}, {} {}", l.address, l.postal_code, l.city),
            )];
            if let Some(notes) = &l.notes {
                lines.push(("location notes", notes.to_string()));
            }
            lines
        }
        SealedState::Unreadable(reason) => vec![(label, reason.clone())],
    }
}

/// What a sealed field is called for a caseworker, e.g. "destination".
pub fn sealed_label(field: &str) -> &'static str {
    match field {
        "sealed_destination" => "destination",
        "sealed_address" => "new address",
        _ => "sealed location",
    }
}

/// What a message type is called in `agent show` (the page has its own words per language).
pub fn type_title(message_type: MessageType) -> &'static str {
    match message_type {
        MessageType::ReleaseNotice => "Release notice",
        MessageType::HandoverRequest => "Handover request",
        MessageType::HandoverResponse => "Handover response",
        MessageType::HandoverCancelled => "Handover cancelled",
        MessageType::RelocationRequest => "Relocation request",
        MessageType::RelocationConfirmed => "Relocation confirmed",
        MessageType::ConsentGranted => "Consent granted",
        MessageType::ConsentWithdrawn => "Consent withdrawn",
        MessageType::InformationRequest => "Information request",
        MessageType::InformationResponse => "Information response",
        MessageType::RiskNeedSummary => "Risk and need summary",
        MessageType::OutcomeReport => "Outcome report",
        MessageType::CaseClosed => "Case closed",
        MessageType::Receipt => "Receipt",
        MessageType::Undeliverable => "UNDELIVERABLE (the hub refused a message)",
        MessageType::Escalation => "ESCALATION: a deadline was missed",
        MessageType::KeyPublished => "Sealing key published",
        MessageType::KeyDirectory => "Key directory",
        MessageType::PersonLinked => "Person linked (new identity number)",
    }
}

fn release_notice(f: &mut Facts, n: &ReleaseNotice) {
    f.line("expected release", n.expected_release.to_string());
    if let Some(earliest) = n.earliest_release {
        f.line("earliest release", earliest.to_string());
    }
    let supervision = t(&format!("supervision-{}", wire(&n.supervision.kind)));
    match n.supervision.until {
        Some(until) => f.line(
            "supervision",
            t_with(
                "value-supervision-until",
                &[("supervision", supervision), ("until", until.to_string())],
            ),
        ),
        None => f.line("supervision", supervision),
    }
    if let Some(needs) = &n.needs {
        f.line("housing need", need(needs.housing));
        f.line("income need", need(needs.income));
    }
    f.line("contact officer", n.contact_officer.name.to_string());
}

fn need(level: NeedLevel) -> String {
    t(&format!("need-{}", wire(&level)))
}

/// A data category as written on the wire (gateways and the API use these names).
pub fn category(c: DataCategory) -> &'static str {
    match c {
        DataCategory::Identity => "IDENTITY",
        DataCategory::Contact => "CONTACT",
        DataCategory::ProtectedLocation => "PROTECTED_LOCATION",
        DataCategory::SentenceRelease => "SENTENCE_RELEASE",
        DataCategory::CriminalHistory => "CRIMINAL_HISTORY",
        DataCategory::RiskNeed => "RISK_NEED",
        DataCategory::HealthSubstance => "HEALTH_SUBSTANCE",
        DataCategory::EconomyBenefits => "ECONOMY_BENEFITS",
        DataCategory::EducationEmployment => "EDUCATION_EMPLOYMENT",
        DataCategory::CaseStatus => "CASE_STATUS",
        DataCategory::Outcome => "OUTCOME",
    }
}

/// A data category in words, e.g. "sentence and release".
pub fn category_words(c: DataCategory) -> String {
    t(&format!("category-{}", category(c)))
}

/// A purpose in words.
pub fn purpose(p: Purpose) -> String {
    t(&format!("purpose-{}", wire(&p)))
}

/// An agency role in words.
pub fn role(r: AgencyRole) -> String {
    t(&format!("agency-role-{}", wire(&r)))
}

tokio::task_local! {
    /// Agency names by id, for the work in hand (the page sets it from the key directory);
    /// without it agencies read as their ids.
    pub static NAMES: std::collections::BTreeMap<String, String>;
}

/// An agency by name where [`NAMES`] knows it, else by id.
pub(crate) fn agency_name(id: &str) -> String {
    NAMES
        .try_with(|names| names.get(id).cloned())
        .ok()
        .flatten()
        .unwrap_or_else(|| id.to_owned())
}

fn withdrawal_scope(scope: &WithdrawalScope) -> String {
    match scope {
        WithdrawalScope::Entire => t("value-withdrawn-entire"),
        WithdrawalScope::Recipients(list) => {
            let names: Vec<String> = list.iter().map(|a| agency_name(a.as_str())).collect();
            t_with("value-withdrawn-sharing", &[("whom", join_words(&names))])
        }
    }
}

/// What one consent record version allows, one sentence per provision, e.g. "Shares
/// sentence and release and the state of the case with municipality and prison service for
/// release coordination until 2027-11-19". A nested provision flips its parent's effect, so
/// it reads as an exception ("Except: does not share ...").
pub fn consent_sentences(record: &ConsentRecord) -> Vec<String> {
    let mut out = Vec::new();
    for p in &record.provisions {
        provision_sentences(p, 0, record.period.end, &mut out);
    }
    if out.is_empty() {
        out.push(t("consent-s-nothing"));
    }
    out
}

fn provision_sentences(p: &Provision, depth: usize, until: NaiveDate, out: &mut Vec<String>) {
    let shares = depth.is_multiple_of(2);
    let what = if p.categories.is_empty() {
        t("consent-s-any-data")
    } else {
        let names: Vec<String> = p.categories.iter().map(|c| category_words(*c)).collect();
        join_words(&names)
    };
    let lead = match (depth, shares) {
        (0, _) => "consent-s-shares",
        (_, true) => "consent-s-except-shares",
        (_, false) => "consent-s-except-not",
    };
    let mut parts = vec![t_with(lead, &[("what", what)])];
    if !p.recipients.is_empty() {
        let names: Vec<String> = p
            .recipients
            .iter()
            .map(|r| match r {
                RecipientSelector::Role(role_) => role(*role_),
                RecipientSelector::Agency(id) => agency_name(id.as_str()),
            })
            .collect();
        parts.push(t_with("consent-s-with", &[("whom", join_words(&names))]));
    }
    if !p.message_types.is_empty() {
        let names: Vec<String> = p
            .message_types
            .iter()
            .map(|m| t(&format!("type-{}", m.as_str())).to_lowercase())
            .collect();
        parts.push(t_with("consent-s-in", &[("kinds", join_words(&names))]));
    }
    if !p.purposes.is_empty() {
        let names: Vec<String> = p.purposes.iter().map(|x| purpose(*x)).collect();
        parts.push(t_with("consent-s-for", &[("why", join_words(&names))]));
    }
    match p.period {
        Some(period) => parts.push(t_with(
            "consent-s-from-until",
            &[
                ("start", period.start.to_string()),
                ("end", period.end.to_string()),
            ],
        )),
        None if depth == 0 => {
            parts.push(t_with("consent-s-until", &[("end", until.to_string())]));
        }
        None => {}
    }
    let indent = "  ".repeat(depth.saturating_sub(1));
    out.push(format!("{indent}{}", parts.join(" ")));
    for child in &p.children {
        provision_sentences(child, depth + 1, until, out);
    }
}

/// "a", "a and b", "a, b and c", in the language of the work in hand.
pub(crate) fn join_words<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            t_with(
                "value-list",
                &[
                    ("init", init.join(", ")),
                    ("last", last.as_ref().to_owned()),
                ],
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn times_are_shown_in_the_agencys_local_time_with_summer_time() {
        let winter = chrono::DateTime::parse_from_rfc3339("2026-12-03T15:14:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let summer = chrono::DateTime::parse_from_rfc3339("2026-07-01T15:14:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let id = |s: &str| schemas::AgencyId::try_from(s).unwrap();
        let shown = |agency: &str, t| ZONE.sync_scope(zone_of(&id(agency)), || local_time(t));
        assert_eq!(
            shown("dk-kobenhavn-kommune", winter),
            "2026-12-03 16:14 CET"
        );
        assert_eq!(shown("no-oslo-kommune", summer), "2026-07-01 17:14 CEST");
        assert_eq!(shown("se-malmo-stad", summer), "2026-07-01 17:14 CEST");
        assert_eq!(shown("t1234-prison", winter), "2026-12-03 15:14 UTC");
        assert_eq!(local_time(winter), "2026-12-03 15:14 UTC", "no zone set");
    }

    fn example(name: &str) -> Message {
        let path = format!(
            "{}/../schemas/examples/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        schemas::decode(&std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn a_consent_reads_as_sentences_with_exceptions() {
        let Body::ConsentGranted(c) = example("ConsentGranted").body else {
            panic!()
        };
        let sentences = consent_sentences(&c.consent);
        assert_eq!(
            sentences[0],
            "Shares sentence and release, the state of the case, risk and needs and housing, \
             income and benefits with municipalities and the prison and probation service for \
             release coordination, reintegration planning and case coordination until 2027-11-19"
        );
        assert_eq!(
            sentences[1],
            "Except: does not share risk and needs with municipalities in handover request"
        );
        assert_eq!(
            sentences[2],
            "  Except: shares any information with dk-kobenhavn-kommune"
        );
        assert!(sentences[3].starts_with("Shares education and employment"));
        // In Danish, agencies by name where the page knows them, and no code anywhere.
        let names = [(
            "dk-kobenhavn-kommune".to_owned(),
            "Københavns Kommune".to_owned(),
        )];
        let danish = crate::http::words::LANG.sync_scope(crate::http::words::Lang::Da, || {
            NAMES.sync_scope(names.into_iter().collect(), || {
                consent_sentences(&c.consent)
            })
        });
        assert_eq!(
            danish[2],
            "  Undtagen: deler alle oplysninger med Københavns Kommune"
        );
        for sentence in &danish {
            assert!(!sentence.contains('_'), "a code in {sentence}");
            assert!(!sentence.contains("SENTENCE"), "a code in {sentence}");
        }
    }

    #[test]
    fn every_body_reads_in_words_without_codes() {
        for name in [
            "InformationRequest",
            "InformationResponse",
            "RiskNeedSummary",
            "OutcomeReport",
            "CaseClosed",
            "Escalation",
            "RelocationRequest",
        ] {
            let message = example(name);
            let facts = crate::http::words::LANG
                .sync_scope(crate::http::words::Lang::Sv, || facts(&message));
            assert!(facts.lines.len() > 3, "{name}: {facts:?}");
            for (label, value) in &facts.lines {
                if *label == "person" || *label == "case" {
                    continue;
                }
                let code = value
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .find(|w| w.len() > 3 && w.chars().all(|c| c.is_ascii_uppercase() || c == '_'));
                assert_eq!(code, None, "{name}: {label}: {value}");
                assert!(!value.contains('_'), "{name}: {label}: {value}");
            }
        }
        let report = crate::http::words::LANG.sync_scope(crate::http::words::Lang::Da, || {
            facts(&example("OutcomeReport"))
        });
        assert!(
            report
                .lines
                .contains(&("case ended", "Forløbet er gennemført".to_owned())),
            "{report:?}"
        );
    }

    #[test]
    fn a_handover_request_shows_its_deadline_and_plan() {
        let text = describe(&example("HandoverRequest"));
        assert!(text.starts_with("Handover request from dk-kriminalforsorgen\n"));
        assert!(text.contains("  respond by:   2027-01-08\n"), "{text}");
        assert!(text.contains("plan so far:"));
    }
}
