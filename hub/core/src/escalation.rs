//! Who hears of a breached deadline, and what each of them may be told.
//!
//! A breach goes to the coordinator of the agency that is waiting (its inbox); a double
//! breach to the national contact point of that agency's jurisdiction, with only a pseudonym
//! of the contact point's own key ([`crate::contact_point::pseudonym`]), the agencies, the
//! stage and the days overdue: no case id. A double breach is a first breach too, so it sends
//! both ([`levels`]).
//!
//! Relocations (2 calendar days to answer) are where a location could leak, so the contact
//! point sees only counts of them: a relocation's double breach sends the contact point
//! nothing, and its escalations of any other deadline in a case that ever had a relocation
//! name no agencies (an agency's name would tell the town the person moved to).
//!
//! Pure: the hub finds the breaches ([`crate::deadlines`]) and wraps each [`Notice`] in a
//! message of its own, with ids and times it chooses.

use chrono::{Months, NaiveDate};
use schemas::messages::{CaseStageName, DeadlineName, Escalation, EscalationLevel};
use schemas::{AgencyId, AgencyRole, CaseId, Pseudonym};

use crate::Directory;
use crate::deadlines::{self, Breach, DeadlineKind, DeadlineRules};

/// One breach of a deadline, as the hub found it.
#[derive(Debug, Clone)]
pub struct Breached<'a> {
    /// Which deadline.
    pub deadline: DeadlineName,
    /// How far it is breached; [`escalations`] sends the notices of this level only.
    pub level: Breach,
    /// The agency waiting for the others to act, whose coordinator hears of a first breach.
    pub waiting: &'a AgencyId,
    /// The agencies involved, as an escalation names them.
    pub agencies: Vec<AgencyId>,
    /// The person, as agencies know them.
    pub subject: &'a Pseudonym,
    /// The case, where there is one.
    pub case_id: Option<&'a CaseId>,
    /// The case's stage.
    pub stage: CaseStageName,
    /// When it was due.
    pub due: NaiveDate,
    /// Days overdue.
    pub days_overdue: u32,
    /// The case had a relocation: the contact point learns no agencies of it.
    pub relocated: bool,
}

/// One escalation to send: to whom, and what it may say.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Notice {
    pub to: AgencyId,
    /// The case id for the envelope; none for a contact point.
    pub case_id: Option<CaseId>,
    /// The person for the envelope: as agencies know them, or the contact point's own
    /// pseudonym of them.
    pub subject: Pseudonym,
    pub escalation: Escalation,
}

/// The escalations of one breach at its level: a first breach to the waiting agency's
/// coordinator, a double breach to every contact point of the waiting agency's jurisdiction
/// (none for a relocation's, and none when the waiting agency is not in `directory`).
/// `contact_point_key` is the key of the contact point's pseudonyms.
pub fn escalations(
    directory: &Directory,
    contact_point_key: &str,
    breached: &Breached<'_>,
) -> Vec<Notice> {
    let b = breached;
    let level = escalation_level(b.level);
    let targets: Vec<AgencyId> = match b.level {
        Breach::First => vec![b.waiting.clone()],
        Breach::Double if b.deadline == DeadlineName::RelocationAnswered => Vec::new(),
        Breach::Double => {
            let jurisdiction = directory.get(b.waiting).map(|a| a.jurisdiction);
            directory
                .iter()
                .filter(|a| {
                    a.role == AgencyRole::NationalContactPoint
                        && Some(a.jurisdiction) == jurisdiction
                })
                .map(|a| a.id.clone())
                .collect()
        }
    };
    targets
        .into_iter()
        .map(|to| {
            let to_contact_point = level == EscalationLevel::ContactPoint;
            Notice {
                to,
                case_id: if to_contact_point {
                    None
                } else {
                    b.case_id.cloned()
                },
                subject: if to_contact_point {
                    crate::contact_point::pseudonym(contact_point_key, b.subject)
                } else {
                    b.subject.clone()
                },
                escalation: Escalation {
                    deadline: b.deadline,
                    level,
                    agencies: if to_contact_point && b.relocated {
                        Vec::new()
                    } else {
                        b.agencies.clone()
                    },
                    stage: b.stage,
                    due: b.due,
                    days_overdue: b.days_overdue,
                },
            }
        })
        .collect()
}

/// The levels a breach at `level` is escalated at: a double breach is a first breach too.
pub fn levels(level: Breach) -> &'static [Breach] {
    match level {
        Breach::First => &[Breach::First],
        Breach::Double => &[Breach::First, Breach::Double],
    }
}

/// The level an escalation of a breach at `breach` names (and the hub records it by): a
/// first breach goes to the coordinator, a double breach to the contact point.
pub fn escalation_level(breach: Breach) -> EscalationLevel {
    match breach {
        Breach::First => EscalationLevel::Coordinator,
        Breach::Double => EscalationLevel::ContactPoint,
    }
}

/// The deadline an escalation's `name` stands for: the inverse of the names
/// [`open_deadlines`] and [`release_notice`] give.
pub fn deadline_kind(name: DeadlineName) -> DeadlineKind {
    match name {
        DeadlineName::ReleaseNotice => DeadlineKind::ReleaseNotice,
        DeadlineName::HandoverReceived => DeadlineKind::HandoverReceived,
        DeadlineName::HandoverAnswered => DeadlineKind::HandoverAnswered,
        DeadlineName::RelocationAnswered => DeadlineKind::RelocationAnswered,
    }
}

/// The deadlines an open request still runs, with the names escalations give them: a
/// relocation's answer; a handover's receipt and answer while it is `awaiting_receipt`, then
/// its answer only.
pub fn open_deadlines(
    relocation: bool,
    awaiting_receipt: bool,
) -> &'static [(DeadlineKind, DeadlineName)] {
    if relocation {
        &[(
            DeadlineKind::RelocationAnswered,
            DeadlineName::RelocationAnswered,
        )]
    } else if awaiting_receipt {
        &[
            (
                DeadlineKind::HandoverReceived,
                DeadlineName::HandoverReceived,
            ),
            (
                DeadlineKind::HandoverAnswered,
                DeadlineName::HandoverAnswered,
            ),
        ]
    } else {
        &[(
            DeadlineKind::HandoverAnswered,
            DeadlineName::HandoverAnswered,
        )]
    }
}

/// The breach a release notice is as it arrives on `received_on`, if it is late (see
/// [`deadlines::release_notice_breach`]): `sender` is waiting, and the escalation names it and
/// the agencies the notice was delivered to.
pub fn release_notice<'a>(
    rules: &DeadlineRules,
    sender: &'a AgencyId,
    delivered_to: impl IntoIterator<Item = AgencyId>,
    subject: &'a Pseudonym,
    case_id: Option<&'a CaseId>,
    expected_release: NaiveDate,
    received_on: NaiveDate,
) -> Option<Breached<'a>> {
    let (level, days_overdue) =
        deadlines::release_notice_breach(rules, expected_release, received_on)?;
    let due = expected_release
        .checked_sub_months(Months::new(rules.release_notice_months))
        .unwrap_or(expected_release);
    let mut agencies = vec![sender.clone()];
    agencies.extend(delivered_to);
    Some(Breached {
        deadline: DeadlineName::ReleaseNotice,
        level,
        waiting: sender,
        agencies,
        subject,
        case_id,
        stage: CaseStageName::Referred,
        due,
        days_overdue,
        relocated: false,
    })
}

#[cfg(test)]
mod tests {
    use schemas::Jurisdiction;

    use super::*;
    use crate::Agency;

    const KEY: &str = "contact-point-key";

    fn id(s: &str) -> AgencyId {
        AgencyId::try_from(s).unwrap()
    }

    fn agency(s: &str, role: AgencyRole, jurisdiction: Jurisdiction) -> Agency {
        Agency {
            id: id(s),
            role,
            jurisdiction,
            name: s.to_owned(),
        }
    }

    fn directory() -> Directory {
        Directory::new([
            agency("dk-prison", AgencyRole::PrisonProbation, Jurisdiction::DK),
            agency("dk-aarhus", AgencyRole::Municipality, Jurisdiction::DK),
            agency("dk-ncp", AgencyRole::NationalContactPoint, Jurisdiction::DK),
            agency(
                "dk-ncp-2",
                AgencyRole::NationalContactPoint,
                Jurisdiction::DK,
            ),
            agency("se-ncp", AgencyRole::NationalContactPoint, Jurisdiction::SE),
        ])
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    /// A summary of a notice: recipient, level, whether it carries the case id, whether the
    /// subject is the agencies' pseudonym, and how many agencies it names.
    type Seen<T> = (T, EscalationLevel, bool, bool, usize);

    /// A row of the table: what it shows, the breach (deadline, level, waiting agency, whether
    /// the case had a relocation), and the notices expected.
    type Row<'a> = (
        &'a str,
        DeadlineName,
        Breach,
        &'a AgencyId,
        bool,
        Vec<Seen<&'a str>>,
    );

    fn seen(n: &Notice, subject: &Pseudonym) -> Seen<String> {
        (
            n.to.to_string(),
            n.escalation.level,
            n.case_id.is_some(),
            &n.subject == subject,
            n.escalation.agencies.len(),
        )
    }

    #[test]
    fn who_hears_of_a_breach_and_what_they_are_told() {
        use EscalationLevel::{ContactPoint, Coordinator};
        let subject = Pseudonym::try_from("ps-7f3a9c2e11b4d805").unwrap();
        let case = CaseId::try_from("case-1").unwrap();
        let prison = id("dk-prison");
        let stranger = id("xx-unknown");
        let directory = directory();
        #[rustfmt::skip]
        let table: Vec<Row<'_>> = vec![
            ("a first breach goes to the waiting agency's coordinator, with everything",
             DeadlineName::HandoverAnswered, Breach::First, &prison, false,
             vec![("dk-prison", Coordinator, true, true, 2)]),
            ("a double breach goes to every contact point of the jurisdiction, without the case or the agencies' pseudonym",
             DeadlineName::HandoverAnswered, Breach::Double, &prison, false,
             vec![("dk-ncp", ContactPoint, false, false, 2), ("dk-ncp-2", ContactPoint, false, false, 2)]),
            ("a relocation's double breach sends the contact point nothing",
             DeadlineName::RelocationAnswered, Breach::Double, &prison, true,
             vec![]),
            ("a relocation's first breach goes to the coordinator as any other",
             DeadlineName::RelocationAnswered, Breach::First, &prison, true,
             vec![("dk-prison", Coordinator, true, true, 2)]),
            ("in a case that had a relocation, the contact point learns no agencies",
             DeadlineName::HandoverReceived, Breach::Double, &prison, true,
             vec![("dk-ncp", ContactPoint, false, false, 0), ("dk-ncp-2", ContactPoint, false, false, 0)]),
            ("a waiting agency not in the directory has no contact point",
             DeadlineName::HandoverAnswered, Breach::Double, &stranger, false,
             vec![]),
        ];
        for (what, deadline, level, waiting, relocated, expected) in table {
            let breached = Breached {
                deadline,
                level,
                waiting,
                agencies: vec![id("dk-aarhus"), prison.clone()],
                subject: &subject,
                case_id: Some(&case),
                stage: CaseStageName::Active,
                due: day(2),
                days_overdue: 3,
                relocated,
            };
            let notices = escalations(&directory, KEY, &breached);
            let got: Vec<_> = notices.iter().map(|n| seen(n, &subject)).collect();
            let expected: Vec<_> = expected
                .into_iter()
                .map(|(to, l, c, s, a)| (to.to_owned(), l, c, s, a))
                .collect();
            assert_eq!(got, expected, "{what}");
            for n in &notices {
                assert_eq!(n.escalation.deadline, deadline, "{what}");
                assert_eq!((n.escalation.due, n.escalation.days_overdue), (day(2), 3));
                if n.escalation.level == ContactPoint {
                    assert_eq!(n.subject, crate::contact_point::pseudonym(KEY, &subject));
                }
            }
        }
    }

    #[test]
    fn a_double_breach_is_escalated_as_a_first_one_too() {
        assert_eq!(levels(Breach::First), [Breach::First]);
        assert_eq!(levels(Breach::Double), [Breach::First, Breach::Double]);
    }

    #[test]
    fn an_open_request_runs_the_deadlines_of_its_kind_and_state() {
        use DeadlineName::{HandoverAnswered, HandoverReceived, RelocationAnswered};
        let names = |relocation, awaiting| -> Vec<DeadlineName> {
            open_deadlines(relocation, awaiting)
                .iter()
                .map(|(_, name)| *name)
                .collect()
        };
        assert_eq!(names(true, true), [RelocationAnswered]);
        assert_eq!(names(true, false), [RelocationAnswered]);
        assert_eq!(names(false, true), [HandoverReceived, HandoverAnswered]);
        assert_eq!(names(false, false), [HandoverAnswered]);
        for &(kind, name) in open_deadlines(false, true) {
            assert_eq!(format!("{kind:?}"), format!("{name:?}"));
        }
    }

    #[test]
    fn an_escalation_names_the_deadline_it_was_given_for() {
        for relocation in [true, false] {
            for awaiting in [true, false] {
                for &(kind, name) in open_deadlines(relocation, awaiting) {
                    assert_eq!(deadline_kind(name), kind, "{name:?}");
                }
            }
        }
        assert_eq!(
            deadline_kind(DeadlineName::ReleaseNotice),
            DeadlineKind::ReleaseNotice
        );
    }

    #[test]
    fn a_first_breach_goes_to_the_coordinator_a_double_one_to_the_contact_point() {
        assert_eq!(
            escalation_level(Breach::First),
            EscalationLevel::Coordinator
        );
        assert_eq!(
            escalation_level(Breach::Double),
            EscalationLevel::ContactPoint
        );
    }

    #[test]
    fn a_late_release_notice_names_its_sender_then_its_recipients() {
        let rules = DeadlineRules::default();
        let sender = id("dk-prison");
        let subject = Pseudonym::try_from("ps-7f3a9c2e11b4d805").unwrap();
        let release = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let on_time = NaiveDate::from_ymd_opt(2026, 3, 30).unwrap();
        assert!(release_notice(&rules, &sender, [], &subject, None, release, on_time).is_none());
        let late = NaiveDate::from_ymd_opt(2026, 4, 9).unwrap();
        let b = release_notice(
            &rules,
            &sender,
            [id("dk-aarhus")],
            &subject,
            None,
            release,
            late,
        )
        .expect("ten days late");
        assert_eq!(b.waiting, &sender);
        assert_eq!(b.agencies, [sender.clone(), id("dk-aarhus")]);
        assert_eq!((b.due, b.days_overdue), (on_time, 10));
        assert_eq!(b.level, Breach::First);
        assert_eq!(b.deadline, DeadlineName::ReleaseNotice);
        assert_eq!(b.stage, CaseStageName::Referred);
        let very_late = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let b = release_notice(&rules, &sender, [], &subject, None, release, very_late);
        assert_eq!(b.map(|b| b.level), Some(Breach::Double));
    }
}
