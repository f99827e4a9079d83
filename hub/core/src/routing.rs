//! The routing decision: for one decoded message from one authenticated sender, who gets it,
//! under which gateway, and who is refused and why. Default deny: a recipient is delivered
//! to only when a gateway is found that covers every declared data category.

use std::collections::{BTreeMap, BTreeSet};

use schemas::{
    AgencyId, AgencyRole, DataCategory, Gateway, GatewayRef, Jurisdiction, Message, MessageType,
    Purpose, ReasonCode, messages::Refusal,
};

use crate::catalogue;

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
    fn governs(&self, flow: &Flow<'_>) -> bool {
        self.jurisdiction == flow.sender.jurisdiction
            && self.jurisdiction == flow.recipient.jurisdiction
            && self.from_roles.contains(&flow.sender.role)
            && self.to_roles.contains(&flow.recipient.role)
            && self.message_types.contains(&flow.message_type)
            && self.purposes.contains(&flow.purpose)
    }

    fn covers(&self, categories: &[DataCategory]) -> bool {
        categories.iter().all(|c| self.categories.contains(c))
    }

    /// The reference that cites this statute.
    pub fn reference(&self) -> GatewayRef {
        GatewayRef::statute(&self.id).expect("statute ids are validated when loaded")
    }
}

/// The gateways the hub knows besides consent.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Named statutes, as configured per jurisdiction.
    pub statutes: Vec<Statute>,
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

struct Flow<'a> {
    sender: &'a Agency,
    recipient: &'a Agency,
    message_type: MessageType,
    purpose: Purpose,
}

/// Decides who receives `message`, sent by the agency the broker authenticated as
/// `authenticated`. Pure: the same inputs always give the same decision.
pub fn decide(
    directory: &Directory,
    policy: &Policy,
    authenticated: &AgencyId,
    message: &Message,
) -> Decision {
    let envelope = &message.envelope;
    let Some(sender) = directory.get(authenticated) else {
        return Decision::reject(
            ReasonCode::UnknownSender,
            "the sending agency is not registered",
        );
    };
    if &envelope.sender != authenticated {
        return Decision::reject(
            ReasonCode::SenderMismatch,
            "envelope.sender is not the agency this connection is authenticated as",
        );
    }
    let Some(route) = catalogue::route(envelope.message_type) else {
        return Decision::reject(
            ReasonCode::NotPermittedForRole,
            format!("{} is sent by the hub only", envelope.message_type),
        );
    };
    if !route.from.contains(&sender.role) {
        return Decision::reject(
            ReasonCode::NotPermittedForRole,
            format!(
                "a {:?} agency may not send {}",
                sender.role, envelope.message_type
            ),
        );
    }
    if envelope.purpose.is_forbidden() {
        return Decision::reject(
            ReasonCode::ForbiddenPurpose,
            format!(
                "purpose {:?} can never be granted through the hub",
                envelope.purpose
            ),
        );
    }
    let undeclared: Vec<DataCategory> = message
        .body
        .carried_categories()
        .into_iter()
        .filter(|c| !envelope.data_categories.contains(c))
        .collect();
    if !undeclared.is_empty() {
        return Decision::reject(
            ReasonCode::CategoriesUndeclared,
            format!("the body carries {undeclared:?}, which envelope.data_categories omits"),
        );
    }
    if route.to.is_empty() {
        return Decision::reject(
            ReasonCode::NotPermittedForRole,
            format!("{} is not yet accepted by this hub", envelope.message_type),
        );
    }
    if envelope.recipients.is_empty() {
        return Decision::reject(ReasonCode::SchemaViolation, "envelope.recipients is empty");
    }

    let mut deliveries = Vec::new();
    let mut refused = Vec::new();
    for recipient_id in &envelope.recipients {
        match decide_recipient(directory, policy, sender, route, message, recipient_id) {
            Ok(delivery) => deliveries.push(delivery),
            Err(reason) => refused.push(Refusal {
                recipient: recipient_id.clone(),
                reason,
            }),
        }
    }
    if deliveries.is_empty() {
        let reason = refused[0].reason;
        let detail = if refused.len() == 1 {
            format!("refused for {}: {reason}", refused[0].recipient)
        } else {
            "refused for every recipient; see refused".to_owned()
        };
        return Decision::Reject {
            reason,
            detail,
            refused,
        };
    }
    Decision::Route {
        deliveries,
        refused,
    }
}

fn decide_recipient(
    directory: &Directory,
    policy: &Policy,
    sender: &Agency,
    route: &catalogue::Route,
    message: &Message,
    recipient_id: &AgencyId,
) -> Result<Delivery, ReasonCode> {
    let envelope = &message.envelope;
    let recipient = directory
        .get(recipient_id)
        .ok_or(ReasonCode::UnknownRecipient)?;
    if recipient.id == sender.id || !route.to.contains(&recipient.role) {
        return Err(ReasonCode::NotPermittedForRole);
    }
    let flow = Flow {
        sender,
        recipient,
        message_type: envelope.message_type,
        purpose: envelope.purpose,
    };
    let categories = &envelope.data_categories;
    let governing: Vec<&Statute> = match envelope.gateway.as_ref().map(GatewayRef::parse) {
        Some(Gateway::Statute(id)) => policy.statutes.iter().filter(|s| s.id == id).collect(),
        // Consent gateways are evaluated by the consent engine; until it routes, none passes.
        Some(Gateway::Consent { .. }) => Vec::new(),
        None => policy.statutes.iter().collect(),
    };
    let governing: Vec<&Statute> = governing.into_iter().filter(|s| s.governs(&flow)).collect();
    let statute =
        governing
            .iter()
            .find(|s| s.covers(categories))
            .ok_or(if governing.is_empty() {
                ReasonCode::NoGateway
            } else {
                ReasonCode::CategoryNotCovered
            })?;
    Ok(Delivery {
        recipient: recipient.id.clone(),
        gateway: statute.reference(),
        categories: categories.clone(),
    })
}
