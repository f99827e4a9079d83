//! The planner: a synthetic population as per-case scripts of message drafts, each dated at
//! its simulated time. Pure: the same [`PlanConfig`] and [`Cities`] always give the same
//! [`Plan`], byte for byte; no clock (`now` is an input), no I/O, no randomness but the seed's.
//!
//! One case is one person's release and what follows, told by the agencies' messages:
//!
//! 1. The home municipality records the person's consent at intake (most people), the prison
//!    sends the release notice (most at least 3 months ahead, some late), maybe a risk and
//!    need summary, and around the release hands the case over to the municipality.
//! 2. The municipality acknowledges and accepts or rejects, at its own pace; a rejected
//!    handover is asked again (no capacity, missing information) or the prison closes the case.
//! 3. An accepted case may go to the police as a risk summary, move to the other city of the
//!    country (a relocation with a sealed destination), or be handed on to the employment
//!    service; it ends with a reason, and when the consent allows OUTCOME_STATISTICS the owner
//!    reports the outcome to the national contact point 3 or 12 months later.
//!
//! Consent is kept valid at every message that needs it: versions last at most 12 months (364
//! days here) and the custodian renews them, mostly before they lapse, sometimes weeks after
//! (but before the next message that needs one); a relocation and the follow-up after the end
//! are new versions with other provisions. Where a statute carries the release notice
//! (Denmark), some people never consent: the notice reaches the municipality, and the case
//! stays with the prison at `referred`. Without such a statute (Norway) the prison cannot
//! notify anyone before the person consents, so everyone who reaches the hub has consented.
//! The whole story is planned first and then cut at `now`: whatever lies in the future is not
//! sent, so only recent handovers are left open.
//!
//! A few messages are meant to be refused (see [`Expect`]), so the contact point sees refusal
//! reasons: a Danish release notice also addressed to the employment service for a person
//! without consent (`NO_GATEWAY` for that recipient), a risk summary the consent does not
//! allow the employment service (`CATEGORY_NOT_COVERED` for it), and an outcome report for a
//! person who did not consent to statistics (`CATEGORY_NOT_COVERED`, refused whole).
//!
//! Only generic texts are used; pseudonyms are `ps-` and hex; nothing names a person.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use schemas::ids::{LongText, ShortText};
use schemas::messages::{
    CaseClosed, CaseEndReason, ConsentGranted, ConsentRecord, ConsentStatus, ConsentWithdrawn,
    ContactOfficer, Grantor, GrantorRole, HandoverOutcome, HandoverRequest, HandoverResponse,
    NeedArea, NeedLevel, OutcomeReport, Period, Provision, RecipientSelector, RejectionReason,
    ReleaseNeeds, ReleaseNotice, RelocationConfirmed, RelocationRequest, RiskLevel,
    RiskNeedSummary, SEALING_SCHEME, Sealed, SigningMethod, Supervision, SupervisionKind,
    ThreatLevel, WithdrawalScope,
};
use schemas::{
    AgencyId, AgencyRole, Body, CaseId, DataCategory, Envelope, Jurisdiction, Message, MessageId,
    MessageType, Pseudonym, Purpose, ReasonCode,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::rng::Rng;

/// How quickly an agency acknowledges and answers handovers (and how often it says no).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    /// Acknowledges mostly the same or the next working day, answers within a week.
    Quick,
    /// Acknowledges within 1 to 2 working days, answers within about 2 weeks.
    Steady,
    /// Often late: acknowledges in 2 to 4 working days, answers in 1 to 4 weeks.
    Slow,
}

impl Pace {
    /// Working days from a request to its acknowledgement.
    fn receive_days(self, rng: &mut Rng) -> u32 {
        rng.weighted(match self {
            Pace::Quick => &[(0, 45), (1, 35), (2, 14), (3, 4), (4, 2)],
            Pace::Steady => &[(0, 25), (1, 33), (2, 25), (3, 9), (4, 5), (6, 3)],
            Pace::Slow => &[(0, 10), (1, 20), (2, 25), (3, 20), (4, 14), (5, 7), (7, 4)],
        })
    }

    /// Working days from the acknowledgement to the answer.
    fn answer_days(self, rng: &mut Rng) -> u32 {
        rng.weighted(match self {
            Pace::Quick => &[
                (1, 20),
                (2, 25),
                (3, 20),
                (4, 15),
                (5, 8),
                (7, 7),
                (9, 3),
                (12, 2),
            ],
            Pace::Steady => &[
                (2, 12),
                (3, 18),
                (4, 18),
                (5, 15),
                (6, 12),
                (8, 10),
                (10, 8),
                (13, 5),
                (16, 2),
            ],
            Pace::Slow => &[
                (3, 8),
                (4, 12),
                (5, 14),
                (6, 14),
                (8, 16),
                (10, 14),
                (12, 10),
                (15, 8),
                (20, 4),
            ],
        })
    }

    /// How much more (or less) often than usual this agency rejects a first request.
    fn reject_shift(self) -> f64 {
        match self {
            Pace::Quick => -0.03,
            Pace::Steady => 0.0,
            Pace::Slow => 0.05,
        }
    }
}

/// The most working days between a request and its answer any [`Pace`] plans (7 to
/// acknowledge, 20 to answer): a handover older than that is answered, not open.
pub const LONGEST_ANSWER_WORKING_DAYS: u32 = 27;

/// A city: its municipality, police and employment service.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)] // fields named for what they hold
pub struct City {
    /// Its name, e.g. `København` (also the city of a sealed address there).
    pub name: String,
    /// The start of its case ids, e.g. `KBH`.
    pub case_prefix: String,
    pub jurisdiction: Jurisdiction,
    /// The exit programme consent is given to, e.g. `Exit København`.
    pub programme: String,
    /// A postal code in it, for sealed addresses.
    pub postal_code: String,
    /// The municipality (social services, the exit programme): the custodian of consents.
    pub municipality: AgencyId,
    /// The police district.
    pub police: AgencyId,
    /// The employment service.
    pub employment: AgencyId,
    /// How quickly the municipality answers handovers.
    pub municipality_pace: Pace,
    /// How quickly the employment service answers handovers.
    pub employment_pace: Pace,
    /// Its share of the population, relative to the other cities.
    pub weight: u32,
}

/// What a country has once: the prison service, the national contact point, the police
/// protection unit, the signing method and whether a statute carries release notices.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Nation {
    pub jurisdiction: Jurisdiction,
    /// The prison and probation service.
    pub prison: AgencyId,
    /// The national contact point, which receives outcome reports.
    pub contact_point: AgencyId,
    /// The police protection unit allowed protected locations (on the hub's allow-list),
    /// which gets a relocated person's new address; `None`: a relocation's confirmation
    /// carries no address.
    pub protection: Option<AgencyId>,
    /// A statute lets the prison send release notices to the municipality without consent
    /// (Denmark: Administration of Justice Act s.115); without one, people who do not
    /// consent never reach the hub.
    pub release_statute: bool,
    /// How consent forms are signed.
    pub signing: SigningMethod,
}

/// Where the population lives: cities and their countries.
#[derive(Debug, Clone, PartialEq)]
pub struct Cities {
    /// One entry per country of the cities.
    pub nations: Vec<Nation>,
    /// The cities; a relocation goes to another city of the same country.
    pub cities: Vec<City>,
}

fn id(s: &str) -> AgencyId {
    AgencyId::try_from(s).expect("a valid agency id")
}

impl Cities {
    /// Two "cities" on the test env's agencies: the municipality (quick) and the second
    /// municipality (slow), sharing the police and the employment service; the protection unit
    /// gets relocated people's addresses.
    pub fn for_test(a: &crate::Agencies) -> Cities {
        let city = |name: &str, prefix: &str, municipality, pace| City {
            name: name.to_owned(),
            case_prefix: prefix.to_owned(),
            jurisdiction: Jurisdiction::DK,
            programme: format!("Exit {name}"),
            postal_code: "2400".to_owned(),
            municipality,
            police: a.police.clone(),
            employment: a.employment.clone(),
            municipality_pace: pace,
            employment_pace: Pace::Steady,
            weight: 1,
        };
        Cities {
            nations: vec![Nation {
                jurisdiction: Jurisdiction::DK,
                prison: a.prison.clone(),
                contact_point: a.contact_point.clone(),
                protection: Some(a.protection.clone()),
                release_statute: true,
                signing: SigningMethod::Mitid,
            }],
            cities: vec![
                city("Nordby", "NOR", a.municipality.clone(), Pace::Quick),
                city("Sydby", "SYD", a.destination.clone(), Pace::Slow),
            ],
        }
    }

    /// The demo's four cities, with the agencies of `config/agencies.toml`: København and
    /// Aarhus in Denmark, Oslo and Trondheim in Norway. Aarhus kommune and NAV Oslo are the
    /// slow ones, Oslo kommune and Jobcenter København the quick ones.
    pub fn demo() -> Cities {
        let city = |name: &str,
                    prefix: &str,
                    jurisdiction,
                    programme: &str,
                    postal: &str,
                    [municipality, police, employment]: [&str; 3],
                    paces: (Pace, Pace),
                    weight| City {
            name: name.to_owned(),
            case_prefix: prefix.to_owned(),
            jurisdiction,
            programme: programme.to_owned(),
            postal_code: postal.to_owned(),
            municipality: id(municipality),
            police: id(police),
            employment: id(employment),
            municipality_pace: paces.0,
            employment_pace: paces.1,
            weight,
        };
        Cities {
            nations: vec![
                Nation {
                    jurisdiction: Jurisdiction::DK,
                    prison: id("dk-kriminalforsorgen"),
                    contact_point: id("dk-exit-kontaktpunkt"),
                    protection: None,
                    release_statute: true,
                    signing: SigningMethod::Mitid,
                },
                Nation {
                    jurisdiction: Jurisdiction::NO,
                    prison: id("no-kriminalomsorgen"),
                    contact_point: id("no-exit-kontaktpunkt"),
                    protection: Some(id("no-politiet-beskyttelse")),
                    release_statute: false,
                    signing: SigningMethod::Bankid,
                },
            ],
            cities: vec![
                city(
                    "København",
                    "KBH",
                    Jurisdiction::DK,
                    "Exit København",
                    "2400",
                    [
                        "dk-kobenhavn-kommune",
                        "dk-kobenhavns-politi",
                        "dk-jobcenter-kobenhavn",
                    ],
                    (Pace::Steady, Pace::Quick),
                    34,
                ),
                city(
                    "Aarhus",
                    "AAR",
                    Jurisdiction::DK,
                    "Exit Aarhus",
                    "8200",
                    [
                        "dk-aarhus-kommune",
                        "dk-ostjyllands-politi",
                        "dk-jobcenter-aarhus",
                    ],
                    (Pace::Slow, Pace::Steady),
                    20,
                ),
                city(
                    "Oslo",
                    "OSL",
                    Jurisdiction::NO,
                    "Exin Oslo",
                    "0560",
                    ["no-oslo-kommune", "no-oslo-politidistrikt", "no-nav-oslo"],
                    (Pace::Quick, Pace::Slow),
                    30,
                ),
                city(
                    "Trondheim",
                    "TRD",
                    Jurisdiction::NO,
                    "Trondheim exit team",
                    "7030",
                    [
                        "no-trondheim-kommune",
                        "no-trondelag-politidistrikt",
                        "no-nav-trondheim",
                    ],
                    (Pace::Steady, Pace::Steady),
                    16,
                ),
            ],
        }
    }

    /// Every agency the population involves, each once.
    pub fn agencies(&self) -> BTreeSet<AgencyId> {
        let mut all = BTreeSet::new();
        for n in &self.nations {
            all.insert(n.prison.clone());
            all.insert(n.contact_point.clone());
            all.extend(n.protection.clone());
        }
        for c in &self.cities {
            all.extend([
                c.municipality.clone(),
                c.police.clone(),
                c.employment.clone(),
            ]);
        }
        all
    }

    fn nation(&self, jurisdiction: Jurisdiction) -> &Nation {
        self.nations
            .iter()
            .find(|n| n.jurisdiction == jurisdiction)
            .unwrap_or_else(|| panic!("no nation {jurisdiction:?} for a city of it"))
    }
}

/// The population's shape: shares and probabilities. The defaults are the demo's.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    /// People who consent at intake, before the release notice.
    pub consent_at_intake: f64,
    /// Of the others, where a statute carries the release notice: those who consent after
    /// the notice (the rest never do, and their case stays with the prison at `referred`).
    pub consent_after_notice: f64,
    /// Consents that allow OUTCOME_STATISTICS to the national contact point.
    pub outcome_consent: f64,
    /// Consents that let the municipality share case status and risk with the police.
    pub police_consent: f64,
    /// Release notices later than 3 months before the release.
    pub late_notice: f64,
    /// Release notices that are late where the person consented only after intake (and no
    /// statute lets the prison notify before).
    pub late_notice_after_late_consent: f64,
    /// Release notices that state housing and income needs.
    pub notice_with_needs: f64,
    /// Cases where the prison sends a risk and need summary before the handover.
    pub risk_summary: f64,
    /// First handovers to the municipality that are rejected (before the municipality's
    /// pace shifts it).
    pub reject: f64,
    /// Handovers accepted at once, without an acknowledgement first.
    pub direct_accept: f64,
    /// Accepted cases that relocate to the other city of the country.
    pub relocation: f64,
    /// Relocations the destination declines.
    pub relocation_rejected: f64,
    /// Accepted cases that the municipality hands on to the employment service.
    pub employment_handover: f64,
    /// Where the consent allows it, cases on which the municipality briefs the police.
    pub police_summary: f64,
    /// Consent renewals that come only after the version in force lapsed (5 to 45 days;
    /// always before the next message that needs consent).
    pub late_renewal: f64,
    /// Deliberate refusal: of the people who never consent, release notices also addressed
    /// to the employment service (refused for it: NO_GATEWAY).
    pub notice_to_employment_without_consent: f64,
    /// Deliberate refusal: of the prison's risk summaries, those also addressed to the
    /// employment service, which the consent does not allow risk data (CATEGORY_NOT_COVERED).
    pub risk_to_employment: f64,
    /// Deliberate refusal: of the closed cases whose consent does not allow outcome
    /// statistics, those whose owner sends an outcome report anyway (CATEGORY_NOT_COVERED).
    pub outcome_without_consent: f64,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            consent_at_intake: 0.80,
            consent_after_notice: 0.2,
            outcome_consent: 0.85,
            police_consent: 0.6,
            late_notice: 0.15,
            late_notice_after_late_consent: 0.5,
            notice_with_needs: 0.8,
            risk_summary: 0.7,
            reject: 0.20,
            direct_accept: 0.05,
            relocation: 0.04,
            relocation_rejected: 0.15,
            employment_handover: 0.2,
            police_summary: 0.7,
            late_renewal: 0.45,
            notice_to_employment_without_consent: 0.3,
            risk_to_employment: 0.06,
            outcome_without_consent: 0.3,
        }
    }
}

/// What to plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanConfig {
    /// The seed: the same seed gives the same population (ids included).
    pub seed: u64,
    /// How many cases (people who reach the hub).
    pub cases: usize,
    /// How many days back the population starts.
    pub days: u32,
    /// The end of the simulation: nothing is dated later. Whole seconds.
    pub now: DateTime<Utc>,
    /// Shares and probabilities.
    pub shape: Shape,
}

impl PlanConfig {
    /// The demo's shape with these numbers.
    pub fn new(seed: u64, cases: usize, days: u32, now: DateTime<Utc>) -> Self {
        PlanConfig {
            seed,
            cases,
            days,
            now,
            shape: Shape::default(),
        }
    }

    /// The latest time a message may be dated: a little before `now`, so the hub's clock
    /// is past it when the message arrives.
    pub fn cutoff(&self) -> DateTime<Utc> {
        self.now - Duration::minutes(10)
    }

    /// The earliest time a message may be dated.
    pub fn start(&self) -> DateTime<Utc> {
        self.now - Duration::days(i64::from(self.days))
    }
}

/// How the hub should answer a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// Delivered to every recipient.
    Delivered,
    /// Delivered, but refused for one recipient (a deliberate refusal).
    PartlyRefused {
        /// The recipient refused.
        recipient: AgencyId,
        /// Why.
        reason: ReasonCode,
    },
    /// Refused whole (a deliberate refusal).
    Refused {
        /// Why.
        reason: ReasonCode,
    },
}

/// A handover of a case, or a relocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A `HandoverRequest`.
    Handover,
    /// A `RelocationRequest`.
    Relocation,
}

/// What a delivered step changes at the hub, for the tally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Nothing counted.
    None,
    /// A consent version recorded.
    Consent,
    /// A consent withdrawn.
    Withdrawal,
    /// The release notice that opens the case.
    OpensCase,
    /// A handover or relocation requested.
    Requested(Kind),
    /// Acknowledged by its recipient.
    Received(Kind),
    /// Answered: accepted (a relocation: confirmed) or rejected with a code.
    Answered {
        /// Handover or relocation.
        kind: Kind,
        /// Accepted or confirmed.
        accepted: bool,
        /// The rejection's code.
        code: Option<RejectionReason>,
    },
    /// The case closed.
    Closed(CaseEndReason),
    /// An outcome reported to the contact point, with its figures.
    Outcome {
        /// No new serious charge within 12 months, when known.
        no_new_charge: Option<bool>,
        /// In education or a job 3 months after the end, when known.
        in_job: Option<bool>,
    },
}

/// One message of a case, as its sender's agent is given it.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Step {
    /// The simulated time: the draft's `envelope.sent_at`.
    pub at: DateTime<Utc>,
    /// The agency whose agent sends it.
    pub sender: AgencyId,
    pub message_type: MessageType,
    /// Its id (a version-7 UUID of `at`), in the draft.
    pub message_id: MessageId,
    /// The draft for `agent::submit`: complete, except that a sealed field holds
    /// `{"seal": {...}}` for the agent to seal.
    pub draft: Value,
    /// How the hub should answer.
    pub expect: Expect,
    /// What it changes when delivered.
    pub mark: Mark,
    /// Whether it can pass only under the person's consent (no statute covers it).
    pub needs_consent: bool,
}

/// One case: a person's messages in time order.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)] // fields named for what they hold
pub struct CaseScript {
    /// The case id.
    pub case_id: CaseId,
    /// The person's pseudonym.
    pub subject: Pseudonym,
    /// The home city's name.
    pub city: String,
    pub jurisdiction: Jurisdiction,
    /// The steps, strictly in time order; sent one after the other.
    pub steps: Vec<Step>,
}

/// A planned population.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// What was planned.
    pub config: PlanConfig,
    /// The cases, oldest first.
    pub cases: Vec<CaseScript>,
}

impl Plan {
    /// Plans `config.cases` cases in `cities`.
    pub fn new(config: PlanConfig, cities: &Cities) -> Plan {
        assert!(config.days >= 30, "a population spans at least 30 days");
        assert!(!cities.cities.is_empty(), "at least one city");
        let mut rng = Rng::new(config.seed);
        let window = i64::from(config.days);
        // Draw each case's city and start, then number cases per city and year by start.
        let weights: Vec<(usize, u32)> = cities
            .cities
            .iter()
            .enumerate()
            .map(|(i, c)| (i, c.weight))
            .collect();
        let mut starts: Vec<(DateTime<Utc>, usize, Rng)> = (0..config.cases)
            .map(|_| {
                let mut case_rng = rng.fork();
                let city = case_rng.weighted(&weights);
                // The day the case opens (its release notice): late enough for an intake
                // consent before it, early enough to be sent by the cutoff.
                let day = config.start().date_naive()
                    + Days::new(case_rng.range(i64::from(INTAKE_DAYS) + 4, window - 1) as u64);
                let opens = office_time(&mut case_rng, working_day_back(day));
                (opens, city, case_rng)
            })
            .collect();
        starts.sort_by_key(|(start, city, _)| (*start, *city));
        let mut numbers: BTreeMap<(usize, i32), u32> = BTreeMap::new();
        let mut cases: Vec<CaseScript> = starts
            .into_iter()
            .map(|(opens, city_index, case_rng)| {
                let city = &cities.cities[city_index];
                let number = numbers.entry((city_index, opens.year())).or_insert(0);
                *number += 1;
                let case_id = CaseId::try_from(format!(
                    "{}-{}-P{}-{:04}",
                    city.case_prefix,
                    opens.year(),
                    config.seed,
                    number
                ))
                .expect("a valid case id");
                plan_case(&config, cities, city, case_id, opens, case_rng)
            })
            .collect();
        // Oldest first, by the first message (an intake consent may precede the opening).
        cases.sort_by_key(|c| c.steps.first().map(|s| s.at));
        Plan { config, cases }
    }

    /// Every step, case by case.
    pub fn steps(&self) -> impl Iterator<Item = &Step> {
        self.cases.iter().flat_map(|c| c.steps.iter())
    }
}

/// The last working day (Monday to Friday) up to `day`.
fn working_day_back(day: NaiveDate) -> NaiveDate {
    match day.weekday() {
        Weekday::Sat => day - Days::new(1),
        Weekday::Sun => day - Days::new(2),
        _ => day,
    }
}

/// The most days an intake consent precedes the release notice.
const INTAKE_DAYS: u32 = 20;

/// The next working day (Monday to Friday) from `day` on.
fn working_day(day: NaiveDate) -> NaiveDate {
    match day.weekday() {
        Weekday::Sat => day + Days::new(2),
        Weekday::Sun => day + Days::new(1),
        _ => day,
    }
}

/// `n` working days after `day` (weekends skipped; holidays are not modelled).
fn add_working_days(day: NaiveDate, n: u32) -> NaiveDate {
    let mut day = working_day(day);
    for _ in 0..n {
        day = working_day(day + Days::new(1));
    }
    day
}

/// A time in office hours (07:00 to 15:00 UTC) on `day`, whole minutes.
fn office_time(rng: &mut Rng, day: NaiveDate) -> DateTime<Utc> {
    let minutes = rng.range(7 * 60, 15 * 60);
    let time = NaiveTime::from_hms_opt((minutes / 60) as u32, (minutes % 60) as u32, 0)
        .expect("a valid time");
    Utc.from_utc_datetime(&day.and_time(time))
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

/// How long a consent version runs: under 12 months, both ends included.
const CONSENT_DAYS: u64 = 364;

/// Which provisions a consent version has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Provisions {
    /// The programme: release, case and reintegration data among municipality, prison and
    /// employment service.
    programme: bool,
    /// Case status and risk to the police.
    police: bool,
    /// Outcome figures to the national contact point.
    outcome: bool,
    /// Relocation safety: the destination municipality and the protection unit.
    relocation: bool,
}

/// A planned message before it is written as a draft.
#[derive(Debug, Clone)]
struct Event {
    at: DateTime<Utc>,
    sender: AgencyId,
    what: What,
    needs_consent: bool,
    expect: Expect,
    mark: Mark,
}

#[derive(Debug, Clone)]
enum What {
    Consent {
        provisions: Provisions,
        version: u32,
        period: Option<Period>,
    },
    Withdrawal,
    Notice {
        recipients: Vec<AgencyId>,
        expected_release: NaiveDate,
        earliest_release: Option<NaiveDate>,
        supervision: Supervision,
        needs: Option<(NeedLevel, NeedLevel)>,
    },
    Risk {
        recipients: Vec<AgencyId>,
        purpose: Purpose,
        level: RiskLevel,
        needs: Vec<NeedArea>,
    },
    Request {
        to: AgencyId,
        handover_id: Uuid,
        purpose: Purpose,
        reason: &'static str,
        plan: &'static str,
    },
    Response {
        to: AgencyId,
        handover_id: Uuid,
        purpose: Purpose,
        outcome: HandoverOutcome,
        code: Option<RejectionReason>,
    },
    Relocation {
        to: AgencyId,
        relocation_id: Uuid,
        threat: ThreatLevel,
        unit: u32,
        city: String,
        postal_code: String,
    },
    Confirmed {
        recipients: Vec<AgencyId>,
        relocation_id: Uuid,
        move_in_days: u64,
        /// The new address, sealed to the protection unit when there is one.
        sealed: Option<(u32, String, String)>,
    },
    Closed {
        recipients: Vec<AgencyId>,
        reason: CaseEndReason,
    },
    Outcome {
        to: AgencyId,
        end_reason: CaseEndReason,
        ended_on: NaiveDate,
        no_new_charge: Option<bool>,
        in_job: Option<bool>,
    },
}

/// Rejection codes a municipality gives a first handover, by weight.
const MUNICIPALITY_CODES: &[(RejectionReason, u32)] = &[
    (RejectionReason::NoCapacity, 35),
    (RejectionReason::NotResponsible, 20),
    (RejectionReason::InsufficientInformation, 20),
    (RejectionReason::PersonDeclined, 15),
    (RejectionReason::Other, 10),
];

/// Rejection codes of a second request, by weight.
const SECOND_CODES: &[(RejectionReason, u32)] = &[
    (RejectionReason::NoCapacity, 60),
    (RejectionReason::Other, 40),
];

/// Rejection codes the employment service gives, by weight.
const EMPLOYMENT_CODES: &[(RejectionReason, u32)] = &[
    (RejectionReason::NoCapacity, 40),
    (RejectionReason::InsufficientInformation, 35),
    (RejectionReason::Other, 25),
];

/// Rejection codes of a relocation's destination, by weight.
const RELOCATION_CODES: &[(RejectionReason, u32)] = &[
    (RejectionReason::NoCapacity, 70),
    (RejectionReason::Other, 30),
];

/// How accepted cases end, by weight.
const END_REASONS: &[(CaseEndReason, u32)] = &[
    (CaseEndReason::Completed, 55),
    (CaseEndReason::DroppedOut, 28),
    (CaseEndReason::Transferred, 8),
    (CaseEndReason::ConsentWithdrawn, 7),
    (CaseEndReason::Deceased, 2),
];

/// The generic words of a rejection: never about the person.
fn rejection_words(code: RejectionReason) -> &'static str {
    match code {
        RejectionReason::NoCapacity => "No place in the programme or supported housing in time.",
        RejectionReason::NotResponsible => "Another municipality is responsible for this person.",
        RejectionReason::PersonDeclined => "The person declined the programme at intake.",
        RejectionReason::InsufficientInformation => {
            "The request lacks the release plan needed to take over."
        }
        RejectionReason::Other => "Cannot take over at present; the coordinator will call.",
    }
}

const PRISON_REASONS: &[&str] = &[
    "Release approaching; the municipality takes over the exit plan.",
    "Release on parole; follow-up and housing by the municipality.",
];

const PRISON_PLANS: &[&str] = &[
    "Housing application started. Income support to be arranged before release. Weekly meetings with the contact officer until release.",
    "Education begun inside; a place to continue it is needed after release.",
    "Treatment programme completed; continued mentoring wanted after release.",
    "Wants to leave the group; mentoring and a fresh start in housing agreed in principle.",
];

const EMPLOYMENT_REASON: &str =
    "Stable housing in place; the employment service leads the job plan.";
const EMPLOYMENT_PLANS: &[&str] = &[
    "Mentoring continues weekly. Ready for a work placement or a vocational course.",
    "Completed the first months of the programme; wants to finish an apprenticeship.",
];

const RELOCATION_NEEDS: &str =
    "Supported housing for the first months; continued exit mentoring at the destination.";

/// One case's story, told as events with simulated times.
struct Story<'a> {
    rng: Rng,
    shape: &'a Shape,
    nation: &'a Nation,
    city: &'a City,
    partner: Option<&'a City>,
    cutoff: DateTime<Utc>,
    clock: DateTime<Utc>,
    events: Vec<Event>,
    owner: AgencyId,
    participants: BTreeSet<AgencyId>,
    provisions: Provisions,
}

/// How a handover ended.
enum Answered {
    Accepted(DateTime<Utc>),
    Rejected(DateTime<Utc>, RejectionReason),
}

impl Story<'_> {
    /// Adds an event at `at`, or a few minutes after the previous one if that is later.
    fn push(
        &mut self,
        at: DateTime<Utc>,
        sender: &AgencyId,
        what: What,
        needs_consent: bool,
        expect: Expect,
        mark: Mark,
    ) -> DateTime<Utc> {
        let earliest = self.clock + Duration::minutes(self.rng.range(2, 20));
        let at = at.max(earliest);
        self.clock = at;
        self.events.push(Event {
            at,
            sender: sender.clone(),
            what,
            needs_consent,
            expect,
            mark,
        });
        at
    }

    fn delivered(
        &mut self,
        at: DateTime<Utc>,
        sender: &AgencyId,
        what: What,
        mark: Mark,
    ) -> DateTime<Utc> {
        self.push(at, sender, what, true, Expect::Delivered, mark)
    }

    /// A new consent version from the custodian (the home municipality).
    fn consent(&mut self, at: DateTime<Utc>) -> DateTime<Utc> {
        let custodian = self.city.municipality.clone();
        let what = What::Consent {
            provisions: self.provisions,
            version: 0,
            period: None,
        };
        self.push(
            at,
            &custodian,
            what,
            false,
            Expect::Delivered,
            Mark::Consent,
        )
    }

    /// `n` working days after `t`: office hours that day, or later the same day for 0.
    fn after_working_days(&mut self, t: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        if n == 0 {
            t + Duration::minutes(self.rng.range(20, 240))
        } else {
            let day = add_working_days(t.date_naive(), n);
            office_time(&mut self.rng, day)
        }
    }

    fn in_days(&mut self, t: DateTime<Utc>, lo: i64, hi: i64) -> DateTime<Utc> {
        let day = working_day(t.date_naive() + days(self.rng.range(lo, hi)));
        office_time(&mut self.rng, day)
    }

    /// A handover from the owner to `to`: request, acknowledgement, answer.
    #[allow(clippy::too_many_arguments)]
    fn handover(
        &mut self,
        at: DateTime<Utc>,
        to: &AgencyId,
        pace: Pace,
        purpose: Purpose,
        reject: f64,
        codes: &[(RejectionReason, u32)],
        words: (&'static str, &'static str),
    ) -> Answered {
        let from = self.owner.clone();
        let handover_id = self.rng.uuid();
        let requested = self.delivered(
            at,
            &from,
            What::Request {
                to: to.clone(),
                handover_id,
                purpose,
                reason: words.0,
                plan: words.1,
            },
            Mark::Requested(Kind::Handover),
        );
        self.participants.insert(to.clone());
        let receive_days = pace.receive_days(&mut self.rng);
        let answer_days = pace.answer_days(&mut self.rng);
        let mut last = requested;
        if !self.rng.chance(self.shape.direct_accept) {
            let at = self.after_working_days(requested, receive_days);
            last = self.delivered(
                at,
                to,
                What::Response {
                    to: from.clone(),
                    handover_id,
                    purpose,
                    outcome: HandoverOutcome::Received,
                    code: None,
                },
                Mark::Received(Kind::Handover),
            );
        }
        let at = self.after_working_days(last, answer_days);
        let (outcome, code) = if self.rng.chance(reject) {
            (HandoverOutcome::Rejected, Some(self.rng.weighted(codes)))
        } else {
            (HandoverOutcome::Accepted, None)
        };
        let answered = self.delivered(
            at,
            to,
            What::Response {
                to: from,
                handover_id,
                purpose,
                outcome,
                code,
            },
            Mark::Answered {
                kind: Kind::Handover,
                accepted: code.is_none(),
                code,
            },
        );
        match code {
            Some(code) => Answered::Rejected(answered, code),
            None => {
                self.owner = to.clone();
                Answered::Accepted(answered)
            }
        }
    }

    /// The whole story of a case that opens at `opens`.
    fn tell(&mut self, opens: DateTime<Utc>) {
        #[derive(PartialEq)]
        enum Mode {
            Intake,
            BeforeNotice,
            AfterNotice,
            Never,
        }
        let shape = self.shape;
        let statute = self.nation.release_statute;
        let mode = if self.rng.chance(shape.consent_at_intake) {
            Mode::Intake
        } else if !statute {
            Mode::BeforeNotice
        } else if self.rng.chance(shape.consent_after_notice) {
            Mode::AfterNotice
        } else {
            Mode::Never
        };
        self.provisions = Provisions {
            programme: true,
            police: self.rng.chance(shape.police_consent),
            outcome: self.rng.chance(shape.outcome_consent),
            relocation: false,
        };
        let city = self.city;
        let prison = self.nation.prison.clone();
        let municipality = city.municipality.clone();
        let employment = city.employment.clone();
        // 1. Consent at intake, then the release notice, which opens the case at `opens`.
        let notice_at = opens;
        let consented_first = matches!(mode, Mode::Intake | Mode::BeforeNotice);
        self.clock = opens - Duration::minutes(30);
        if consented_first {
            let back = self.rng.range(2, i64::from(INTAKE_DAYS));
            let day = working_day_back(opens.date_naive() - days(back));
            let at = office_time(&mut self.rng, day);
            self.clock = at - Duration::minutes(30);
            self.consent(at);
        }
        let late = self.rng.chance(if mode == Mode::BeforeNotice {
            shape.late_notice_after_late_consent
        } else {
            shape.late_notice
        });
        let lead = if late {
            self.rng.range(25, 85)
        } else {
            self.rng.range(95, 170)
        };
        let release = working_day(notice_at.date_naive() + days(lead));
        let mut recipients = vec![municipality.clone()];
        let mut expect = Expect::Delivered;
        if consented_first {
            recipients.push(employment.clone());
        } else if mode == Mode::Never && self.rng.chance(shape.notice_to_employment_without_consent)
        {
            recipients.push(employment.clone());
            expect = Expect::PartlyRefused {
                recipient: employment.clone(),
                reason: ReasonCode::NoGateway,
            };
        }
        let supervision = match self.rng.weighted(&[(0, 50), (1, 20), (2, 30)]) {
            0 => Supervision {
                kind: SupervisionKind::Parole,
                until: Some(release + days(self.rng.range(180, 540))),
            },
            1 => Supervision {
                kind: SupervisionKind::Probation,
                until: Some(release + days(self.rng.range(180, 365))),
            },
            _ => Supervision {
                kind: SupervisionKind::None,
                until: None,
            },
        };
        let needs = self.rng.chance(shape.notice_with_needs).then(|| {
            let level = [
                (NeedLevel::Urgent, 35),
                (NeedLevel::NeedsSupport, 45),
                (NeedLevel::None, 15),
                (NeedLevel::Unknown, 5),
            ];
            (self.rng.weighted(&level), self.rng.weighted(&level))
        });
        let earliest_release = self
            .rng
            .chance(0.4)
            .then(|| release - days(self.rng.range(0, 30)))
            .filter(|d| *d > notice_at.date_naive());
        let delivered_to: Vec<AgencyId> = recipients
            .iter()
            .filter(
                |r| !matches!(&expect, Expect::PartlyRefused { recipient, .. } if recipient == *r),
            )
            .cloned()
            .collect();
        let notice_at = self.push(
            notice_at,
            &prison,
            What::Notice {
                recipients,
                expected_release: release,
                earliest_release,
                supervision,
                needs,
            },
            consented_first || !statute,
            expect,
            Mark::OpensCase,
        );
        self.owner = prison.clone();
        self.participants.insert(prison.clone());
        self.participants.extend(delivered_to);
        match mode {
            Mode::Never => return,
            Mode::AfterNotice => {
                let at = self.in_days(notice_at, 8, 30);
                self.consent(at);
            }
            _ => {}
        }

        // 2. The prison's risk summary, then the handover around the release.
        let handover_day = working_day(release - days(self.rng.range(3, 25)));
        let mut handover_at = office_time(&mut self.rng, handover_day);
        handover_at = handover_at.max(self.clock + days(1));
        if self.rng.chance(shape.risk_summary) {
            let at = self.in_days(notice_at, 3, 30).min(handover_at - days(1));
            let mut recipients = vec![municipality.clone()];
            let mut expect = Expect::Delivered;
            if self.rng.chance(shape.risk_to_employment) {
                recipients.push(employment.clone());
                expect = Expect::PartlyRefused {
                    recipient: employment.clone(),
                    reason: ReasonCode::CategoryNotCovered,
                };
            }
            let risk = self.risk(recipients, Purpose::ReintegrationPlanning);
            self.push(at, &prison, risk, true, expect, Mark::None);
        }
        handover_at = handover_at.max(self.clock + days(1));
        let words = (*self.pick(PRISON_REASONS), *self.pick(PRISON_PLANS));
        let first = self.handover(
            handover_at,
            &municipality,
            city.municipality_pace,
            Purpose::ReleaseCoordination,
            shape.reject + city.municipality_pace.reject_shift(),
            MUNICIPALITY_CODES,
            words,
        );
        let accepted_at = match first {
            Answered::Accepted(at) => at,
            Answered::Rejected(at, code) => {
                let retry = match code {
                    RejectionReason::NoCapacity => Some((10, 25, 0.75)),
                    RejectionReason::InsufficientInformation => Some((3, 10, 0.9)),
                    RejectionReason::Other if self.rng.chance(0.5) => Some((5, 15, 0.8)),
                    _ => None,
                };
                let Some((lo, hi, accept)) = retry else {
                    let reason = if code == RejectionReason::NotResponsible {
                        CaseEndReason::Transferred
                    } else {
                        CaseEndReason::DroppedOut
                    };
                    let at = self.in_days(at, 2, 10);
                    self.close(at, reason);
                    return;
                };
                let again = self.in_days(at, lo, hi);
                match self.handover(
                    again,
                    &municipality,
                    city.municipality_pace,
                    Purpose::ReleaseCoordination,
                    1.0 - accept,
                    SECOND_CODES,
                    words,
                ) {
                    Answered::Accepted(at) => at,
                    Answered::Rejected(at, _) => {
                        let at = self.in_days(at, 2, 20);
                        self.close(at, CaseEndReason::DroppedOut);
                        return;
                    }
                }
            }
        };

        // 3. The municipality's case: the police, a relocation or the employment service.
        // Exit programmes run from a few months to a year and a half, most under a year.
        let (lo, hi) = self
            .rng
            .weighted(&[((60, 150), 35), ((150, 365), 45), ((365, 540), 20)]);
        let mut end = self.in_days(accepted_at, lo, hi);
        if self.provisions.police && self.rng.chance(shape.police_summary) {
            let at = self.in_days(accepted_at, 10, 60);
            let risk = self.risk(vec![city.police.clone()], Purpose::CaseCoordination);
            self.delivered(at, &municipality, risk, Mark::None);
            self.participants.insert(city.police.clone());
        }
        let mut relocated = false;
        if let Some(partner) = self.partner
            && self.rng.chance(shape.relocation)
        {
            let at = self.in_days(accepted_at, 20, 150);
            relocated = self.relocate(partner, at);
        }
        if !relocated && self.rng.chance(shape.employment_handover) {
            let at = self.in_days(self.clock, 30, 120);
            let plan = *self.pick(EMPLOYMENT_PLANS);
            self.handover(
                at,
                &employment,
                city.employment_pace,
                Purpose::ReintegrationPlanning,
                0.15,
                EMPLOYMENT_CODES,
                (EMPLOYMENT_REASON, plan),
            );
        }
        let earliest_end = self.in_days(self.clock, 30, 90);
        end = end.max(earliest_end);
        let reason = self.rng.weighted(END_REASONS);
        self.close(end, reason);
    }

    fn pick<'s>(&mut self, items: &'s [&'static str]) -> &'s &'static str {
        &items[self.rng.range(0, items.len() as i64 - 1) as usize]
    }

    fn risk(&mut self, recipients: Vec<AgencyId>, purpose: Purpose) -> What {
        let level = self.rng.weighted(&[
            (RiskLevel::Low, 15),
            (RiskLevel::Medium, 40),
            (RiskLevel::High, 35),
            (RiskLevel::VeryHigh, 10),
        ]);
        let mut needs = Vec::new();
        while needs.len() < 3 {
            let need = self.rng.weighted(&[
                (NeedArea::Accommodation, 20),
                (NeedArea::EducationEmployment, 20),
                (NeedArea::Companions, 18),
                (NeedArea::AlcoholDrug, 14),
                (NeedArea::ProcriminalAttitude, 10),
                (NeedArea::FamilyMarital, 8),
                (NeedArea::LeisureRecreation, 6),
                (NeedArea::AntisocialPattern, 4),
            ]);
            if !needs.contains(&need) {
                needs.push(need);
            }
        }
        What::Risk {
            recipients,
            purpose,
            level,
            needs,
        }
    }

    /// A relocation to `partner`'s municipality, with the consent version it needs. Whether
    /// the destination confirmed it (and owns the case now).
    fn relocate(&mut self, partner: &City, at: DateTime<Utc>) -> bool {
        let origin = self.owner.clone();
        let destination = partner.municipality.clone();
        self.provisions.relocation = true;
        let consent_at = at - days(self.rng.range(1, 6));
        self.consent(consent_at);
        let relocation_id = self.rng.uuid();
        let threat = self.rng.weighted(&[
            (ThreatLevel::Moderate, 35),
            (ThreatLevel::High, 45),
            (ThreatLevel::Severe, 20),
        ]);
        let unit = self.rng.range(1, 40) as u32;
        let requested = self.delivered(
            at,
            &origin,
            What::Relocation {
                to: destination.clone(),
                relocation_id,
                threat,
                unit,
                city: partner.name.clone(),
                postal_code: partner.postal_code.clone(),
            },
            Mark::Requested(Kind::Relocation),
        );
        self.participants.insert(destination.clone());
        let received = requested + Duration::hours(self.rng.range(2, 26));
        let received = self.delivered(
            received,
            &destination,
            What::Response {
                to: origin.clone(),
                handover_id: relocation_id,
                purpose: Purpose::RelocationSafety,
                outcome: HandoverOutcome::Received,
                code: None,
            },
            Mark::Received(Kind::Relocation),
        );
        let answered = received + Duration::hours(self.rng.range(3, 30));
        if self.rng.chance(self.shape.relocation_rejected) {
            let code = self.rng.weighted(RELOCATION_CODES);
            self.delivered(
                answered,
                &destination,
                What::Response {
                    to: origin,
                    handover_id: relocation_id,
                    purpose: Purpose::RelocationSafety,
                    outcome: HandoverOutcome::Rejected,
                    code: Some(code),
                },
                Mark::Answered {
                    kind: Kind::Relocation,
                    accepted: false,
                    code: Some(code),
                },
            );
            return false;
        }
        let protection = self.nation.protection.clone();
        let mut recipients = vec![origin];
        recipients.extend(protection.clone());
        let sealed = protection.as_ref().map(|_| {
            (
                self.rng.range(1, 90) as u32,
                partner.name.clone(),
                partner.postal_code.clone(),
            )
        });
        let move_in_days = self.rng.range(2, 12) as u64;
        self.delivered(
            answered,
            &destination,
            What::Confirmed {
                recipients,
                relocation_id,
                move_in_days,
                sealed,
            },
            Mark::Answered {
                kind: Kind::Relocation,
                accepted: true,
                code: None,
            },
        );
        self.participants.extend(protection);
        self.owner = destination;
        true
    }

    /// The owner closes the case; a withdrawal or an outcome report may follow.
    fn close(&mut self, at: DateTime<Utc>, reason: CaseEndReason) {
        let owner = self.owner.clone();
        let protection = self.nation.protection.as_ref();
        let recipients: Vec<AgencyId> = self
            .participants
            .iter()
            .filter(|a| **a != owner && Some(*a) != protection)
            .cloned()
            .collect();
        let closed = self.delivered(
            at,
            &owner,
            What::Closed { recipients, reason },
            Mark::Closed(reason),
        );
        let reported_by_owner = owner != self.nation.prison;
        match reason {
            CaseEndReason::ConsentWithdrawn => {
                let at = closed + Duration::minutes(self.rng.range(5, 30));
                let custodian = self.city.municipality.clone();
                self.push(
                    at,
                    &custodian,
                    What::Withdrawal,
                    false,
                    Expect::Delivered,
                    Mark::Withdrawal,
                );
            }
            CaseEndReason::Deceased => {}
            _ if !reported_by_owner => {}
            _ if self.provisions.outcome => {
                // The follow-up: a consent version for the statistics only, then the report
                // when the figures are known (12 months), or the 3-month figure if that is
                // all the story has reached.
                self.provisions = Provisions {
                    programme: false,
                    police: false,
                    outcome: true,
                    relocation: false,
                };
                let follow_up = self.in_days(closed, 15, 30);
                self.consent(follow_up);
                let full = self.in_days(closed, 365, 380);
                let (at, no_new_charge) = if full <= self.cutoff {
                    (full, Some(self.rng.chance(no_new_charge_share(reason))))
                } else {
                    (self.in_days(closed, 95, 110), None)
                };
                let in_job = Some(self.rng.chance(in_job_share(reason)));
                self.delivered(
                    at,
                    &owner,
                    What::Outcome {
                        to: self.nation.contact_point.clone(),
                        end_reason: reason,
                        ended_on: closed.date_naive(),
                        no_new_charge,
                        in_job,
                    },
                    Mark::Outcome {
                        no_new_charge,
                        in_job,
                    },
                );
            }
            _ if self.rng.chance(self.shape.outcome_without_consent) => {
                let at = self.in_days(closed, 2, 8);
                self.push(
                    at,
                    &owner,
                    What::Outcome {
                        to: self.nation.contact_point.clone(),
                        end_reason: reason,
                        ended_on: closed.date_naive(),
                        no_new_charge: None,
                        in_job: None,
                    },
                    true,
                    Expect::Refused {
                        reason: ReasonCode::CategoryNotCovered,
                    },
                    Mark::None,
                );
            }
            _ => {}
        }
    }
}

/// The share of people without a new serious charge 12 months after the end, by how it ended.
fn no_new_charge_share(reason: CaseEndReason) -> f64 {
    match reason {
        CaseEndReason::Completed => 0.78,
        CaseEndReason::Transferred => 0.65,
        _ => 0.48,
    }
}

/// The share of people in education or a job 3 months after the end, by how it ended.
fn in_job_share(reason: CaseEndReason) -> f64 {
    match reason {
        CaseEndReason::Completed => 0.60,
        CaseEndReason::Transferred => 0.45,
        _ => 0.22,
    }
}

/// Plans one case: its story, consent renewals where the story needs them, cut at `now`,
/// written as drafts.
fn plan_case(
    config: &PlanConfig,
    cities: &Cities,
    city: &City,
    case_id: CaseId,
    start: DateTime<Utc>,
    mut rng: Rng,
) -> CaseScript {
    let nation = cities.nation(city.jurisdiction);
    let partner = cities
        .cities
        .iter()
        .find(|c| c.jurisdiction == city.jurisdiction && c.municipality != city.municipality);
    let subject = Pseudonym::try_from(format!("ps-{}", rng.hex(16))).expect("a valid pseudonym");
    let consent_id = rng.uuid();
    let mut story = Story {
        rng: rng.fork(),
        shape: &config.shape,
        nation,
        city,
        partner,
        cutoff: config.cutoff(),
        clock: start,
        events: Vec::new(),
        owner: nation.prison.clone(),
        participants: BTreeSet::new(),
        provisions: Provisions {
            programme: true,
            police: false,
            outcome: false,
            relocation: false,
        },
    };
    story.tell(start);
    let mut events = renew_consents(
        story.events,
        &city.municipality,
        config.shape.late_renewal,
        &mut rng,
    );
    events.retain(|e| e.at <= config.cutoff());
    let writer = Writer {
        nation,
        city,
        case_id: &case_id,
        subject: &subject,
        consent_id,
        correlation: rng.uuid(),
    };
    let steps = events
        .into_iter()
        .map(|event| writer.step(event, &mut rng))
        .collect();
    CaseScript {
        case_id,
        subject,
        city: city.name.clone(),
        jurisdiction: city.jurisdiction,
        steps,
    }
}

/// Numbers the consent versions and gives them their periods, and inserts a renewal (same
/// provisions, from the custodian) before any message that needs consent when the version
/// in force would have lapsed by then: mostly a few weeks before it lapses, sometimes (a
/// share `late_renewal`) some weeks after, but always before that message.
fn renew_consents(
    events: Vec<Event>,
    custodian: &AgencyId,
    late_renewal: f64,
    rng: &mut Rng,
) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::with_capacity(events.len() + 2);
    let mut current: Option<(Period, Provisions)> = None;
    let mut version = 0;
    let period_from = |at: DateTime<Utc>| {
        let start = at.date_naive();
        Period {
            start,
            end: start + Days::new(CONSENT_DAYS),
        }
    };
    for mut event in events {
        if let What::Consent {
            provisions,
            version: v,
            period,
        } = &mut event.what
        {
            version += 1;
            *v = version;
            let p = period_from(event.at);
            *period = Some(p);
            current = Some((p, *provisions));
        } else if event.needs_consent {
            let (period, provisions) = current.expect("a consent before a message that needs one");
            if event.at.date_naive() > period.end {
                let last = out.last().map_or(event.at - days(1), |e| e.at);
                let lo = (last + Duration::minutes(10)).max(event.at - days(360));
                let hi = event.at - Duration::minutes(10);
                let day = if rng.chance(late_renewal) {
                    period.end + days(rng.range(5, 45))
                } else {
                    period.end - days(rng.range(1, 21))
                };
                let candidate = office_time(rng, day);
                let at = if lo <= hi {
                    candidate.clamp(lo, hi)
                } else {
                    last + (event.at - last) / 2
                };
                let at = at.with_nanosecond_zero();
                version += 1;
                let p = period_from(at);
                out.push(Event {
                    at,
                    sender: custodian.clone(),
                    what: What::Consent {
                        provisions,
                        version,
                        period: Some(p),
                    },
                    needs_consent: false,
                    expect: Expect::Delivered,
                    mark: Mark::Consent,
                });
                current = Some((p, provisions));
            }
        }
        out.push(event);
    }
    out
}

trait WholeSeconds {
    fn with_nanosecond_zero(self) -> Self;
}

impl WholeSeconds for DateTime<Utc> {
    fn with_nanosecond_zero(self) -> Self {
        chrono::Timelike::with_nanosecond(&self, 0).expect("0 is a valid nanosecond")
    }
}

/// Writes events as drafts for one case.
struct Writer<'a> {
    nation: &'a Nation,
    city: &'a City,
    case_id: &'a CaseId,
    subject: &'a Pseudonym,
    consent_id: Uuid,
    correlation: Uuid,
}

fn short(s: &str) -> ShortText {
    ShortText::try_from(s).expect("a planner text is a valid short text")
}

fn long(s: &str) -> LongText {
    LongText::try_from(s).expect("a planner text is a valid long text")
}

impl Writer<'_> {
    #[allow(clippy::too_many_arguments)]
    fn envelope(
        &self,
        event: &Event,
        message_id: MessageId,
        message_type: MessageType,
        recipients: Vec<AgencyId>,
        purpose: Purpose,
        data_categories: Vec<DataCategory>,
        correlation: Uuid,
        with_case: bool,
    ) -> Envelope {
        Envelope {
            message_id,
            correlation_id: correlation,
            causation_id: None,
            case_id: with_case.then(|| self.case_id.clone()),
            subject: Some(self.subject.clone()),
            sender: event.sender.clone(),
            recipients,
            message_type,
            schema_version: schemas::SCHEMA_VERSION,
            sent_at: event.at,
            purpose,
            data_categories,
            gateway: None,
            sent_by: None,
            withheld: Vec::new(),
        }
    }

    fn provisions(&self, p: Provisions) -> Vec<Provision> {
        use DataCategory as C;
        use Purpose as P;
        let role = |r| RecipientSelector::Role(r);
        let provision = |recipients, purposes, categories| Provision {
            senders: Vec::new(),
            recipients,
            categories,
            purposes,
            message_types: Vec::new(),
            period: None,
            children: Vec::new(),
        };
        let programme = vec![
            P::ReleaseCoordination,
            P::ReintegrationPlanning,
            P::CaseCoordination,
        ];
        let mut out = Vec::new();
        if p.programme {
            out.push(provision(
                vec![
                    role(AgencyRole::Municipality),
                    role(AgencyRole::PrisonProbation),
                ],
                programme.clone(),
                vec![
                    C::SentenceRelease,
                    C::CaseStatus,
                    C::RiskNeed,
                    C::EconomyBenefits,
                ],
            ));
            out.push(provision(
                vec![role(AgencyRole::Employment)],
                programme,
                vec![C::SentenceRelease, C::EducationEmployment, C::CaseStatus],
            ));
        }
        if p.police {
            out.push(provision(
                vec![role(AgencyRole::Police)],
                vec![P::CaseCoordination],
                vec![C::CaseStatus, C::RiskNeed],
            ));
        }
        if p.relocation {
            let mut recipients = vec![role(AgencyRole::Municipality)];
            recipients.extend(
                self.nation
                    .protection
                    .iter()
                    .map(|a| RecipientSelector::Agency(a.clone())),
            );
            out.push(provision(
                recipients,
                vec![P::RelocationSafety],
                vec![C::RiskNeed, C::CaseStatus, C::ProtectedLocation],
            ));
        }
        if p.outcome {
            out.push(provision(
                vec![role(AgencyRole::NationalContactPoint)],
                vec![P::OutcomeStatistics],
                vec![C::Outcome],
            ));
        }
        out
    }

    fn step(&self, event: Event, rng: &mut Rng) -> Step {
        use DataCategory as C;
        let millis = u64::try_from(event.at.timestamp_millis()).expect("after 1970");
        let message_id = MessageId::try_from(
            uuid::Builder::from_unix_timestamp_millis(millis, &rng.bytes()).into_uuid(),
        )
        .expect("a version-7 UUID");
        let case = self.correlation;
        let (message_type, body, recipients, purpose, categories, correlation, with_case, seal) =
            match &event.what {
                What::Consent {
                    provisions,
                    version,
                    period,
                } => {
                    let signed = event.at - Duration::minutes(rng.range(30, 2 * 24 * 60));
                    let record = ConsentRecord {
                        consent_id: self.consent_id,
                        version: *version,
                        supersedes: (*version > 1).then(|| version - 1),
                        subject: self.subject.clone(),
                        jurisdiction: self.city.jurisdiction,
                        programme: short(&self.city.programme),
                        grantors: vec![Grantor {
                            role: GrantorRole::Person,
                            signed_at: signed,
                            method: self.nation.signing,
                        }],
                        subject_adult_on: None,
                        custodian: event.sender.clone(),
                        evidence_hash: rng.hex(64),
                        period: period.expect("numbered by renew_consents"),
                        status: ConsentStatus::Active,
                        provisions: self.provisions(*provisions),
                    };
                    (
                        MessageType::ConsentGranted,
                        Body::ConsentGranted(ConsentGranted { consent: record }),
                        Vec::new(),
                        Purpose::CaseCoordination,
                        Vec::new(),
                        case,
                        true,
                        None,
                    )
                }
                What::Withdrawal => (
                    MessageType::ConsentWithdrawn,
                    Body::ConsentWithdrawn(ConsentWithdrawn {
                        consent_id: self.consent_id,
                        withdrawn_at: event.at,
                        scope: WithdrawalScope::Entire,
                        evidence: None,
                    }),
                    Vec::new(),
                    Purpose::CaseCoordination,
                    Vec::new(),
                    case,
                    true,
                    None,
                ),
                What::Notice {
                    recipients,
                    expected_release,
                    earliest_release,
                    supervision,
                    needs,
                } => {
                    let mut categories = vec![C::SentenceRelease];
                    if needs.is_some() {
                        categories.push(C::EconomyBenefits);
                    }
                    (
                        MessageType::ReleaseNotice,
                        Body::ReleaseNotice(ReleaseNotice {
                            expected_release: *expected_release,
                            earliest_release: *earliest_release,
                            supervision: supervision.clone(),
                            needs: needs.map(|(housing, income)| ReleaseNeeds {
                                housing,
                                income,
                                notes: None,
                            }),
                            contact_officer: ContactOfficer {
                                name: short("Release planning unit"),
                                phone: None,
                                email: None,
                            },
                            sealed_identity: None,
                        }),
                        recipients.clone(),
                        Purpose::ReleaseCoordination,
                        categories,
                        case,
                        true,
                        None,
                    )
                }
                What::Risk {
                    recipients,
                    purpose,
                    level,
                    needs,
                } => (
                    MessageType::RiskNeedSummary,
                    Body::RiskNeedSummary(RiskNeedSummary {
                        instrument: short("LS/RNR"),
                        assessed_on: event.at.date_naive() - days(rng.range(0, 20)),
                        level: *level,
                        top_needs: needs.clone(),
                    }),
                    recipients.clone(),
                    *purpose,
                    vec![C::RiskNeed],
                    case,
                    true,
                    None,
                ),
                What::Request {
                    to,
                    handover_id,
                    purpose,
                    reason,
                    plan,
                } => (
                    MessageType::HandoverRequest,
                    Body::HandoverRequest(HandoverRequest {
                        handover_id: *handover_id,
                        reason: short(reason),
                        respond_by: add_working_days(event.at.date_naive(), 10),
                        plan_summary: long(plan),
                        attachments: Vec::new(),
                        sealed_identity: None,
                    }),
                    vec![to.clone()],
                    *purpose,
                    vec![C::CaseStatus],
                    *handover_id,
                    true,
                    None,
                ),
                What::Response {
                    to,
                    handover_id,
                    purpose,
                    outcome,
                    code,
                } => (
                    MessageType::HandoverResponse,
                    Body::HandoverResponse(HandoverResponse {
                        handover_id: *handover_id,
                        outcome: *outcome,
                        reason: code.map(|c| short(rejection_words(c))),
                        reason_code: *code,
                    }),
                    vec![to.clone()],
                    *purpose,
                    vec![C::CaseStatus],
                    *handover_id,
                    true,
                    None,
                ),
                What::Relocation {
                    to,
                    relocation_id,
                    threat,
                    unit,
                    city,
                    postal_code,
                } => (
                    MessageType::RelocationRequest,
                    Body::RelocationRequest(RelocationRequest {
                        relocation_id: *relocation_id,
                        threat_level: *threat,
                        needed_by: event.at.date_naive() + days(rng.range(10, 30)),
                        needs: long(RELOCATION_NEEDS),
                        sealed_destination: Sealed {
                            scheme: short(SEALING_SCHEME),
                            copies: Vec::new(),
                        },
                        sealed_identity: None,
                    }),
                    vec![to.clone()],
                    Purpose::RelocationSafety,
                    vec![C::RiskNeed, C::CaseStatus, C::ProtectedLocation],
                    *relocation_id,
                    true,
                    Some((
                        "sealed_destination",
                        json!({
                            "address": format!("Protected housing, unit {unit}"),
                            "postal_code": postal_code,
                            "city": city,
                            "notes": "Keys from the housing office on arrival."
                        }),
                    )),
                ),
                What::Confirmed {
                    recipients,
                    relocation_id,
                    move_in_days,
                    sealed,
                } => {
                    let mut categories = vec![C::CaseStatus];
                    if sealed.is_some() {
                        categories.push(C::ProtectedLocation);
                    }
                    (
                        MessageType::RelocationConfirmed,
                        Body::RelocationConfirmed(RelocationConfirmed {
                            relocation_id: *relocation_id,
                            move_date: event.at.date_naive() + Days::new(*move_in_days),
                            new_owner: event.sender.clone(),
                            sealed_address: None,
                        }),
                        recipients.clone(),
                        Purpose::RelocationSafety,
                        categories,
                        *relocation_id,
                        true,
                        sealed.as_ref().map(|(unit, city, postal_code)| {
                            (
                                "sealed_address",
                                json!({
                                    "address": format!("Supported flat, unit {unit}"),
                                    "postal_code": postal_code,
                                    "city": city,
                                    "notes": "Moved in; protection alarm installed."
                                }),
                            )
                        }),
                    )
                }
                What::Closed { recipients, reason } => (
                    MessageType::CaseClosed,
                    Body::CaseClosed(CaseClosed {
                        reason: *reason,
                        closed_at: event.at,
                    }),
                    recipients.clone(),
                    Purpose::CaseCoordination,
                    vec![C::CaseStatus],
                    case,
                    true,
                    None,
                ),
                What::Outcome {
                    to,
                    end_reason,
                    ended_on,
                    no_new_charge,
                    in_job,
                } => (
                    MessageType::OutcomeReport,
                    Body::OutcomeReport(OutcomeReport {
                        end_reason: *end_reason,
                        ended_on: *ended_on,
                        no_new_serious_charge_12m: *no_new_charge,
                        in_education_or_job_3m: *in_job,
                    }),
                    vec![to.clone()],
                    Purpose::OutcomeStatistics,
                    vec![C::Outcome],
                    case,
                    // The case is closed by now: the report names the person, not the case.
                    false,
                    None,
                ),
            };
        let envelope = self.envelope(
            &event,
            message_id,
            message_type,
            recipients,
            purpose,
            categories,
            correlation,
            with_case,
        );
        let mut draft = serde_json::to_value(Message { envelope, body }).expect("serializes");
        if let Some((field, location)) = seal {
            draft["body"][field] = json!({ "seal": location });
        }
        Step {
            at: event.at,
            sender: event.sender,
            message_type,
            message_id,
            draft,
            expect: event.expect,
            mark: event.mark,
            needs_consent: event.needs_consent,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{Months, TimeZone};

    use super::*;
    use crate::population::tally::Tally;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 18, 30, 0).unwrap()
    }

    fn demo(seed: u64, cases: usize, days: u32) -> Plan {
        Plan::new(PlanConfig::new(seed, cases, days, now()), &Cities::demo())
    }

    /// The demo's full size, planned once per test binary.
    fn full() -> &'static Plan {
        static PLAN: std::sync::OnceLock<Plan> = std::sync::OnceLock::new();
        PLAN.get_or_init(|| demo(1, 500, 730))
    }

    fn decoded(step: &Step) -> Message {
        let mut draft = step.draft.clone();
        if let Some(field) = schemas::messages::sealed_field(step.message_type)
            && draft["body"][field].get("seal").is_some()
        {
            // What the agent puts there, minus the cryptography.
            draft["body"][field] = json!({"scheme": SEALING_SCHEME, "copies": [{
                "recipient": recipients(&draft)[0], "key_id": "k-0", "enc": "", "ciphertext": ""
            }]});
        }
        schemas::decode(&serde_json::to_vec(&draft).unwrap())
            .unwrap_or_else(|e| panic!("{} does not decode: {e}", step.message_type))
    }

    fn recipients(draft: &Value) -> Vec<String> {
        draft["envelope"]["recipients"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn a_seed_always_gives_the_same_plan_and_another_seed_another() {
        let a = demo(7, 40, 400);
        assert_eq!(a, demo(7, 40, 400));
        let b = demo(8, 40, 400);
        assert_ne!(a.cases[0].subject, b.cases[0].subject);
        assert_ne!(
            a.cases[0].steps[0].message_id,
            b.cases[0].steps[0].message_id
        );
        assert_eq!(a.cases.len(), 40);
    }

    #[test]
    fn the_people_depend_on_the_seed_only() {
        let people = |plan: &Plan| -> BTreeSet<Pseudonym> {
            plan.cases.iter().map(|c| c.subject.clone()).collect()
        };
        let today = demo(5, 30, 400);
        let later = Plan::new(
            PlanConfig::new(5, 30, 730, now() + days(9)),
            &Cities::demo(),
        );
        assert_eq!(people(&today), people(&later), "another day, another span");
        assert_ne!(today, later, "but another story");
    }

    #[test]
    fn every_case_is_in_time_order_inside_the_window_with_unique_ids() {
        let plan = full();
        let config = &plan.config;
        let mut message_ids = BTreeSet::new();
        let mut case_ids = BTreeSet::new();
        let mut subjects = BTreeSet::new();
        for case in &plan.cases {
            assert!(case_ids.insert(case.case_id.clone()), "{}", case.case_id);
            assert!(subjects.insert(case.subject.clone()));
            assert!(!case.steps.is_empty(), "{} has no steps", case.case_id);
            for pair in case.steps.windows(2) {
                assert!(pair[0].at < pair[1].at, "{} out of order", case.case_id);
            }
            for step in &case.steps {
                assert!(step.at >= config.start() && step.at <= config.cutoff());
                assert_eq!(step.at.timestamp_subsec_nanos(), 0, "whole seconds");
                assert!(message_ids.insert(step.message_id));
                let message = decoded(step);
                assert_eq!(message.envelope.message_id, step.message_id);
                assert_eq!(message.envelope.sent_at, step.at);
                assert_eq!(message.envelope.sender, step.sender);
                assert_eq!(message.envelope.message_type, step.message_type);
                assert_eq!(message.envelope.subject.as_ref(), Some(&case.subject));
            }
        }
        // The oldest case first: the binary checks the hub's backdating with it.
        assert!(
            plan.cases
                .windows(2)
                .all(|w| w[0].steps[0].at <= w[1].steps[0].at)
        );
    }

    /// The consent version in force at each step, by replaying the case's consent messages.
    #[test]
    fn every_message_that_needs_consent_has_a_version_in_force_that_covers_it() {
        for case in &full().cases {
            let mut current: Option<ConsentRecord> = None;
            let mut withdrawn = false;
            for step in &case.steps {
                let message = decoded(step);
                match &message.body {
                    Body::ConsentGranted(g) => {
                        let record = &g.consent;
                        let expected_version = current.as_ref().map_or(1, |c| c.version + 1);
                        assert_eq!(record.version, expected_version, "{}", case.case_id);
                        assert_eq!(record.supersedes, current.as_ref().map(|c| c.version));
                        assert!(record.period.end < record.period.start + Months::new(12));
                        assert_eq!(record.period.start, step.at.date_naive());
                        if let Some(c) = &current {
                            assert_eq!(c.custodian, record.custodian, "one custodian");
                        }
                        assert_eq!(record.custodian, step.sender);
                        current = Some(record.clone());
                    }
                    Body::ConsentWithdrawn(_) => withdrawn = true,
                    _ => {}
                }
                if !step.needs_consent {
                    continue;
                }
                let record = current.as_ref().unwrap_or_else(|| {
                    panic!("{}: {} before any consent", case.case_id, step.message_type)
                });
                let today = step.at.date_naive();
                assert!(!withdrawn);
                assert!(
                    record.period.start <= today && today <= record.period.end,
                    "{}: {} on {today} outside consent {} ({:?})",
                    case.case_id,
                    step.message_type,
                    record.version,
                    record.period
                );
                let to_contact_point = record.provisions.iter().any(|p| {
                    p.purposes.contains(&Purpose::OutcomeStatistics)
                        && p.recipients
                            .contains(&RecipientSelector::Role(AgencyRole::NationalContactPoint))
                });
                if step.message_type == MessageType::OutcomeReport {
                    assert_eq!(
                        to_contact_point,
                        step.expect == Expect::Delivered,
                        "{}: an outcome report is delivered exactly when its consent allows it",
                        case.case_id
                    );
                }
            }
        }
    }

    #[test]
    fn only_recent_handovers_are_left_open() {
        let plan = full();
        let oldest_open =
            plan.config.cutoff() - days(i64::from(LONGEST_ANSWER_WORKING_DAYS) * 7 / 5 + 4);
        let mut open = 0;
        for case in &plan.cases {
            let mut requested: BTreeMap<Uuid, DateTime<Utc>> = BTreeMap::new();
            for step in &case.steps {
                match (&decoded(step).body, step.mark) {
                    (Body::HandoverRequest(r), _) => {
                        requested.insert(r.handover_id, step.at);
                    }
                    (Body::RelocationRequest(r), _) => {
                        requested.insert(r.relocation_id, step.at);
                    }
                    (Body::HandoverResponse(r), Mark::Answered { .. }) => {
                        requested.remove(&r.handover_id);
                    }
                    (Body::RelocationConfirmed(c), _) => {
                        requested.remove(&c.relocation_id);
                    }
                    _ => {}
                }
            }
            for (id, at) in requested {
                assert!(
                    at >= oldest_open,
                    "{}: handover {id} open since {at}",
                    case.case_id
                );
                open += 1;
            }
        }
        assert!(open > 0, "some recent handovers are still open");
    }

    #[test]
    fn the_shares_come_out_roughly_as_configured() {
        let plan = full();
        let tally = Tally::expected(plan);
        let share = |part: u64, whole: u64| part as f64 / whole as f64;
        let within = |what: &str, value: f64, lo: f64, hi: f64| {
            assert!(
                (lo..=hi).contains(&value),
                "{what}: {value:.3} not in {lo}..{hi}\n{tally}"
            );
        };
        assert_eq!(tally.cases, 500);
        assert_eq!(tally.cases_opened, 500, "every case reaches the hub");
        assert!(tally.unexpected.is_empty());

        // Consent before the release notice; release notices at least 3 months ahead.
        let (mut consent_first, mut late) = (0, 0);
        for case in &plan.cases {
            let first_consent = case
                .steps
                .iter()
                .position(|s| s.message_type == MessageType::ConsentGranted);
            let notice = case
                .steps
                .iter()
                .position(|s| s.message_type == MessageType::ReleaseNotice)
                .unwrap();
            consent_first += u64::from(first_consent.is_some_and(|c| c < notice));
            let Body::ReleaseNotice(n) = decoded(&case.steps[notice]).body else {
                unreachable!()
            };
            let due = n
                .expected_release
                .checked_sub_months(Months::new(3))
                .unwrap();
            late += u64::from(case.steps[notice].at.date_naive() > due);
        }
        // 80% at intake; in Norway, where no statute carries the notice, everyone else
        // consents before it too (or never reaches the hub).
        within(
            "consent before the release notice",
            share(consent_first, 500),
            0.84,
            0.94,
        );
        within("late release notices", share(late, 500), 0.10, 0.22);

        let h = tally.handovers;
        within(
            "accepted handovers",
            share(h.accepted, h.requested),
            0.68,
            0.84,
        );
        within(
            "rejected handovers",
            share(h.rejected, h.requested),
            0.10,
            0.22,
        );
        within("open handovers", share(h.open(), h.requested), 0.005, 0.10);
        let r = tally.relocations;
        assert!((5..=35).contains(&r.requested), "relocations\n{tally}");
        assert!(r.accepted > 0 && r.accepted <= r.requested);
        for code in RejectionReason::ALL {
            assert!(
                tally.rejection_codes.contains_key(code.as_str()),
                "{code:?}"
            );
        }

        let o = tally.outcomes;
        // The 12-month figure is known only for cases that ended over a year ago: few in a
        // two-year window, so its share is checked loosely.
        assert!(o.charge_known >= 10 && o.job_known >= 60, "{tally}");
        within(
            "no new serious charge",
            share(o.no_new_charge, o.charge_known),
            0.40,
            0.85,
        );
        within(
            "in education or a job",
            share(o.in_job, o.job_known),
            0.35,
            0.62,
        );

        // Deliberate refusals: a few, of the three planned kinds.
        assert!(tally.expected_refusals["NO_GATEWAY"] > 0);
        assert!(tally.expected_refusals["CATEGORY_NOT_COVERED"] > 0);
        let refusals: u64 = tally.expected_refusals.values().sum();
        within(
            "messages refused",
            share(refusals, tally.submitted()),
            0.003,
            0.05,
        );

        // Most older cases are closed with a reason.
        let old = plan.config.start() + days(180);
        let (mut older, mut closed) = (0, 0);
        for case in plan.cases.iter().filter(|c| c.steps[0].at < old) {
            older += 1;
            closed += u64::from(
                case.steps
                    .iter()
                    .any(|s| s.message_type == MessageType::CaseClosed),
            );
        }
        within("older cases closed", share(closed, older), 0.75, 1.0);

        // Consent coverage as the contact point counts it: open cases whose person has a
        // consent in force today.
        let today = plan.config.now.date_naive();
        let (mut open, mut covered) = (0, 0);
        for case in &plan.cases {
            if case
                .steps
                .iter()
                .any(|s| s.message_type == MessageType::CaseClosed)
            {
                continue;
            }
            open += 1;
            let mut in_force = None;
            for step in &case.steps {
                match decoded(step).body {
                    Body::ConsentGranted(g) => in_force = Some(g.consent.period),
                    Body::ConsentWithdrawn(_) => in_force = None,
                    _ => {}
                }
            }
            covered += u64::from(in_force.is_some_and(|p| p.start <= today && today <= p.end));
        }
        within(
            "consent coverage of open cases",
            share(covered, open),
            0.74,
            0.88,
        );

        // Every city, and the slow municipality really is slower.
        let mut by_city: BTreeMap<&str, u64> = BTreeMap::new();
        for case in &plan.cases {
            *by_city.entry(case.city.as_str()).or_default() += 1;
        }
        assert_eq!(by_city.len(), 4, "{by_city:?}");
        let answer_days = |municipality: &str| {
            let mut total = 0.0;
            let mut n = 0.0;
            for case in &plan.cases {
                let mut asked = BTreeMap::new();
                for step in &case.steps {
                    match (&decoded(step).body, step.mark) {
                        (Body::HandoverRequest(r), _)
                            if recipients(&step.draft)[0] == municipality =>
                        {
                            asked.insert(r.handover_id, step.at);
                        }
                        (Body::HandoverResponse(r), Mark::Answered { .. }) => {
                            if let Some(at) = asked.remove(&r.handover_id) {
                                total += (step.at - at).num_hours() as f64 / 24.0;
                                n += 1.0;
                            }
                        }
                        _ => {}
                    }
                }
            }
            total / n
        };
        assert!(answer_days("dk-aarhus-kommune") > answer_days("no-oslo-kommune") + 3.0);
    }

    #[test]
    fn the_demo_cities_are_the_registered_agencies() {
        let settings = hub::Settings::load_with(
            &crate::repo_root().join("config"),
            &[
                ("hub.contact_point_key", "unused".to_owned()),
                ("database.url", "postgres://unused".to_owned()),
                ("broker.password", "unused".to_owned()),
            ],
        )
        .unwrap();
        let registered: BTreeMap<&AgencyId, (AgencyRole, Jurisdiction)> = settings
            .agencies
            .iter()
            .map(|a| (&a.id, (a.role, a.jurisdiction)))
            .collect();
        let cities = Cities::demo();
        let role_of = |a: &AgencyId| {
            registered
                .get(a)
                .copied()
                .unwrap_or_else(|| panic!("{a} is not registered"))
        };
        for n in &cities.nations {
            assert_eq!(
                role_of(&n.prison),
                (AgencyRole::PrisonProbation, n.jurisdiction)
            );
            assert_eq!(
                role_of(&n.contact_point),
                (AgencyRole::NationalContactPoint, n.jurisdiction)
            );
            if let Some(p) = &n.protection {
                assert_eq!(role_of(p), (AgencyRole::Police, n.jurisdiction));
                assert!(settings.hard_rules.protected_location_allow.contains(p));
            }
            let statute = settings.statutes.iter().any(|s| {
                s.jurisdiction == n.jurisdiction
                    && s.message_types.contains(&MessageType::ReleaseNotice)
            });
            assert_eq!(statute, n.release_statute, "{:?}", n.jurisdiction);
        }
        for c in &cities.cities {
            assert_eq!(
                role_of(&c.municipality),
                (AgencyRole::Municipality, c.jurisdiction)
            );
            assert_eq!(role_of(&c.police), (AgencyRole::Police, c.jurisdiction));
            assert_eq!(
                role_of(&c.employment),
                (AgencyRole::Employment, c.jurisdiction)
            );
        }
        assert_eq!(
            cities.agencies().len(),
            registered.len(),
            "the population uses every agency"
        );
    }

    #[test]
    fn refusals_are_planned_only_where_the_gateway_is_missing() {
        for step in full().steps() {
            let message = decoded(step);
            match &step.expect {
                Expect::Delivered => {}
                Expect::PartlyRefused { recipient, reason } => {
                    assert!(message.envelope.recipients.contains(recipient));
                    assert!(message.envelope.recipients.len() > 1);
                    assert!(matches!(
                        (step.message_type, reason),
                        (MessageType::ReleaseNotice, ReasonCode::NoGateway)
                            | (MessageType::RiskNeedSummary, ReasonCode::CategoryNotCovered)
                    ));
                }
                Expect::Refused { reason } => {
                    assert_eq!(step.message_type, MessageType::OutcomeReport);
                    assert_eq!(*reason, ReasonCode::CategoryNotCovered);
                }
            }
            // Nobody names a gateway: the hub finds one.
            assert_eq!(message.envelope.gateway, None);
        }
    }
}
