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
    ConsentRecord, HandoverOutcome, NeedLevel, Provision, RecipientSelector, ReleaseNotice,
    SealedIdentity, SupervisionKind, ThreatLevel, WithdrawalScope,
};
use schemas::{
    AgencyRole, Body, DataCategory, Gateway, Jurisdiction, Message, MessageType, Purpose,
};

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
        IdentityView::NotShared => "identity not shared with your agency".to_owned(),
        IdentityView::Unreadable(reason) => format!("identity could not be opened: {reason}"),
    };
    match facts.lines.iter_mut().find(|(label, _)| *label == "person") {
        Some(line) => line.1 = words,
        None => facts.line("person", words),
    }
}

/// A person in a line: name, number as its country writes it, date of birth.
pub fn person_words(identity: &SealedIdentity) -> String {
    format!(
        "{}, {} {}, born {}",
        identity.name,
        number_label(identity.jurisdiction),
        written_number(identity.jurisdiction, identity.national_id.as_str()),
        identity.date_of_birth.format("%-d %B %Y")
    )
}

/// What a country calls its national identity number.
pub fn number_label(jurisdiction: Jurisdiction) -> &'static str {
    match jurisdiction {
        Jurisdiction::DK => "CPR",
        Jurisdiction::NO => "national identity number",
        Jurisdiction::SE => "personnummer",
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

/// The message in plain words.
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
        f.line("person", format!("{subject} (pseudonym)"));
    }
    f.line("sent", local_time(e.sent_at));
    f.line("purpose", purpose(e.purpose));
    if let Some(gateway) = &e.gateway {
        let under = match gateway.parse() {
            Gateway::Statute(id) => format!("statute {id}"),
            Gateway::Consent {
                consent_id,
                version,
            } => format!("the person's consent {consent_id}, version {version}"),
        };
        f.line("shared under", under);
    }
    if let Some(by) = &e.sent_by {
        let role = match by.role {
            schemas::StaffRole::Caseworker => "caseworker",
            schemas::StaffRole::Coordinator => "coordinator",
        };
        f.line("sent by", format!("{} ({role})", by.name));
    }
    match &message.body {
        Body::ReleaseNotice(n) => release_notice(&mut f, n),
        Body::HandoverRequest(h) => {
            f.line("respond by", h.respond_by.to_string());
            f.line("why", h.reason.to_string());
            f.line("plan so far", h.plan_summary.to_string());
            for a in &h.attachments {
                f.line(
                    "attachment",
                    format!("{} ({}, {})", a.title, category(a.category), a.media_type),
                );
            }
        }
        Body::HandoverResponse(r) => {
            let outcome = match r.outcome {
                HandoverOutcome::Received => "received (not yet decided)",
                HandoverOutcome::Accepted => "accepted: the case moves to them",
                HandoverOutcome::Rejected => "rejected",
            };
            f.line("answer", outcome);
            if let Some(reason) = &r.reason {
                f.line("why", reason.to_string());
            }
        }
        Body::HandoverCancelled(c) => {
            f.line(
                "answer",
                "cancelled by the sender: the case stays with them, nothing to answer",
            );
            f.line("handover", c.handover_id.to_string());
            f.line("why", c.reason.to_string());
        }
        Body::ConsentGranted(c) => {
            let r = &c.consent;
            f.line("consent", format!("{} version {}", r.consent_id, r.version));
            f.line("programme", r.programme.to_string());
            f.line("period", format!("{} to {}", r.period.start, r.period.end));
            for sentence in consent_sentences(r) {
                f.line("allows", sentence);
            }
        }
        Body::ConsentWithdrawn(w) => {
            f.line("consent", w.consent_id.to_string());
            f.line("withdrawn", local_time(w.withdrawn_at));
            f.line("covers", withdrawal_scope(&w.scope));
        }
        Body::Receipt(r) => {
            let to: Vec<&str> = r.delivered_to.iter().map(|a| a.as_str()).collect();
            f.line(
                "delivered",
                if to.is_empty() {
                    "nobody".into()
                } else {
                    to.join(", ")
                },
            );
            for refusal in &r.refused {
                f.line(
                    "refused",
                    format!("{} ({})", refusal.recipient, refusal.reason),
                );
            }
            f.line("answers", r.in_reply_to.to_string());
        }
        Body::RelocationRequest(r) => {
            f.line("relocation", r.relocation_id.to_string());
            f.line("threat level", threat(r.threat_level));
            f.line("needed by", r.needed_by.to_string());
            f.line("needs", r.needs.to_string());
        }
        Body::RelocationConfirmed(r) => {
            f.line("relocation", r.relocation_id.to_string());
            f.line("moved on", r.move_date.to_string());
            f.line("new case owner", r.new_owner.to_string());
        }
        Body::Escalation(x) => {
            let agencies: Vec<&str> = x.agencies.iter().map(|a| a.as_str()).collect();
            f.line(
                "deadline",
                format!(
                    "{:?}, due {}, {} days overdue",
                    x.deadline, x.due, x.days_overdue
                ),
            );
            f.line("agencies", agencies.join(" -> "));
            f.line("stage", format!("{:?}", x.stage));
        }
        Body::Undeliverable(u) => {
            f.line("reason", format!("{} - {}", u.reason, u.detail));
            if let Some(id) = u.in_reply_to {
                f.line("answers", id.to_string());
            }
        }
        _ => {}
    }
    f
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

fn threat(level: ThreatLevel) -> &'static str {
    match level {
        ThreatLevel::Low => "low",
        ThreatLevel::Moderate => "moderate",
        ThreatLevel::High => "HIGH",
        ThreatLevel::Severe => "SEVERE",
    }
}

/// What a message type is called for a caseworker.
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
    let supervision = match n.supervision.kind {
        SupervisionKind::None => "none",
        SupervisionKind::Parole => "parole",
        SupervisionKind::Probation => "probation",
        SupervisionKind::CommunitySentence => "community sentence",
    };
    match n.supervision.until {
        Some(until) => f.line("supervision", format!("{supervision} until {until}")),
        None => f.line("supervision", supervision),
    }
    if let Some(needs) = &n.needs {
        f.line("housing need", need(needs.housing));
        f.line("income need", need(needs.income));
    }
    f.line("contact officer", n.contact_officer.name.to_string());
}

fn need(level: NeedLevel) -> &'static str {
    match level {
        NeedLevel::None => "none",
        NeedLevel::NeedsSupport => "needs support",
        NeedLevel::Urgent => "URGENT",
        NeedLevel::Unknown => "not known",
    }
}

/// A data category as written on the wire (caseworkers and gateways use these names).
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

/// A purpose in plain words.
pub fn purpose(p: Purpose) -> &'static str {
    match p {
        Purpose::ReintegrationPlanning => "reintegration planning",
        Purpose::ReleaseCoordination => "release coordination",
        Purpose::RelocationSafety => "relocation safety",
        Purpose::CaseCoordination => "case coordination",
        Purpose::OutcomeStatistics => "outcome statistics",
        Purpose::CriminalInvestigation => "criminal investigation",
        Purpose::BenefitFraudControl => "benefit-fraud control",
    }
}

/// An agency role in plain words.
pub fn role(r: AgencyRole) -> &'static str {
    match r {
        AgencyRole::Municipality => "municipality",
        AgencyRole::Police => "police",
        AgencyRole::PrisonProbation => "prison service",
        AgencyRole::Employment => "employment service",
        AgencyRole::NationalContactPoint => "national contact point",
    }
}

fn withdrawal_scope(scope: &WithdrawalScope) -> String {
    match scope {
        WithdrawalScope::Entire => "the whole consent".into(),
        WithdrawalScope::Recipients(list) => {
            let names: Vec<&str> = list.iter().map(|a| a.as_str()).collect();
            format!("sharing with {} only", join_words(&names))
        }
    }
}

/// What one consent record version allows, one sentence per provision, e.g. "Shares
/// SENTENCE_RELEASE, CASE_STATUS with municipality and prison service for release
/// coordination until 2027-11-19". A nested provision flips its parent's effect, so it reads
/// as an exception ("Except: does not share ...").
pub fn consent_sentences(record: &ConsentRecord) -> Vec<String> {
    let mut out = Vec::new();
    for p in &record.provisions {
        provision_sentences(p, 0, record.period.end, &mut out);
    }
    if out.is_empty() {
        out.push("Shares nothing: the record has no provisions.".into());
    }
    out
}

fn provision_sentences(p: &Provision, depth: usize, until: NaiveDate, out: &mut Vec<String>) {
    let shares = depth.is_multiple_of(2);
    let mut s = String::new();
    if depth > 0 {
        s.push_str(&"  ".repeat(depth - 1));
        s.push_str("Except: ");
    }
    s.push_str(match (depth, shares) {
        (0, _) => "Shares ",
        (_, true) => "shares ",
        (_, false) => "does not share ",
    });
    if p.categories.is_empty() {
        s.push_str("any data");
    } else {
        let names: Vec<&str> = p.categories.iter().map(|c| category(*c)).collect();
        s.push_str(&names.join(", "));
    }
    if !p.recipients.is_empty() {
        let names: Vec<String> = p
            .recipients
            .iter()
            .map(|r| match r {
                RecipientSelector::Role(role_) => role(*role_).to_owned(),
                RecipientSelector::Agency(id) => id.to_string(),
            })
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let _ = write!(s, " with {}", join_words(&names));
    }
    if !p.message_types.is_empty() {
        let names: Vec<&str> = p.message_types.iter().map(|t| t.as_str()).collect();
        let _ = write!(s, " in {}", names.join(", "));
    }
    if !p.purposes.is_empty() {
        let names: Vec<&str> = p.purposes.iter().map(|x| purpose(*x)).collect();
        let _ = write!(s, " for {}", join_words(&names));
    }
    match p.period {
        Some(period) => {
            let _ = write!(s, " from {} until {}", period.start, period.end);
        }
        None if depth == 0 => {
            let _ = write!(s, " until {until}");
        }
        None => {}
    }
    out.push(s);
    for child in &p.children {
        provision_sentences(child, depth + 1, until, out);
    }
}

/// "a", "a and b", "a, b and c".
pub(crate) fn join_words(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
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
            "Shares SENTENCE_RELEASE, CASE_STATUS, RISK_NEED, ECONOMY_BENEFITS with \
             municipality and prison service for release coordination, reintegration planning \
             and case coordination until 2027-11-19"
        );
        assert_eq!(
            sentences[1],
            "Except: does not share RISK_NEED with municipality in HandoverRequest"
        );
        assert_eq!(
            sentences[2],
            "  Except: shares any data with dk-kobenhavn-kommune"
        );
        assert!(sentences[3].starts_with("Shares EDUCATION_EMPLOYMENT"));
    }

    #[test]
    fn a_handover_request_shows_its_deadline_and_plan() {
        let text = describe(&example("HandoverRequest"));
        assert!(text.starts_with("Handover request from dk-kriminalforsorgen\n"));
        assert!(text.contains("  respond by:   2027-01-08\n"), "{text}");
        assert!(text.contains("plan so far:"));
    }
}
