//! Cases and handovers as state machines (the handover model is FHIR's Task).
//!
//! A case has exactly one owning agency at every moment and is never unowned. Lifecycle:
//! referred -> intake -> active (<-> suspended) -> closed with a reason. A handover is
//! requested -> received -> accepted | rejected, or cancelled by its sender, or
//! blocked_consent when its gateway disappears. Ownership moves only on accepted; until then
//! the sender still owns the case. Only the current owner may request a handover (one open
//! handover per case at a time); only the addressed recipient may answer it; only
//! participants may send messages about the case; a closed case takes no more messages.
//!
//! Pure: every transition returns the new state or a reason code; nothing is mutated on a
//! refused transition.

use std::collections::BTreeSet;

use schemas::messages::{CaseEndReason, HandoverOutcome};
use schemas::{AgencyId, CaseId, GatewayRef, Pseudonym, ReasonCode};
use uuid::Uuid;

/// Where a case is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Opened by a referral; no handover answered yet.
    Referred,
    /// A handover was received by its recipient.
    Intake,
    /// Work is under way (a handover was accepted, or the owner activated it).
    Active,
    /// Paused by the owner.
    Suspended,
    /// Ended, with a reason.
    Closed(CaseEndReason),
}

/// A case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// Its id.
    pub id: CaseId,
    /// The person, by hub pseudonym.
    pub subject: Pseudonym,
    /// The one owning agency.
    pub owner: AgencyId,
    /// Every agency taking part (always includes the owner).
    pub participants: BTreeSet<AgencyId>,
    /// Its stage.
    pub stage: Stage,
}

/// A handover's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoverState {
    /// Sent, not yet acknowledged.
    Requested,
    /// Acknowledged by the recipient.
    Received,
    /// Accepted: the recipient owns the case now.
    Accepted,
    /// Rejected by the recipient.
    Rejected,
    /// Cancelled by the sender.
    Cancelled,
    /// Its consent gateway was withdrawn.
    BlockedConsent,
}

impl HandoverState {
    /// Whether the handover is still open (requested or received).
    pub fn is_open(self) -> bool {
        matches!(self, HandoverState::Requested | HandoverState::Received)
    }
}

/// A handover of a case from its owner to another agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    /// Its id.
    pub id: Uuid,
    /// The case.
    pub case_id: CaseId,
    /// The owner who asked.
    pub from: AgencyId,
    /// The agency asked.
    pub to: AgencyId,
    /// Its state.
    pub state: HandoverState,
    /// The gateway the request travelled under.
    pub gateway: GatewayRef,
}

impl Case {
    /// A new case owned by `owner`, who is its only participant, at stage referred.
    pub fn open(id: CaseId, subject: Pseudonym, owner: AgencyId) -> Case {
        let _ = (id, subject, owner);
        unimplemented!("cases: open")
    }

    /// Whether `sender` may send messages about this case: a participant, and not closed.
    pub fn check_participant(&self, sender: &AgencyId) -> Result<(), ReasonCode> {
        let _ = sender;
        unimplemented!("cases: check_participant (NotParticipant, CaseClosed)")
    }

    /// The case with `agencies` added as participants.
    pub fn with_participants<'a>(&self, agencies: impl IntoIterator<Item = &'a AgencyId>) -> Case {
        let _ = agencies.into_iter().count();
        unimplemented!("cases: with_participants")
    }

    /// A new handover request from `sender` to `to`: sender must own the case (NotCaseOwner),
    /// the case must not be closed (CaseClosed), `to` must differ from the owner and no other
    /// handover may be open (`open` lists this case's handovers; InvalidTransition). The
    /// recipient becomes a participant.
    pub fn request_handover(
        &self,
        sender: &AgencyId,
        to: &AgencyId,
        handover_id: Uuid,
        gateway: GatewayRef,
        open: &[Handover],
    ) -> Result<(Case, Handover), ReasonCode> {
        let _ = (sender, to, handover_id, gateway, open);
        unimplemented!("cases: request_handover")
    }

    /// The recipient's answer: only `handover.to` (NotAddressedRecipient); received only from
    /// requested; accepted or rejected from requested or received; anything else
    /// InvalidTransition (UnknownHandover when the handover belongs to another case). Received
    /// moves a referred case to intake; accepted moves ownership to the recipient and the
    /// case to active (from referred, intake or suspended).
    pub fn answer_handover(
        &self,
        handover: &Handover,
        sender: &AgencyId,
        outcome: HandoverOutcome,
    ) -> Result<(Case, Handover), ReasonCode> {
        let _ = (handover, sender, outcome);
        unimplemented!("cases: answer_handover")
    }

    /// The sender cancels an open handover (only `handover.from`: NotCaseOwner).
    pub fn cancel_handover(&self, handover: &Handover, sender: &AgencyId) -> Result<Handover, ReasonCode> {
        let _ = (handover, sender);
        unimplemented!("cases: cancel_handover")
    }

    /// The owner closes the case with a reason (NotCaseOwner; CaseClosed when closed already).
    pub fn close(&self, sender: &AgencyId, reason: CaseEndReason) -> Result<Case, ReasonCode> {
        let _ = (sender, reason);
        unimplemented!("cases: close")
    }
}

/// An open handover whose consent gateway was withdrawn becomes blocked_consent; any other
/// handover is returned unchanged.
pub fn block_for_consent(handover: &Handover) -> Handover {
    let _ = handover;
    unimplemented!("cases: block_for_consent")
}
