//! The routing decision: for one decoded message from one authenticated sender, who gets it,
//! under which gateway and with which categories, who is refused and why, and what changes
//! in the hub's state (cases, handovers, consent). Default deny: a recipient is delivered to
//! only when a gateway is found that covers every mandatory category; optional categories a
//! gateway does not cover are removed, and the removal is reported.
//!
//! Order of checks: who is sending (authenticated, registered, allowed by the catalogue),
//! what (purpose, declared categories), the consent messages the hub itself records, the
//! case rules (participants; a message about a new case opens it, owned by its sender), then
//! each recipient's gateway (hard rules, statute or consent), then the case and handover
//! transitions the delivered message makes.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use schemas::messages::{Categories, Refusal};
use schemas::{
    AgencyId, AgencyRole, Body, DataCategory, Gateway, GatewayRef, Jurisdiction, Message,
    MessageType, Pseudonym, Purpose, ReasonCode,
};
use uuid::Uuid;

use crate::cases::{self, Case, CaseClaim, Handover, HandoverKind};
use crate::catalogue;
use crate::consent::{self, ConsentInForce, HardRules, Withdrawal};

/// A registered agency, as the hub knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agency {
    /// Its id (also its broker user).
    pub id: AgencyId,
    /// What kind of agency it is.
    pub role: AgencyRole,
    /// Whose law it works under.
    pub jurisdiction: Jurisdiction,
    /// Its name for people.
    pub name: String,
}

/// Every agency the hub routes between.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    agencies: BTreeMap<AgencyId, Agency>,
}

impl Directory {
    /// A directory of these agencies.
    pub fn new(agencies: impl IntoIterator<Item = Agency>) -> Self {
        Self {
            agencies: agencies.into_iter().map(|a| (a.id.clone(), a)).collect(),
        }
    }

    /// The agency with this id.
    pub fn get(&self, id: &AgencyId) -> Option<&Agency> {
        self.agencies.get(id)
    }

    /// All agencies, by id.
    pub fn iter(&self) -> impl Iterator<Item = &Agency> {
        self.agencies.values()
    }
}

/// A named statute that lifts the duty of confidentiality for certain flows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statute {
    /// Its id, e.g. `DK-RPL115-KSP`; cited as `STATUTE:<id>`.
    pub id: String,
    /// The jurisdiction both sender and recipient must be under.
    pub jurisdiction: Jurisdiction,
    /// Roles it lets send.
    pub from_roles: BTreeSet<AgencyRole>,
    /// Roles it lets receive.
    pub to_roles: BTreeSet<AgencyRole>,
    /// Message types it covers.
    pub message_types: BTreeSet<MessageType>,
    /// Purposes it covers.
    pub purposes: BTreeSet<Purpose>,
    /// Data categories it lets pass.
    pub categories: BTreeSet<DataCategory>,
}

impl Statute {
    /// Whether this statute governs this flow at all (categories aside).
    fn governs(&self, flow: &consent::Flow<'_>) -> bool {
        self.jurisdiction == flow.sender.jurisdiction
            && self.jurisdiction == flow.recipient.jurisdiction
            && self.from_roles.contains(&flow.sender.role)
            && self.to_roles.contains(&flow.recipient.role)
            && self.message_types.contains(&flow.message_type)
            && self.purposes.contains(&flow.purpose)
    }

    /// The reference that cites this statute.
    pub fn reference(&self) -> GatewayRef {
        GatewayRef::statute(&self.id).expect("statute ids are validated when loaded")
    }
}

/// A programme whose consent forms the hub accepts, and the agencies that may hold them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Programme {
    /// Its name, as consent records give it (`programme`), e.g. `Exit København`.
    pub name: String,
    /// The agencies that may hold its consent forms (be custodian of its records).
    pub custodians: BTreeSet<AgencyId>,
}

/// The rules the hub routes by besides consent records.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Named statutes, as configured per jurisdiction.
    pub statutes: Vec<Statute>,
    /// Programmes and who may hold their consent forms: a consent record for any other
    /// programme, or from any other agency, is refused.
    pub programmes: Vec<Programme>,
    /// Rules no gateway overrides.
    pub hard_rules: HardRules,
    /// Most key announcements (`KeyPublished`) the hub accepts from one agency in an hour;
    /// `None`: no limit. Each announcement that makes a key current sends a directory change
    /// to every agency, so an agency that announces without end would flood them.
    pub key_announcements_per_hour: Option<u32>,
}

/// One recipient that gets the message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Delivery {
    pub recipient: AgencyId,
    /// The gateway that allowed it, named in the recipient's copy: the first consent
    /// version among `basis` (so a withdrawal of it quarantines the copy), else the first
    /// statute; for a message that carries no category, the first gateway for the flow.
    pub gateway: GatewayRef,
    /// The categories disclosed.
    pub categories: Vec<DataCategory>,
    /// Optional categories removed before delivery (their fields are stripped).
    pub removed: Vec<DataCategory>,
    /// Per disclosed category, the gateway that allowed it (in category order).
    pub basis: Vec<(DataCategory, GatewayRef)>,
}

impl Delivery {
    /// Every gateway this delivery relied on: `gateway` and each of `basis`, once each.
    pub fn gateways(&self) -> BTreeSet<&GatewayRef> {
        let mut all: BTreeSet<&GatewayRef> = self.basis.iter().map(|(_, g)| g).collect();
        all.insert(&self.gateway);
        all
    }

    /// The consent ids this delivery relied on.
    pub fn consent_ids(&self) -> BTreeSet<Uuid> {
        self.gateways()
            .into_iter()
            .filter_map(|g| match g.parse() {
                Gateway::Consent { consent_id, .. } => Some(consent_id),
                Gateway::Statute(_) => None,
            })
            .collect()
    }
}

/// A change to the hub's state that a routed message makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Insert or update a case.
    SaveCase(Case),
    /// Insert or update a handover.
    SaveHandover(Handover),
    /// Record a new consent version (superseding the previous one).
    RecordConsent(schemas::messages::ConsentRecord),
    /// Record a sealing key published by the sender.
    RecordKey {
        /// The agency that published it (the authenticated sender).
        agency: AgencyId,
        /// The key's id, checked to be derived from the key.
        key_id: String,
        /// The public key, base64.
        public_key: String,
    },
    /// Record the claim a refused message made on a new case id ([`refusal_effects`]).
    ClaimCase(CaseClaim),
    /// Record a withdrawal against a consent id.
    RecordWithdrawal {
        /// The consent withdrawn.
        consent_id: Uuid,
        /// When and what.
        withdrawal: Withdrawal,
        /// Who received the person's wish, when and how, when an agency other than the
        /// custodian recorded it.
        evidence: Option<schemas::messages::WithdrawalEvidence>,
    },
    /// Record that two pseudonyms are one person.
    LinkPersons {
        /// The pseudonym the person had.
        previous: Pseudonym,
        /// The one they have now.
        current: Pseudonym,
        /// The agency that linked them (the authenticated sender).
        by: AgencyId,
        /// Why.
        reason: schemas::messages::LinkReason,
    },
}

/// What the hub does with one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Nobody gets it; the sender gets an `Undeliverable`.
    Reject {
        /// Why.
        reason: ReasonCode,
        /// Why, in words for the sender.
        detail: String,
        /// Per-recipient reasons, when recipients were refused one by one.
        refused: Vec<Refusal>,
    },
    /// These recipients get it; the sender gets a `Receipt` that also lists the refused.
    Route {
        /// Allowed recipients, each with its gateway.
        deliveries: Vec<Delivery>,
        /// Refused recipients, each with a reason.
        refused: Vec<Refusal>,
        /// State changes to record with the decision.
        effects: Vec<Effect>,
    },
}

impl Decision {
    fn reject(reason: ReasonCode, detail: impl Into<String>) -> Self {
        Decision::Reject {
            reason,
            detail: detail.into(),
            refused: Vec::new(),
        }
    }
}

/// What the hub knows when it decides one message: the directory and policy, the state that
/// the message may touch (loaded by the caller), and the time.
#[derive(Debug, Clone, Copy)]
#[allow(missing_docs)] // fields named for what they hold
pub struct World<'a> {
    /// Registered agencies.
    pub directory: &'a Directory,
    /// Statutes and hard rules.
    pub policy: &'a Policy,
    /// Every consent version the hub holds for the message's subject (and, for consent
    /// messages, for the consent id they name).
    pub consents: &'a [ConsentInForce],
    /// The message's case, if it names one the hub knows.
    pub case: Option<&'a Case>,
    /// The case's handovers.
    pub handovers: &'a [Handover],
    /// For a withdrawal: the agencies that earlier received data under that consent.
    pub received_under_consent: &'a [AgencyId],
    /// Every sealing key id each agency has published (current and rotated out).
    pub sealing_keys: &'a SealingKeys,
    /// For a message naming a case id the hub has no case for: the claim an earlier, refused
    /// message made on that id, if any.
    pub claim: Option<&'a CaseClaim>,
    /// For a `KeyPublished`: how many key announcements the hub accepted from the sender in
    /// the hour before now.
    pub key_announcements: u32,
    /// The pseudonyms linked as one person with the message's subject (for a
    /// `PersonLinked`: with its `body.previous`), itself included; empty when there is no
    /// link. Consent, cases and claims treat them as one person.
    pub same_person: &'a BTreeSet<Pseudonym>,
    /// For a `PersonLinked`: what the hub already knows of the two pseudonyms.
    pub link: LinkState,
    pub now: DateTime<Utc>,
}

/// What the hub knows of the two pseudonyms a `PersonLinked` names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkState {
    /// The new pseudonym is in use already: a case, a consent, a case claim or a link names
    /// it. Linking it would merge two people the hub knows apart, so it is refused.
    pub current_in_use: bool,
    /// The previous pseudonym is linked to a successor already.
    pub previous_linked: bool,
    /// This very link is recorded already (another agency of the case sent it first).
    pub recorded: bool,
}

impl World<'_> {
    /// Whether `a` and `b` name one person: equal, or linked ([`World::same_person`]).
    pub fn is_same_person(&self, a: &Pseudonym, b: &Pseudonym) -> bool {
        a == b || (self.same_person.contains(a) && self.same_person.contains(b))
    }
}

/// The sealing key ids each agency has published.
pub type SealingKeys = BTreeMap<AgencyId, BTreeSet<String>>;

static NO_KEYS: SealingKeys = BTreeMap::new();
static NO_LINKS: BTreeSet<Pseudonym> = BTreeSet::new();

impl<'a> World<'a> {
    /// A world with no cases, consents or history: statutes and hard rules only.
    pub fn stateless(directory: &'a Directory, policy: &'a Policy, now: DateTime<Utc>) -> Self {
        World {
            directory,
            policy,
            consents: &[],
            case: None,
            handovers: &[],
            received_under_consent: &[],
            sealing_keys: &NO_KEYS,
            claim: None,
            key_announcements: 0,
            same_person: &NO_LINKS,
            link: LinkState::default(),
            now,
        }
    }
}

/// Decides who receives `message`, sent by the agency the broker authenticated as
/// `authenticated`. Pure: the same inputs always give the same decision.
pub fn decide(world: &World<'_>, authenticated: &AgencyId, message: &Message) -> Decision {
    match decide_inner(world, authenticated, message) {
        Ok(decision) => decision,
        Err((reason, detail)) => Decision::reject(reason, detail),
    }
}

type Refuse = (ReasonCode, String);

fn refuse<T>(reason: ReasonCode, detail: impl Into<String>) -> Result<T, Refuse> {
    Err((reason, detail.into()))
}

fn decide_inner(
    world: &World<'_>,
    authenticated: &AgencyId,
    message: &Message,
) -> Result<Decision, Refuse> {
    let envelope = &message.envelope;
    let Some(sender) = world.directory.get(authenticated) else {
        return refuse(
            ReasonCode::UnknownSender,
            "the sending agency is not registered",
        );
    };
    if &envelope.sender != authenticated {
        return refuse(
            ReasonCode::SenderMismatch,
            "envelope.sender is not the agency this connection is authenticated as",
        );
    }
    let Some(route) = catalogue::route(envelope.message_type) else {
        return refuse(
            ReasonCode::NotPermittedForRole,
            format!("{} is sent by the hub only", envelope.message_type),
        );
    };
    if !route.from.contains(&sender.role) {
        return refuse(
            ReasonCode::NotPermittedForRole,
            format!(
                "a {:?} agency may not send {}",
                sender.role, envelope.message_type
            ),
        );
    }
    if !envelope.withheld.is_empty() {
        return refuse(
            ReasonCode::SchemaViolation,
            "envelope.withheld is set by the hub on the copies it delivers, never by a sender",
        );
    }
    // A withdrawal is never refused for its purpose or its declared categories: it only
    // stops sharing (fail safe).
    if let Body::ConsentWithdrawn(withdrawn) = &message.body {
        return consent_withdrawn(world, sender, withdrawn);
    }
    if envelope.purpose.is_forbidden() {
        return refuse(
            ReasonCode::ForbiddenPurpose,
            format!(
                "purpose {:?} can never be granted through the hub",
                envelope.purpose
            ),
        );
    }
    let carried = message.categories();
    let undeclared: Vec<DataCategory> = carried
        .all()
        .into_iter()
        .filter(|c| !envelope.data_categories.contains(c))
        .collect();
    if !undeclared.is_empty() {
        return refuse(
            ReasonCode::CategoriesUndeclared,
            format!("the body carries {undeclared:?}, which envelope.data_categories omits"),
        );
    }
    match &message.body {
        Body::ConsentGranted(granted) => return consent_granted(world, sender, message, granted),
        Body::KeyPublished(key) => return key_published(world, sender, key),
        Body::PersonLinked(linked) => return person_linked(world, sender, message, linked),
        _ => {}
    }
    check_sealed_copies(world, message)?;
    check_sealed_identity(world, message)?;
    if envelope.recipients.is_empty() {
        return refuse(ReasonCode::SchemaViolation, "envelope.recipients is empty");
    }
    let case = match (&envelope.case_id, world.case) {
        (None, _) => None,
        (Some(_), Some(case)) => {
            if !matches!(message.body, Body::HandoverResponse(_)) {
                case.check_participant(&sender.id)
                    .map_err(|r| (r, participant_detail(r)))?;
            }
            // Only a participant learns that the person differs; anyone else is refused
            // above, or as not the addressed recipient of the handover it answers.
            if case.participants.contains(&sender.id) {
                // A pseudonym linked with the case's person names that person.
                let named = envelope.subject.as_ref().map(|s| {
                    if world.is_same_person(s, &case.subject) {
                        &case.subject
                    } else {
                        s
                    }
                });
                case.check_subject(named).map_err(|r| {
                    (
                        r,
                        "envelope.subject: the case is about another person".to_owned(),
                    )
                })?;
            }
            Some(case.clone())
        }
        (Some(id), None) => {
            let Some(subject) = &envelope.subject else {
                return refuse(
                    ReasonCode::SchemaViolation,
                    "envelope.subject: a message that opens a case names its person",
                );
            };
            if let Some(claim) = world.claim {
                let subject = if world.is_same_person(subject, &claim.subject) {
                    &claim.subject
                } else {
                    subject
                };
                claim.check_open(&sender.id, subject).map_err(|r| {
                    let detail = match r {
                        ReasonCode::SubjectMismatch => {
                            format!("envelope.subject: case {id} was opened about another person")
                        }
                        _ => format!("case {id} belongs to another agency"),
                    };
                    (r, detail)
                })?;
            }
            if matches!(
                message.body,
                Body::HandoverResponse(_) | Body::HandoverCancelled(_) | Body::CaseClosed(_)
            ) {
                return refuse(
                    ReasonCode::UnknownHandover,
                    format!("case {id} is not known to the hub"),
                );
            }
            Some(Case::open(id.clone(), subject.clone(), sender.id.clone()))
        }
    };

    if let Body::HandoverResponse(response) = &message.body {
        cases::check_answer_reason(response.outcome, response.reason.as_ref())
            .map_err(|r| (r, "body.reason: a rejection carries its reason".to_owned()))?;
    }
    // An answer goes only to the request's sender, a cancellation only to the agency asked.
    let counterpart = match &case {
        Some(case) => handover_counterpart(world, case, &sender.id, &message.body)?,
        None => None,
    };

    // Declared categories the body does not carry are treated as mandatory: the sender says
    // the message holds them.
    let mandatory: BTreeSet<DataCategory> = envelope
        .data_categories
        .iter()
        .copied()
        .filter(|c| !carried.optional.contains(c))
        .collect();
    let categories = Categories {
        mandatory,
        optional: carried.optional.clone(),
    };
    let mut deliveries = Vec::new();
    let mut refused = Vec::new();
    for recipient_id in &envelope.recipients {
        if counterpart.is_some_and(|c| c != recipient_id) {
            refused.push(Refusal {
                recipient: recipient_id.clone(),
                reason: ReasonCode::OutsideHandover,
            });
            continue;
        }
        match decide_recipient(world, sender, route, message, &categories, recipient_id) {
            Ok(delivery) => deliveries.push(delivery),
            Err(reason) => refused.push(Refusal {
                recipient: recipient_id.clone(),
                reason,
            }),
        }
    }
    without_own_copy(message, &mut deliveries);
    if deliveries.is_empty() {
        let reason = refused[0].reason;
        let detail = if refused.len() == 1 {
            format!("refused for {}: {reason}", refused[0].recipient)
        } else {
            "refused for every recipient; see refused".to_owned()
        };
        return Ok(Decision::Reject {
            reason,
            detail,
            refused,
        });
    }
    let effects = match case {
        None => Vec::new(),
        Some(case) => case_effects(world, sender, message, case, &deliveries)?,
    };
    Ok(Decision::Route {
        deliveries,
        refused,
        effects,
    })
}

/// For an answer to a handover, the agency that requested it; for a cancellation, the agency
/// asked: the only recipient such a message may go to. `None` for other messages. A handover
/// the case does not have is UnknownHandover.
fn handover_counterpart<'w>(
    world: &World<'w>,
    case: &Case,
    sender: &AgencyId,
    body: &Body,
) -> Result<Option<&'w AgencyId>, Refuse> {
    let (handover_id, answer) = match body {
        Body::HandoverResponse(r) => (r.handover_id, true),
        Body::HandoverCancelled(c) => (c.handover_id, false),
        _ => return Ok(None),
    };
    let Some(handover) = world
        .handovers
        .iter()
        .find(|h| h.id == handover_id && h.case_id == case.id)
    else {
        return refuse(
            ReasonCode::UnknownHandover,
            format!("no handover {handover_id} in case {}", case.id),
        );
    };
    let (may_send, counterpart) = if answer {
        (&handover.to, &handover.from)
    } else {
        (&handover.from, &handover.to)
    };
    // Who may send it is checked with the transition ([`case_effects`]), which refuses
    // anyone else.
    Ok((may_send == sender).then_some(counterpart))
}

fn participant_detail(reason: ReasonCode) -> String {
    match reason {
        ReasonCode::CaseClosed => "the case is closed".to_owned(),
        _ => "the sender takes no part in this case".to_owned(),
    }
}

/// The transitions a delivered message makes to its case.
fn case_effects(
    world: &World<'_>,
    sender: &Agency,
    message: &Message,
    case: Case,
    deliveries: &[Delivery],
) -> Result<Vec<Effect>, Refuse> {
    let case = case.with_participants(deliveries.iter().map(|d| &d.recipient));
    let detail = |r: ReasonCode| (r, format!("{r} for case {}", case.id));
    Ok(match &message.body {
        Body::HandoverRequest(request) => {
            let [delivery] = deliveries else {
                return refuse(
                    ReasonCode::SchemaViolation,
                    "a handover request names exactly one recipient",
                );
            };
            let (case, handover) = case
                .request_handover(
                    &sender.id,
                    &delivery.recipient,
                    request.handover_id,
                    delivery.gateway.clone(),
                    world.handovers,
                )
                .map_err(detail)?;
            vec![Effect::SaveCase(case), Effect::SaveHandover(handover)]
        }
        Body::RelocationRequest(request) => {
            let [delivery] = deliveries else {
                return refuse(
                    ReasonCode::SchemaViolation,
                    "a relocation request names exactly one destination municipality",
                );
            };
            let (case, relocation) = case
                .request_relocation(
                    &sender.id,
                    &delivery.recipient,
                    request.relocation_id,
                    delivery.gateway.clone(),
                    world.handovers,
                )
                .map_err(detail)?;
            vec![Effect::SaveCase(case), Effect::SaveHandover(relocation)]
        }
        Body::RelocationConfirmed(confirmed) => {
            let Some(relocation) = world
                .handovers
                .iter()
                .find(|h| h.id == confirmed.relocation_id && h.kind == HandoverKind::Relocation)
            else {
                return refuse(
                    ReasonCode::UnknownHandover,
                    format!(
                        "no relocation {} in case {}",
                        confirmed.relocation_id, case.id
                    ),
                );
            };
            if confirmed.new_owner != sender.id {
                return refuse(
                    ReasonCode::InvalidTransition,
                    "body.new_owner: the destination confirming a relocation becomes the owner",
                );
            }
            let (case, relocation) = case
                .confirm_relocation(relocation, &sender.id)
                .map_err(detail)?;
            vec![Effect::SaveCase(case), Effect::SaveHandover(relocation)]
        }
        Body::HandoverResponse(response) => {
            let Some(handover) = world
                .handovers
                .iter()
                .find(|h| h.id == response.handover_id)
            else {
                return refuse(
                    ReasonCode::UnknownHandover,
                    format!("no handover {} in case {}", response.handover_id, case.id),
                );
            };
            let (case, handover) = case
                .answer_handover(handover, &sender.id, response.outcome)
                .map_err(detail)?;
            vec![Effect::SaveCase(case), Effect::SaveHandover(handover)]
        }
        Body::HandoverCancelled(cancelled) => {
            let Some(handover) = world
                .handovers
                .iter()
                .find(|h| h.id == cancelled.handover_id)
            else {
                return refuse(
                    ReasonCode::UnknownHandover,
                    format!("no handover {} in case {}", cancelled.handover_id, case.id),
                );
            };
            let handover = case.cancel_handover(handover, &sender.id).map_err(detail)?;
            // The case keeps its owner; only the recipient's taking part is recorded.
            let mut effects = Vec::new();
            if world.case != Some(&case) {
                effects.push(Effect::SaveCase(case));
            }
            effects.push(Effect::SaveHandover(handover));
            effects
        }
        Body::CaseClosed(closed) => {
            let closed = case.close(&sender.id, closed.reason).map_err(detail)?;
            let mut effects = vec![Effect::SaveCase(closed)];
            // Nothing stays open on a closed case: its open handovers are cancelled with it.
            effects.extend(
                world
                    .handovers
                    .iter()
                    .filter(|h| h.state.is_open())
                    .map(|h| {
                        let state = cases::HandoverState::Cancelled;
                        Effect::SaveHandover(Handover { state, ..h.clone() })
                    }),
            );
            effects
        }
        // Other messages change the case only by bringing in new participants.
        _ if world.case == Some(&case) => Vec::new(),
        _ => vec![Effect::SaveCase(case)],
    })
}

fn consent_granted(
    world: &World<'_>,
    sender: &Agency,
    message: &Message,
    granted: &schemas::messages::ConsentGranted,
) -> Result<Decision, Refuse> {
    let record = &granted.consent;
    if message
        .envelope
        .subject
        .as_ref()
        .is_some_and(|s| s != &record.subject)
    {
        return refuse(
            ReasonCode::SchemaViolation,
            "envelope.subject differs from body.consent.subject",
        );
    }
    let refused = |r: ReasonCode| {
        (
            r,
            format!(
                "consent {} version {} refused: {r}",
                record.consent_id, record.version
            ),
        )
    };
    let latest = world
        .consents
        .iter()
        .filter(|c| c.record.consent_id == record.consent_id)
        .max_by_key(|c| c.record.version)
        .map(|c| &c.record);
    consent::validate_new_version(&sender.id, latest, record).map_err(refused)?;
    // Who may make a gateway: only an agency the programme lets hold its forms. No agency
    // can create the gateway it then receives under.
    let Some(programme) = world
        .policy
        .programmes
        .iter()
        .find(|p| p.name == record.programme.as_str())
    else {
        return Err(refused(ReasonCode::UnknownProgramme));
    };
    if !programme.custodians.contains(&sender.id) {
        return Err(refused(ReasonCode::NotProgrammeCustodian));
    }
    match latest {
        // A version of a record stays in its programme.
        Some(latest) if latest.programme != record.programme => {
            return Err(refused(ReasonCode::InvalidConsent));
        }
        Some(_) => {}
        // One record in force per person and programme: a new one supersedes it instead.
        None => {
            let today = world.now.date_naive();
            let another_in_force = world.consents.iter().any(|c| {
                c.record.consent_id != record.consent_id
                    && world.is_same_person(&c.record.subject, &record.subject)
                    && c.record.programme == record.programme
                    && consent::in_force(c, world.now, today)
            });
            if another_in_force {
                return Err(refused(ReasonCode::ConsentAlreadyInForce));
            }
        }
    }
    Ok(Decision::Route {
        deliveries: Vec::new(),
        refused: Vec::new(),
        effects: vec![Effect::RecordConsent(record.clone())],
    })
}

/// A link of two pseudonyms as one person (a changed identity number, a rotated pseudonym
/// key). The sender must take part in the case it names, which must be about the previous
/// pseudonym (or one linked with it), and own that case or hold a consent record about the
/// person, so only an agency accountable for the person's records can link them; the new pseudonym must be unused at the hub, so a link never merges two people
/// the hub knows apart; and a pseudonym has at most one successor. The hub learns nothing but
/// the link.
fn person_linked(
    world: &World<'_>,
    sender: &Agency,
    message: &Message,
    linked: &schemas::messages::PersonLinked,
) -> Result<Decision, Refuse> {
    let envelope = &message.envelope;
    let Some(current) = &envelope.subject else {
        return refuse(
            ReasonCode::SchemaViolation,
            "envelope.subject: a link names the person's new pseudonym",
        );
    };
    if *current == linked.previous {
        return refuse(
            ReasonCode::SchemaViolation,
            "body.previous is the pseudonym envelope.subject names",
        );
    }
    if !envelope.recipients.is_empty() {
        return refuse(
            ReasonCode::SchemaViolation,
            "envelope.recipients: a link is for the hub only",
        );
    }
    let Some(case_id) = &envelope.case_id else {
        return refuse(
            ReasonCode::SchemaViolation,
            "envelope.case_id: a link names a case about the person that the sender takes part in",
        );
    };
    // An unknown case and a case the sender takes no part in answer alike.
    let Some(case) = world.case.filter(|c| c.participants.contains(&sender.id)) else {
        return refuse(
            ReasonCode::NotParticipant,
            format!("the sender takes no part in case {case_id}"),
        );
    };
    case.check_participant(&sender.id)
        .map_err(|r| (r, participant_detail(r)))?;
    let about_previous =
        case.subject == linked.previous || world.same_person.contains(&case.subject);
    if !about_previous {
        return refuse(
            ReasonCode::SubjectMismatch,
            "body.previous: the case is about another person",
        );
    }
    // A link lets the person's case and consent follow them, so only an agency accountable
    // for the person may make it: the case's owner, or the custodian of a consent record
    // about them. Any other participant is refused.
    let custodian = world.consents.iter().any(|c| {
        c.record.custodian == sender.id
            && (c.record.subject == linked.previous
                || world.same_person.contains(&c.record.subject))
    });
    if case.owner != sender.id && !custodian {
        return refuse(
            ReasonCode::NotCaseOwner,
            "only the case's owner or the custodian of the person's consent links a new \
             pseudonym",
        );
    }
    // Every agency of the case may send the same link (after a key rotation, each does): the
    // first records it, the rest change nothing.
    if world.link.recorded {
        return Ok(Decision::Route {
            deliveries: Vec::new(),
            refused: Vec::new(),
            effects: Vec::new(),
        });
    }
    if world.link.current_in_use {
        return refuse(
            ReasonCode::LinkConflict,
            "envelope.subject: the new pseudonym is in use at the hub already",
        );
    }
    if world.link.previous_linked {
        return refuse(
            ReasonCode::LinkConflict,
            "body.previous: the previous pseudonym is linked to another already",
        );
    }
    Ok(Decision::Route {
        deliveries: Vec::new(),
        refused: Vec::new(),
        effects: vec![Effect::LinkPersons {
            previous: linked.previous.clone(),
            current: current.clone(),
            by: sender.id.clone(),
            reason: linked.reason,
        }],
    })
}

/// A withdrawal, recorded by any registered agency on the person's behalf, with or without a
/// case: one by an agency other than the custodian carries its evidence. It takes effect at
/// once for every version held now, goes to the custodian at once and to every agency that
/// received data under the consent, and blocks the open handovers under it.
fn consent_withdrawn(
    world: &World<'_>,
    sender: &Agency,
    withdrawn: &schemas::messages::ConsentWithdrawn,
) -> Result<Decision, Refuse> {
    let Some(latest) = world
        .consents
        .iter()
        .filter(|c| c.record.consent_id == withdrawn.consent_id)
        .max_by_key(|c| c.record.version)
    else {
        return refuse(
            ReasonCode::ConsentNotInForce,
            format!("consent {} is not known to the hub", withdrawn.consent_id),
        );
    };
    let custodian = &latest.record.custodian;
    if custodian != &sender.id && withdrawn.evidence.is_none() {
        return refuse(
            ReasonCode::WithdrawalEvidenceMissing,
            "body.evidence: a withdrawal recorded by an agency other than the custodian says \
             who received the person's wish, when and how",
        );
    }
    let gateway = consent_ref(&latest.record);
    let notified: BTreeSet<&AgencyId> = std::iter::once(custodian)
        .chain(world.received_under_consent)
        .filter(|a| **a != sender.id)
        .collect();
    let deliveries = notified
        .into_iter()
        .map(|a| Delivery {
            recipient: a.clone(),
            gateway: gateway.clone(),
            categories: Vec::new(),
            removed: Vec::new(),
            basis: Vec::new(),
        })
        .collect();
    let mut effects = vec![Effect::RecordWithdrawal {
        consent_id: withdrawn.consent_id,
        withdrawal: Withdrawal {
            at: withdrawn.withdrawn_at.min(world.now),
            scope: withdrawn.scope.clone(),
            through_version: latest.record.version,
        },
        evidence: withdrawn.evidence.clone(),
    }];
    let in_scope = |h: &Handover| match &withdrawn.scope {
        schemas::messages::WithdrawalScope::Entire => true,
        schemas::messages::WithdrawalScope::Recipients(list) => {
            list.is_empty() || list.contains(&h.to)
        }
    };
    for handover in world.handovers {
        let under_it = matches!(handover.gateway.parse(), Gateway::Consent { consent_id, .. } if consent_id == withdrawn.consent_id);
        if under_it && handover.state.is_open() && in_scope(handover) {
            effects.push(Effect::SaveHandover(cases::block_for_consent(handover)));
        }
    }
    Ok(Decision::Route {
        deliveries,
        refused: Vec::new(),
        effects,
    })
}

fn key_published(
    world: &World<'_>,
    sender: &Agency,
    key: &schemas::messages::KeyPublished,
) -> Result<Decision, Refuse> {
    if let Some(limit) = world.policy.key_announcements_per_hour
        && world.key_announcements >= limit
    {
        return refuse(
            ReasonCode::RateLimited,
            format!("at most {limit} key announcements an hour are accepted from one agency"),
        );
    }
    seal::check_published(key.key_id.as_str(), key.scheme.as_str(), &key.public_key)
        .map_err(|e| (ReasonCode::InvalidKey, e.to_string()))?;
    Ok(Decision::Route {
        deliveries: Vec::new(),
        refused: Vec::new(),
        effects: vec![Effect::RecordKey {
            agency: sender.id.clone(),
            key_id: key.key_id.as_str().to_owned(),
            public_key: key.public_key.clone(),
        }],
    })
}

/// What the hub records of a message it refused: the claim on the case id it named, when it
/// is the first message naming that id (the hub has neither a case nor a claim for it), its
/// sender is registered and it names a person. So a case id refused at its first message
/// stays bound to its sender and person: nobody else can open a case under it later.
pub fn refusal_effects(
    world: &World<'_>,
    authenticated: &AgencyId,
    message: &Message,
) -> Vec<Effect> {
    let envelope = &message.envelope;
    match (&envelope.case_id, &envelope.subject) {
        (Some(case_id), Some(subject))
            if world.case.is_none()
                && world.claim.is_none()
                && world.directory.get(authenticated).is_some() =>
        {
            vec![Effect::ClaimCase(CaseClaim {
                case_id: case_id.clone(),
                opener: authenticated.clone(),
                subject: subject.clone(),
            })]
        }
        _ => Vec::new(),
    }
}

/// The sealed field of a message, if it carries one.
fn sealed_of(body: &Body) -> Option<&schemas::messages::Sealed> {
    match body {
        Body::RelocationRequest(r) => Some(&r.sealed_destination),
        Body::RelocationConfirmed(c) => c.sealed_address.as_ref(),
        _ => None,
    }
}

/// The copies of a sealed field: each for a recipient of the message that may hold a sealed
/// location in it (never anyone else, so a mistake of the sender's is refused rather than
/// quietly dropped), at most one each, in the one scheme, to a key the recipient published.
/// A relocation request's destination must have its copy.
fn check_sealed_copies(world: &World<'_>, message: &Message) -> Result<(), Refuse> {
    let Some(sealed) = sealed_of(&message.body) else {
        return Ok(());
    };
    let envelope = &message.envelope;
    let allow = &world.policy.hard_rules.protected_location_allow;
    let entitled = |id: &AgencyId| {
        envelope.recipients.contains(id)
            && world.directory.get(id).is_some_and(|a| {
                schemas::messages::may_hold_protected_location(
                    envelope.message_type,
                    a.role,
                    allow.contains(id),
                )
            })
    };
    let seen = check_copies(world, sealed, "the sealed field", "this location", entitled)?;
    let missing = envelope
        .recipients
        .iter()
        .find(|r| entitled(r) && !seen.contains(r));
    if let (Body::RelocationRequest(_), Some(missing)) = (&message.body, missing) {
        return refuse(
            ReasonCode::SealedCopyMissing,
            format!("the sealed destination has no copy for {missing}"),
        );
    }
    Ok(())
}

/// The copies of a sealed identity, checked like a sealed location's: each for a recipient of
/// the message that may ever hold IDENTITY ([`schemas::messages::may_hold_identity`]: never the
/// national contact point), at most one each, in the one scheme, to a key the recipient
/// published. Whether a recipient's gateway covers IDENTITY is decided per recipient like any
/// optional category: one not covered gets the message without its copy.
fn check_sealed_identity(world: &World<'_>, message: &Message) -> Result<(), Refuse> {
    let Some(sealed) = message.body.sealed_identity() else {
        return Ok(());
    };
    let envelope = &message.envelope;
    let may_hold = |id: &AgencyId| {
        envelope.recipients.contains(id)
            && world
                .directory
                .get(id)
                .is_some_and(|a| schemas::messages::may_hold_identity(a.role))
    };
    check_copies(
        world,
        sealed,
        "body.sealed_identity",
        "the person's identity in this message",
        may_hold,
    )?;
    Ok(())
}

/// The copies of a sealed field `field`: each for a recipient that `may_hold` it (else
/// `SEALED_FOR_UNENTITLED`, naming what it may not hold), at most one each, in the one scheme,
/// to a key the recipient published. Returns the recipients with a copy.
fn check_copies<'m>(
    world: &World<'_>,
    sealed: &'m schemas::messages::Sealed,
    field: &str,
    what: &str,
    may_hold: impl Fn(&AgencyId) -> bool,
) -> Result<BTreeSet<&'m AgencyId>, Refuse> {
    if sealed.scheme.as_str() != schemas::messages::SEALING_SCHEME {
        return refuse(
            ReasonCode::SealedKeyUnknown,
            format!(
                "{field} uses a scheme other than {}",
                schemas::messages::SEALING_SCHEME
            ),
        );
    }
    let mut seen = BTreeSet::new();
    for copy in &sealed.copies {
        if !may_hold(&copy.recipient) {
            return refuse(
                ReasonCode::SealedForUnentitled,
                format!(
                    "a sealed copy is addressed to {}, which may not hold {what}",
                    copy.recipient
                ),
            );
        }
        if !seen.insert(&copy.recipient) {
            return refuse(
                ReasonCode::SchemaViolation,
                format!("two sealed copies for {}", copy.recipient),
            );
        }
        let published = world
            .sealing_keys
            .get(&copy.recipient)
            .is_some_and(|keys| keys.contains(copy.key_id.as_str()));
        if !published {
            return refuse(
                ReasonCode::SealedKeyUnknown,
                format!(
                    "{} has published no key {}",
                    copy.recipient,
                    copy.key_id.as_str()
                ),
            );
        }
    }
    Ok(seen)
}

/// A recipient with no copy of an optional sealed field gets none of `category`: the field
/// is stripped from its copy of the message, so the disclosure must not list the category.
/// For the sealed address of a confirmed relocation (PROTECTED_LOCATION) and the sealed
/// identity (IDENTITY).
fn without_own_copy(message: &Message, deliveries: &mut [Delivery]) {
    let address = match &message.body {
        Body::RelocationConfirmed(confirmed) => confirmed.sealed_address.as_ref(),
        _ => None,
    };
    for (sealed, category) in [
        (address, DataCategory::ProtectedLocation),
        (message.body.sealed_identity(), DataCategory::Identity),
    ] {
        let Some(sealed) = sealed else { continue };
        for delivery in deliveries.iter_mut() {
            if !sealed
                .copies
                .iter()
                .any(|c| c.recipient == delivery.recipient)
            {
                delivery.categories.retain(|c| *c != category);
                delivery.basis.retain(|(c, _)| *c != category);
            }
        }
    }
}

/// The gateway reference of a consent version.
pub fn consent_ref(record: &schemas::messages::ConsentRecord) -> GatewayRef {
    GatewayRef::try_from(format!("CONSENT:{}@{}", record.consent_id, record.version))
        .expect("a consent id and a positive version make a valid reference")
}

fn decide_recipient(
    world: &World<'_>,
    sender: &Agency,
    route: &catalogue::Route,
    message: &Message,
    categories: &Categories,
    recipient_id: &AgencyId,
) -> Result<Delivery, ReasonCode> {
    let envelope = &message.envelope;
    let recipient = world
        .directory
        .get(recipient_id)
        .ok_or(ReasonCode::UnknownRecipient)?;
    if recipient.id == sender.id || !route.to.contains(&recipient.role) {
        return Err(ReasonCode::NotPermittedForRole);
    }
    let flow = consent::Flow {
        sender,
        recipient,
        message_type: envelope.message_type,
        purpose: envelope.purpose,
        mandatory: &categories.mandatory,
        optional: &categories.optional,
        now: world.now,
        today: world.now.date_naive(),
    };
    let by_hard_rules = consent::hard_rules(&world.policy.hard_rules, &flow)?;
    // Candidates in a fixed order: statutes by id, then consent versions by consent id and
    // version. An envelope naming one gateway uses that one only.
    let mut candidates = match envelope.gateway.as_ref().map(GatewayRef::parse) {
        Some(Gateway::Statute(id)) => by_statute(world, &flow, Some(id)),
        Some(Gateway::Consent {
            consent_id,
            version,
        }) => {
            let named = |c: &ConsentInForce| {
                c.record.consent_id == consent_id && c.record.version == version
            };
            let found = by_consent(world, &flow, named);
            if found.is_empty() {
                return Err(ReasonCode::ConsentNotInForce);
            }
            found
        }
        None => {
            let subject = envelope.subject.as_ref();
            let current = |c: &ConsentInForce| {
                subject.is_some_and(|s| world.is_same_person(s, &c.record.subject)) && !c.superseded
            };
            let mut all = by_statute(world, &flow, None);
            all.extend(by_consent(world, &flow, current));
            all
        }
    };
    candidates.sort_by(|a, b| a.order.cmp(&b.order));
    delivery(recipient, categories, &by_hard_rules, &candidates)
}

/// Where a candidate gateway stands in the fixed order: statutes first, by id, then consent
/// versions by consent id and version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Order {
    Statute(String),
    Consent(Uuid, u32),
}

/// One gateway's answer for one flow: not a gateway for it (with the reason), or the
/// carried categories it covers and why it refuses the others.
struct Candidate {
    order: Order,
    gateway: GatewayRef,
    answer: Result<consent::Coverage, ReasonCode>,
}

/// Each governing statute: it covers the carried categories it names.
fn by_statute(world: &World<'_>, flow: &consent::Flow<'_>, only: Option<&str>) -> Vec<Candidate> {
    world
        .policy
        .statutes
        .iter()
        .filter(|s| s.governs(flow) && only.is_none_or(|id| s.id == id))
        .map(|s| Candidate {
            order: Order::Statute(s.id.clone()),
            gateway: s.reference(),
            answer: Ok(consent::Coverage {
                covered: flow
                    .mandatory
                    .iter()
                    .chain(flow.optional)
                    .copied()
                    .filter(|c| s.categories.contains(c))
                    .collect(),
                shortfall: ReasonCode::CategoryNotCovered,
            }),
        })
        .collect()
}

/// Each selected consent version's coverage.
fn by_consent(
    world: &World<'_>,
    flow: &consent::Flow<'_>,
    select: impl Fn(&ConsentInForce) -> bool,
) -> Vec<Candidate> {
    world
        .consents
        .iter()
        .filter(|c| select(c))
        .map(|c| Candidate {
            order: Order::Consent(c.record.consent_id, c.record.version),
            gateway: consent_ref(&c.record),
            answer: consent::coverage(c, flow),
        })
        .collect()
}

/// Combines the candidates (in their fixed order): each carried category passes under the
/// first gateway that covers it; a mandatory one that none covers refuses the recipient, an
/// optional one (or one a hard rule forbids) is removed. With no gateway at all, the first
/// candidate's reason (or `NO_GATEWAY`).
fn delivery(
    recipient: &Agency,
    categories: &Categories,
    by_hard_rules: &BTreeSet<DataCategory>,
    candidates: &[Candidate],
) -> Result<Delivery, ReasonCode> {
    let gateways: Vec<(&Candidate, &consent::Coverage)> = candidates
        .iter()
        .filter_map(|c| c.answer.as_ref().ok().map(|cov| (c, cov)))
        .collect();
    let Some((first, first_coverage)) = gateways.first() else {
        return Err(candidates
            .iter()
            .find_map(|c| c.answer.as_ref().err().copied())
            .unwrap_or(ReasonCode::NoGateway));
    };
    let basis_of = |category: &DataCategory| {
        gateways
            .iter()
            .find(|(_, cov)| cov.covered.contains(category))
            .map(|(c, _)| c)
    };
    if categories.mandatory.iter().any(|c| basis_of(c).is_none()) {
        return Err(first_coverage.shortfall);
    }
    let mut basis = Vec::new();
    let mut removed = Vec::new();
    for category in categories.all() {
        let optional = !categories.mandatory.contains(&category);
        match basis_of(&category) {
            Some(c) if !(optional && by_hard_rules.contains(&category)) => {
                basis.push((category, c.gateway.clone()));
            }
            _ => removed.push(category),
        }
    }
    let relied: Vec<&Candidate> = gateways
        .iter()
        .map(|(c, _)| *c)
        .filter(|c| basis.iter().any(|(_, g)| *g == c.gateway))
        .collect();
    let named = relied
        .iter()
        .find(|c| matches!(c.order, Order::Consent(..)))
        .or(relied.first())
        .unwrap_or(first);
    Ok(Delivery {
        recipient: recipient.id.clone(),
        gateway: named.gateway.clone(),
        categories: basis.iter().map(|(c, _)| *c).collect(),
        removed,
        basis,
    })
}
