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
    MessageType, Purpose, ReasonCode,
};
use uuid::Uuid;

use crate::cases::{self, Case, CaseClaim, Handover, HandoverKind};
use crate::catalogue;
use crate::consent::{self, ConsentInForce, HardRules, Verdict, Withdrawal};

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

/// The rules the hub routes by besides consent records.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Named statutes, as configured per jurisdiction.
    pub statutes: Vec<Statute>,
    /// Rules no gateway overrides.
    pub hard_rules: HardRules,
    /// Most key announcements (`KeyPublished`) the hub accepts from one agency in an hour;
    /// `None`: no limit. Each announcement that makes a key current sends a directory change
    /// to every agency, so an agency that announces without end would flood them.
    pub key_announcements_per_hour: Option<u32>,
}

/// One recipient that gets the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Who.
    pub recipient: AgencyId,
    /// The gateway that allowed it.
    pub gateway: GatewayRef,
    /// The categories disclosed.
    pub categories: Vec<DataCategory>,
    /// Optional categories removed before delivery (their fields are stripped).
    pub removed: Vec<DataCategory>,
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
    /// Now.
    pub now: DateTime<Utc>,
}

/// The sealing key ids each agency has published.
pub type SealingKeys = BTreeMap<AgencyId, BTreeSet<String>>;

static NO_KEYS: SealingKeys = BTreeMap::new();

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
    if envelope.purpose.is_forbidden() {
        return refuse(
            ReasonCode::ForbiddenPurpose,
            format!(
                "purpose {:?} can never be granted through the hub",
                envelope.purpose
            ),
        );
    }
    let carried = message.body.categories();
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
        Body::ConsentWithdrawn(withdrawn) => return consent_withdrawn(world, sender, withdrawn),
        Body::KeyPublished(key) => return key_published(world, sender, key),
        _ => {}
    }
    check_sealed_copies(world, message)?;
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
                case.check_subject(envelope.subject.as_ref()).map_err(|r| {
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
    without_own_copy_no_location(message, &mut deliveries);
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
    let latest = world
        .consents
        .iter()
        .filter(|c| c.record.consent_id == record.consent_id)
        .max_by_key(|c| c.record.version)
        .map(|c| &c.record);
    consent::validate_new_version(&sender.id, latest, record).map_err(|r| {
        (
            r,
            format!(
                "consent {} version {} refused: {r}",
                record.consent_id, record.version
            ),
        )
    })?;
    Ok(Decision::Route {
        deliveries: Vec::new(),
        refused: Vec::new(),
        effects: vec![Effect::RecordConsent(record.clone())],
    })
}

fn consent_withdrawn(
    world: &World<'_>,
    sender: &Agency,
    withdrawn: &schemas::messages::ConsentWithdrawn,
) -> Result<Decision, Refuse> {
    let versions: Vec<&ConsentInForce> = world
        .consents
        .iter()
        .filter(|c| c.record.consent_id == withdrawn.consent_id)
        .collect();
    let Some(latest) = versions.iter().max_by_key(|c| c.record.version) else {
        return refuse(
            ReasonCode::ConsentNotInForce,
            format!("consent {} is not known to the hub", withdrawn.consent_id),
        );
    };
    let custodian = latest.record.custodian == sender.id;
    let participant = world
        .case
        .is_some_and(|c| c.subject == latest.record.subject && c.participants.contains(&sender.id));
    if !custodian && !participant {
        return refuse(
            ReasonCode::NotParticipant,
            "only the custodian or an agency taking part in the person's case may record a withdrawal",
        );
    }
    let gateway = consent_ref(&latest.record);
    let deliveries = world
        .received_under_consent
        .iter()
        .filter(|a| **a != sender.id)
        .map(|a| Delivery {
            recipient: a.clone(),
            gateway: gateway.clone(),
            categories: Vec::new(),
            removed: Vec::new(),
        })
        .collect();
    let mut effects = vec![Effect::RecordWithdrawal {
        consent_id: withdrawn.consent_id,
        withdrawal: Withdrawal {
            at: withdrawn.withdrawn_at.min(world.now),
            scope: withdrawn.scope.clone(),
        },
    }];
    let in_scope = |h: &Handover| match &withdrawn.scope {
        schemas::messages::WithdrawalScope::Entire => true,
        schemas::messages::WithdrawalScope::Recipients(list) => list.contains(&h.to),
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
    if sealed.scheme.as_str() != schemas::messages::SEALING_SCHEME {
        return refuse(
            ReasonCode::SealedKeyUnknown,
            "the sealed field uses a scheme other than HPKE-BASE-X25519-SHA256-CHACHA20POLY1305",
        );
    }
    let mut seen = BTreeSet::new();
    for copy in &sealed.copies {
        if !entitled(&copy.recipient) {
            return refuse(
                ReasonCode::SealedForUnentitled,
                format!(
                    "a sealed copy is addressed to {}, which may not hold this location",
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

/// A recipient with no copy of an optional sealed field gets no location: the field is
/// stripped from its copy of the message, so the disclosure must not list the category.
fn without_own_copy_no_location(message: &Message, deliveries: &mut [Delivery]) {
    let Body::RelocationConfirmed(confirmed) = &message.body else {
        return;
    };
    let Some(sealed) = &confirmed.sealed_address else {
        return;
    };
    for delivery in deliveries {
        if !sealed
            .copies
            .iter()
            .any(|c| c.recipient == delivery.recipient)
        {
            delivery
                .categories
                .retain(|c| *c != DataCategory::ProtectedLocation);
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
    let candidates: Vec<Result<Delivery, ReasonCode>> =
        match envelope.gateway.as_ref().map(GatewayRef::parse) {
            Some(Gateway::Statute(id)) => {
                by_statute(world, &flow, categories, &by_hard_rules, Some(id))
            }
            Some(Gateway::Consent {
                consent_id,
                version,
            }) => {
                let named = |c: &ConsentInForce| {
                    c.record.consent_id == consent_id && c.record.version == version
                };
                let found = by_consent(world, &flow, categories, named);
                if found.is_empty() {
                    vec![Err(ReasonCode::ConsentNotInForce)]
                } else {
                    found
                }
            }
            None => {
                let subject = envelope.subject.as_ref();
                let current =
                    |c: &ConsentInForce| subject == Some(&c.record.subject) && !c.superseded;
                let mut all = by_statute(world, &flow, categories, &by_hard_rules, None);
                all.extend(by_consent(world, &flow, categories, current));
                all
            }
        };
    // The first gateway that allows wins; otherwise the most telling refusal.
    let mut first_refusal = None;
    for candidate in candidates {
        match candidate {
            Ok(delivery) => return Ok(delivery),
            Err(reason) => {
                first_refusal.get_or_insert(reason);
            }
        }
    }
    Err(first_refusal.unwrap_or(ReasonCode::NoGateway))
}

/// Each governing statute's answer: allowed (with uncovered optional categories removed) or
/// the mandatory categories it does not cover.
fn by_statute(
    world: &World<'_>,
    flow: &consent::Flow<'_>,
    categories: &Categories,
    by_hard_rules: &BTreeSet<DataCategory>,
    only: Option<&str>,
) -> Vec<Result<Delivery, ReasonCode>> {
    world
        .policy
        .statutes
        .iter()
        .filter(|s| s.governs(flow) && only.is_none_or(|id| s.id == id))
        .map(|s| {
            if !categories
                .mandatory
                .iter()
                .all(|c| s.categories.contains(c))
            {
                return Err(ReasonCode::CategoryNotCovered);
            }
            let removed: BTreeSet<DataCategory> = categories
                .optional
                .iter()
                .copied()
                .filter(|c| by_hard_rules.contains(c) || !s.categories.contains(c))
                .collect();
            Ok(delivery(
                flow.recipient,
                s.reference(),
                categories,
                &removed,
            ))
        })
        .collect()
}

/// Each selected consent version's answer.
fn by_consent(
    world: &World<'_>,
    flow: &consent::Flow<'_>,
    categories: &Categories,
    select: impl Fn(&ConsentInForce) -> bool,
) -> Vec<Result<Delivery, ReasonCode>> {
    world
        .consents
        .iter()
        .filter(|c| select(c))
        .map(
            |c| match consent::evaluate(&world.policy.hard_rules, c, flow) {
                Verdict::Allow { removed, .. } => Ok(delivery(
                    flow.recipient,
                    consent_ref(&c.record),
                    categories,
                    &removed,
                )),
                Verdict::Deny(reason) => Err(reason),
            },
        )
        .collect()
}

fn delivery(
    recipient: &Agency,
    gateway: GatewayRef,
    categories: &Categories,
    removed: &BTreeSet<DataCategory>,
) -> Delivery {
    Delivery {
        recipient: recipient.id.clone(),
        gateway,
        categories: categories
            .all()
            .into_iter()
            .filter(|c| !removed.contains(c))
            .collect(),
        removed: removed.iter().copied().collect(),
    }
}
