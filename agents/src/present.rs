//! How messages read for a caseworker: plain words, dates, who and why. Pure.

use std::fmt::Write;

use schemas::messages::{NeedLevel, ReleaseNotice, SupervisionKind};
use schemas::{Body, Message};

/// A few lines describing `message` for a caseworker.
pub fn describe(message: &Message) -> String {
    let e = &message.envelope;
    let mut out = String::new();
    let _ = writeln!(out, "{} from {}", title(message), e.sender);
    if let Some(case) = &e.case_id {
        let _ = writeln!(out, "  case:      {case}");
    }
    if let Some(subject) = &e.subject {
        let _ = writeln!(out, "  person:    {subject} (pseudonym)");
    }
    let _ = writeln!(
        out,
        "  sent:      {}",
        e.sent_at.format("%Y-%m-%d %H:%M UTC")
    );
    match &message.body {
        Body::ReleaseNotice(n) => release_notice(&mut out, n),
        Body::Receipt(r) => {
            let to: Vec<&str> = r.delivered_to.iter().map(|a| a.as_str()).collect();
            let _ = writeln!(
                out,
                "  delivered: {}",
                if to.is_empty() {
                    "nobody".into()
                } else {
                    to.join(", ")
                }
            );
            for refusal in &r.refused {
                let _ = writeln!(
                    out,
                    "  refused:   {} ({})",
                    refusal.recipient, refusal.reason
                );
            }
            let _ = writeln!(out, "  answers:   {}", r.in_reply_to);
        }
        Body::Escalation(x) => {
            let agencies: Vec<&str> = x.agencies.iter().map(|a| a.as_str()).collect();
            let _ = writeln!(
                out,
                "  deadline:  {:?}, due {}, {} days overdue",
                x.deadline, x.due, x.days_overdue
            );
            let _ = writeln!(out, "  agencies:  {}", agencies.join(" -> "));
            let _ = writeln!(out, "  stage:     {:?}", x.stage);
        }
        Body::Undeliverable(u) => {
            let _ = writeln!(out, "  reason:    {} - {}", u.reason, u.detail);
            if let Some(id) = u.in_reply_to {
                let _ = writeln!(out, "  answers:   {id}");
            }
        }
        _ => {}
    }
    out
}

fn title(message: &Message) -> &'static str {
    match message.body {
        Body::ReleaseNotice(_) => "Release notice",
        Body::HandoverRequest(_) => "Handover request",
        Body::HandoverResponse(_) => "Handover response",
        Body::RelocationRequest(_) => "Relocation request",
        Body::RelocationConfirmed(_) => "Relocation confirmed",
        Body::ConsentGranted(_) => "Consent granted",
        Body::ConsentWithdrawn(_) => "Consent withdrawn",
        Body::InformationRequest(_) => "Information request",
        Body::InformationResponse(_) => "Information response",
        Body::RiskNeedSummary(_) => "Risk and need summary",
        Body::OutcomeReport(_) => "Outcome report",
        Body::CaseClosed(_) => "Case closed",
        Body::Receipt(_) => "Receipt",
        Body::Undeliverable(_) => "UNDELIVERABLE (the hub refused a message)",
        Body::Escalation(_) => "ESCALATION: a deadline was missed",
    }
}

fn release_notice(out: &mut String, n: &ReleaseNotice) {
    let _ = writeln!(out, "  expected release: {}", n.expected_release);
    if let Some(earliest) = n.earliest_release {
        let _ = writeln!(out, "  earliest release: {earliest}");
    }
    let supervision = match n.supervision.kind {
        SupervisionKind::None => "none",
        SupervisionKind::Parole => "parole",
        SupervisionKind::Probation => "probation",
        SupervisionKind::CommunitySentence => "community sentence",
    };
    match n.supervision.until {
        Some(until) => _ = writeln!(out, "  supervision:      {supervision} until {until}"),
        None => _ = writeln!(out, "  supervision:      {supervision}"),
    }
    if let Some(needs) = &n.needs {
        let _ = writeln!(out, "  housing need:     {}", need(needs.housing));
        let _ = writeln!(out, "  income need:      {}", need(needs.income));
    }
    let _ = writeln!(out, "  contact officer:  {}", n.contact_officer.name);
}

fn need(level: NeedLevel) -> &'static str {
    match level {
        NeedLevel::None => "none",
        NeedLevel::NeedsSupport => "needs support",
        NeedLevel::Urgent => "URGENT",
        NeedLevel::Unknown => "not known",
    }
}
