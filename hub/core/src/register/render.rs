//! Rendering the register as text: CSV (one row per activity, stable columns) and Markdown,
//! and the field texts the hub's HTML page shares with them.

use std::fmt::Write as _;

use schemas::{AgencyRole, DataCategory, Purpose};

use super::{Activity, ActivityKind, CategoryEntry, Presence, RecordKind, Register};

/// A role as the configuration and the wire spell it.
pub fn role_name(role: AgencyRole) -> &'static str {
    match role {
        AgencyRole::Municipality => "municipality",
        AgencyRole::Police => "police",
        AgencyRole::PrisonProbation => "prison_probation",
        AgencyRole::Employment => "employment",
        AgencyRole::NationalContactPoint => "national_contact_point",
    }
}

/// A category as the wire spells it.
pub fn category_name(category: DataCategory) -> &'static str {
    use DataCategory as C;
    match category {
        C::Identity => "IDENTITY",
        C::Contact => "CONTACT",
        C::ProtectedLocation => "PROTECTED_LOCATION",
        C::SentenceRelease => "SENTENCE_RELEASE",
        C::CriminalHistory => "CRIMINAL_HISTORY",
        C::RiskNeed => "RISK_NEED",
        C::HealthSubstance => "HEALTH_SUBSTANCE",
        C::EconomyBenefits => "ECONOMY_BENEFITS",
        C::EducationEmployment => "EDUCATION_EMPLOYMENT",
        C::CaseStatus => "CASE_STATUS",
        C::Outcome => "OUTCOME",
    }
}

/// A purpose as the wire spells it.
pub fn purpose_name(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::ReintegrationPlanning => "REINTEGRATION_PLANNING",
        Purpose::ReleaseCoordination => "RELEASE_COORDINATION",
        Purpose::RelocationSafety => "RELOCATION_SAFETY",
        Purpose::CaseCoordination => "CASE_COORDINATION",
        Purpose::OutcomeStatistics => "OUTCOME_STATISTICS",
        Purpose::CriminalInvestigation => "CRIMINAL_INVESTIGATION",
        Purpose::BenefitFraudControl => "BENEFIT_FRAUD_CONTROL",
    }
}

fn join<T>(items: &[T], sep: &str, f: impl Fn(&T) -> String) -> String {
    items.iter().map(f).collect::<Vec<_>>().join(sep)
}

/// Activity fields as text, shared by the CSV, Markdown and HTML renderings.
impl Activity {
    /// The sending roles, or who sends it.
    pub fn senders_text(&self) -> String {
        match self.kind {
            ActivityKind::AgencyMessage => join(&self.senders, ", ", |r| role_name(*r).to_owned()),
            ActivityKind::HubMessage => "the hub".to_owned(),
            ActivityKind::HubView => "shown by the hub".to_owned(),
            ActivityKind::HubRecord => "kept by the hub".to_owned(),
        }
    }

    /// The purposes, codes first.
    pub fn purposes_text(&self) -> String {
        join(&self.purposes, "; ", |p| {
            let description = p.description.trim_end_matches('.');
            match p.code {
                Some(code) => format!("{}: {description}", purpose_name(code)),
                None => description.to_owned(),
            }
        })
    }

    /// The categories of data subjects.
    pub fn data_subjects_text(&self) -> String {
        join(&self.data_subjects, ", ", |s| s.label().to_owned())
    }

    /// The categories with their presence and sensitivity.
    pub fn categories_text(&self) -> String {
        if self.categories.is_empty() {
            return "none of the data categories".to_owned();
        }
        join(&self.categories, ", ", |c| {
            let mut marks = Vec::new();
            if c.presence == Presence::Optional {
                marks.push("optional");
            }
            if c.special_category {
                marks.push("art. 9");
            }
            if c.criminal_offence {
                marks.push("art. 10");
            }
            if c.sealed {
                marks.push("sealed");
            }
            if marks.is_empty() {
                category_name(c.category).to_owned()
            } else {
                format!("{} ({})", category_name(c.category), marks.join(", "))
            }
        })
    }

    fn marked(&self, select: impl Fn(&CategoryEntry) -> bool) -> String {
        let names: Vec<&str> = self
            .categories
            .iter()
            .filter(|c| select(c))
            .map(|c| category_name(c.category))
            .collect();
        names.join(", ")
    }

    /// The note, then recipients by role with their categories.
    pub fn recipients_text(&self) -> String {
        let groups: Vec<String> = self
            .recipients
            .iter()
            .map(|g| {
                let categories = if g.categories.is_empty() {
                    "no data categories".to_owned()
                } else {
                    join(&g.categories, ", ", |c| category_name(*c).to_owned())
                };
                if g.agencies.is_empty() {
                    format!("{}: {categories}", role_name(g.role))
                } else {
                    format!(
                        "{} on the protected-location allow-list ({}), in addition: {categories}",
                        role_name(g.role),
                        join(&g.agencies, ", ", |a| a.to_string())
                    )
                }
            })
            .collect();
        match (&self.recipients_note, groups.is_empty()) {
            (Some(note), true) => note.clone(),
            (Some(note), false) => format!("{note} By role: {}.", groups.join("; ")),
            (None, _) => groups.join("; "),
        }
    }

    /// Consent, the statutes, and the note.
    pub fn legal_basis_text(&self) -> String {
        let mut parts = Vec::new();
        if self.legal_basis.consent {
            parts.push("The person's consent (a version of the consent record), per recipient and category.".to_owned());
        }
        for s in &self.legal_basis.statutes {
            parts.push(format!(
                "{} ({:?}; from {} to {}; purposes {}; categories {}).",
                s.reference,
                s.jurisdiction,
                join(&s.from_roles, ", ", |r| role_name(*r).to_owned()),
                join(&s.to_roles, ", ", |r| role_name(*r).to_owned()),
                join(&s.purposes, ", ", |p| purpose_name(*p).to_owned()),
                join(&s.categories, ", ", |c| category_name(*c).to_owned()),
            ));
        }
        if let Some(note) = &self.legal_basis.note {
            parts.push(note.clone());
        }
        parts.join(" ")
    }
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 19] = [
    "id",
    "kind",
    "name",
    "description",
    "senders",
    "purposes",
    "data_subjects",
    "categories",
    "special_categories_art9",
    "criminal_offence_art10",
    "sealed_categories",
    "other_personal_data",
    "recipients",
    "legal_basis",
    "third_country_transfers",
    "retention_record",
    "retention",
    "measures",
    "controller",
];

fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

fn record_kind_name(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Messages => "messages",
        RecordKind::Cases => "cases",
        RecordKind::DisclosureLog => "disclosure_log",
        RecordKind::AuditLog => "audit_log",
        RecordKind::DeadLetters => "dead_letters",
        RecordKind::DashboardLogins => "dashboard_logins",
    }
}

/// The register as CSV (RFC 4180): a header, then one row per activity, in [`CSV_COLUMNS`].
pub fn to_csv(register: &Register) -> String {
    let controller = format!(
        "{} ({}); data protection officer: {}",
        register.controller.name, register.controller.contact, register.controller.dpo_contact
    );
    let mut out = CSV_COLUMNS.join(",");
    out.push_str("\r\n");
    for a in &register.activities {
        let fields = [
            a.id.clone(),
            a.kind.label().to_owned(),
            a.name.clone(),
            a.description.clone(),
            a.senders_text(),
            a.purposes_text(),
            a.data_subjects_text(),
            a.categories_text(),
            a.marked(|c| c.special_category),
            a.marked(|c| c.criminal_offence),
            a.marked(|c| c.sealed),
            a.other_data.join(" "),
            a.recipients_text(),
            a.legal_basis_text(),
            a.third_country_transfers.clone(),
            record_kind_name(a.retention.record).to_owned(),
            a.retention.text.clone(),
            a.measures.join(", "),
            controller.clone(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// Text for a Markdown table cell: pipes escaped, on one line.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\r', '\n'], " ")
}

fn yes(flag: bool) -> &'static str {
    if flag { "yes" } else { "no" }
}

/// The register as Markdown: the committed `docs/register-of-processing.md` and
/// `GET /register.md`.
pub fn to_markdown(register: &Register) -> String {
    let mut md = String::new();
    let w = &mut md;
    let _ = writeln!(
        w,
        "<!-- Generated from the message catalogue and the hub's configuration; do not edit by hand. -->"
    );
    let _ = writeln!(w, "# {}\n", register.title);
    let _ = write!(
        w,
        "Message catalogue version {}.",
        register.catalogue_version
    );
    if let Some(at) = register.generated_at {
        let _ = write!(w, " Generated at {}.", at.to_rfc3339());
    }
    let _ = writeln!(w, "\n");

    let _ = writeln!(w, "## Controller\n");
    let _ = writeln!(w, "| | |\n|---|---|");
    let c = &register.controller;
    let _ = writeln!(w, "| Controller | {} |", cell(&c.name));
    let _ = writeln!(w, "| Contact | {} |", cell(&c.contact));
    let _ = writeln!(
        w,
        "| Data protection officer | {} |\n",
        cell(&c.dpo_contact)
    );

    let _ = writeln!(w, "## About this register\n");
    for note in &register.notes {
        let _ = writeln!(w, "- {note}");
    }
    let _ = writeln!(w);

    let _ = writeln!(w, "## Activities\n");
    let _ = writeln!(w, "| # | Activity | Id | Kind |\n|---|---|---|---|");
    for (i, a) in register.activities.iter().enumerate() {
        let _ = writeln!(
            w,
            "| {} | {} | `{}` | {} |",
            i + 1,
            cell(&a.name),
            a.id,
            a.kind.label()
        );
    }
    let _ = writeln!(w);
    for (i, a) in register.activities.iter().enumerate() {
        let _ = writeln!(w, "### {}. {} (`{}`)\n", i + 1, a.name, a.id);
        let _ = writeln!(w, "{}\n", a.description);
        let _ = writeln!(w, "| | |\n|---|---|");
        let rows = [
            ("Sent by", a.senders_text()),
            ("Purposes (art. 30(1)(b))", a.purposes_text()),
            ("Data subjects (art. 30(1)(c))", a.data_subjects_text()),
            ("Data categories (art. 30(1)(c))", a.categories_text()),
            ("Other personal data", a.other_data.join(" ")),
            ("Recipients (art. 30(1)(d))", a.recipients_text()),
            ("Legal basis", a.legal_basis_text()),
            (
                "Transfers to third countries (art. 30(1)(e))",
                a.third_country_transfers.clone(),
            ),
            (
                "Retention (art. 30(1)(f))",
                format!(
                    "{} ({})",
                    a.retention.text,
                    record_kind_name(a.retention.record)
                ),
            ),
            ("Security measures (art. 30(1)(g))", a.measures.join(", ")),
        ];
        for (field, value) in rows {
            let _ = writeln!(w, "| {field} | {} |", cell(&value));
        }
        let _ = writeln!(w);
    }

    let _ = writeln!(w, "## Purposes\n");
    let _ = writeln!(w, "| Purpose | What for |\n|---|---|");
    for p in &register.purposes {
        let code = p.code.map(purpose_name).unwrap_or_default();
        let _ = writeln!(w, "| `{code}` | {} |", cell(&p.description));
    }
    let _ = writeln!(w);

    let _ = writeln!(w, "## Data categories\n");
    let _ = writeln!(
        w,
        "| Category | What it holds | Special category (art. 9) | Criminal offences (art. 10) |\n|---|---|---|---|"
    );
    for c in &register.categories {
        let _ = writeln!(
            w,
            "| `{}` | {} | {} | {} |",
            category_name(c.category),
            cell(&c.description),
            yes(c.special_category),
            yes(c.criminal_offence)
        );
    }
    let _ = writeln!(w);

    let _ = writeln!(w, "## Data subjects\n");
    let _ = writeln!(w, "| Category | Who |\n|---|---|");
    for s in &register.data_subjects {
        let _ = writeln!(w, "| `{}` | {} |", s.subject.label(), cell(&s.description));
    }
    let _ = writeln!(w);

    let _ = writeln!(w, "## Protected-location allow-list\n");
    if register.protected_location_allow.is_empty() {
        let _ = writeln!(
            w,
            "Empty: only the destination municipality of a relocation request receives a protected location.\n"
        );
    } else {
        let _ = writeln!(w, "| Agency | Name | Role |\n|---|---|---|");
        for a in &register.protected_location_allow {
            let _ = writeln!(
                w,
                "| `{}` | {} | {} |",
                a.id,
                cell(a.name.as_deref().unwrap_or("not registered")),
                a.role.map(role_name).unwrap_or_default()
            );
        }
        let _ = writeln!(w);
    }

    let _ = writeln!(w, "## Transfers to third countries\n");
    let _ = writeln!(w, "{}\n", register.transfers.note);
    let _ = writeln!(w, "| Jurisdiction | Standing |\n|---|---|");
    for j in &register.transfers.jurisdictions {
        let _ = writeln!(w, "| {:?} | {} |", j.jurisdiction, cell(&j.status));
    }
    let _ = writeln!(w);

    let _ = writeln!(w, "## Security measures (art. 32)\n");
    for m in &register.measures {
        let _ = writeln!(w, "- **{}** (`{}`): {}", m.title, m.id, m.description);
    }
    let _ = writeln!(w);

    let _ = writeln!(w, "## Message types not listed\n");
    for n in &register.not_listed {
        let _ = writeln!(w, "- `{}`: {}", n.message_type, n.reason);
    }
    md
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::register::test_fixtures::{directory, policy};
    use crate::register::{Config, Controller, Retention, generate};

    #[test]
    fn renderings_have_one_row_or_section_per_activity_and_stable_columns() {
        let config = Config {
            controller: Controller {
                name: "Operator, \"hub\" | test".to_owned(),
                contact: "hub@example.org".to_owned(),
                dpo_contact: "dpo@example.org".to_owned(),
            },
            retention: Retention {
                audit_log: Some("For ever".to_owned()),
                ..Retention::default()
            },
            broker_tls: true,
        };
        let register = generate(&policy(), &directory(), &config, None);
        let csv = to_csv(&register);
        let mut lines = csv.split("\r\n").filter(|l| !l.is_empty());
        assert_eq!(lines.next().unwrap(), CSV_COLUMNS.join(","));
        // Fields holding newlines would break this count; none do.
        assert_eq!(lines.count(), register.activities.len());
        assert!(csv.contains("\"Operator, \"\"hub\"\" | test (hub@example.org)"));

        let md = to_markdown(&register);
        for (i, a) in register.activities.iter().enumerate() {
            assert!(md.contains(&format!("### {}. {} (`{}`)", i + 1, a.name, a.id)));
        }
        assert!(md.contains("Operator, \"hub\" \\| test"));
        assert!(md.contains("For ever (audit_log)"));
        assert!(md.contains("Not stated in the hub's configuration. (messages)"));
        assert!(md.contains("configured for AMQPS"));
        assert!(!md.contains("Generated at"));
        let dated = generate(
            &policy(),
            &directory(),
            &config,
            Some(DateTime::<Utc>::UNIX_EPOCH),
        );
        assert!(to_markdown(&dated).contains("Generated at 1970-01-01T00:00:00+00:00."));
    }
}
