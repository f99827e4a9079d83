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

impl Stage {
    /// The name stored in the database (a closed case's reason is stored beside it).
    pub fn name(self) -> &'static str {
        match self {
            Stage::Referred => "referred",
            Stage::Intake => "intake",
            Stage::Active => "active",
            Stage::Suspended => "suspended",
            Stage::Closed(_) => "closed",
        }
    }

    /// The stage with this stored name; a closed case's needs its end reason.
    pub fn from_name(name: &str, end_reason: Option<CaseEndReason>) -> Option<Stage> {
        Some(match name {
            "referred" => Stage::Referred,
            "intake" => Stage::Intake,
            "active" => Stage::Active,
            "suspended" => Stage::Suspended,
            "closed" => Stage::Closed(end_reason?),
            _ => return None,
        })
    }
}

/// A case.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Case {
    pub id: CaseId,
    /// The person, by hub pseudonym.
    pub subject: Pseudonym,
    /// The one owning agency.
    pub owner: AgencyId,
    /// Every agency taking part (always includes the owner).
    pub participants: BTreeSet<AgencyId>,
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
    /// Every state.
    pub const ALL: [HandoverState; 6] = [
        HandoverState::Requested,
        HandoverState::Received,
        HandoverState::Accepted,
        HandoverState::Rejected,
        HandoverState::Cancelled,
        HandoverState::BlockedConsent,
    ];

    /// Whether the handover is still open (requested or received).
    pub fn is_open(self) -> bool {
        matches!(self, HandoverState::Requested | HandoverState::Received)
    }

    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            HandoverState::Requested => "requested",
            HandoverState::Received => "received",
            HandoverState::Accepted => "accepted",
            HandoverState::Rejected => "rejected",
            HandoverState::Cancelled => "cancelled",
            HandoverState::BlockedConsent => "blocked_consent",
        }
    }

    /// The state with this stored name.
    pub fn from_name(name: &str) -> Option<HandoverState> {
        HandoverState::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// What is handed over: a case between agencies, or a person moving between municipalities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoverKind {
    /// A `HandoverRequest`, answered by `HandoverResponse`s.
    Handover,
    /// A `RelocationRequest` (its `relocation_id` is the handover id): received or rejected by
    /// `HandoverResponse`, accepted only by the destination's `RelocationConfirmed`.
    Relocation,
}

impl HandoverKind {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            HandoverKind::Handover => "handover",
            HandoverKind::Relocation => "relocation",
        }
    }

    /// The kind with this stored name.
    pub fn from_name(name: &str) -> Option<HandoverKind> {
        match name {
            "handover" => Some(HandoverKind::Handover),
            "relocation" => Some(HandoverKind::Relocation),
            _ => None,
        }
    }
}

/// A handover of a case from its owner to another agency.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)] // fields named for what they hold
pub struct Handover {
    pub id: Uuid,
    /// A case handover or a relocation.
    pub kind: HandoverKind,
    pub case_id: CaseId,
    /// The owner who asked.
    pub from: AgencyId,
    /// The agency asked.
    pub to: AgencyId,
    pub state: HandoverState,
    /// The gateway the request travelled under.
    pub gateway: GatewayRef,
}

/// The claim on a case id that the first message naming it makes: its authenticated sender
/// and its person. The hub records it when that message is refused (a routed one opens the
/// case itself), so the id stays bound to them: nobody else may open a case under it later,
/// and its opener only about the same person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseClaim {
    /// The case id claimed.
    pub case_id: CaseId,
    /// The agency whose message first named it (broker-authenticated).
    pub opener: AgencyId,
    /// The person that message named.
    pub subject: Pseudonym,
}

impl CaseClaim {
    /// Whether `sender` may open the claimed case about `subject`: only the opener
    /// (NotParticipant, checked first, so another agency learns nothing about the person),
    /// and only about the claimed person (SubjectMismatch).
    pub fn check_open(&self, sender: &AgencyId, subject: &Pseudonym) -> Result<(), ReasonCode> {
        if *sender != self.opener {
            return Err(ReasonCode::NotParticipant);
        }
        if *subject != self.subject {
            return Err(ReasonCode::SubjectMismatch);
        }
        Ok(())
    }
}

/// Whether a rejection answer carries its reason: a rejection without `reason` is refused
/// (ReasonRequired); other outcomes need none.
pub fn check_answer_reason(
    outcome: HandoverOutcome,
    reason: Option<&schemas::ids::ShortText>,
) -> Result<(), ReasonCode> {
    match (outcome, reason) {
        (HandoverOutcome::Rejected, None) => Err(ReasonCode::ReasonRequired),
        _ => Ok(()),
    }
}

impl Case {
    /// A new case owned by `owner`, who is its only participant, at stage referred.
    pub fn open(id: CaseId, subject: Pseudonym, owner: AgencyId) -> Case {
        Case {
            id,
            subject,
            participants: BTreeSet::from([owner.clone()]),
            owner,
            stage: Stage::Referred,
        }
    }

    /// Whether the case is closed.
    fn is_closed(&self) -> bool {
        matches!(self.stage, Stage::Closed(_))
    }

    /// Whether `sender` may send messages about this case: a participant, and not closed.
    /// A closed case refuses everyone with CaseClosed (checked first); otherwise a sender who
    /// takes no part in it gets NotParticipant.
    pub fn check_participant(&self, sender: &AgencyId) -> Result<(), ReasonCode> {
        if self.is_closed() {
            return Err(ReasonCode::CaseClosed);
        }
        if !self.participants.contains(sender) {
            return Err(ReasonCode::NotParticipant);
        }
        Ok(())
    }

    /// Whether a message naming `subject` may be about this case: a case id belongs to one
    /// person, so naming another is SubjectMismatch. A message that names nobody is about
    /// the case's person.
    pub fn check_subject(&self, subject: Option<&Pseudonym>) -> Result<(), ReasonCode> {
        match subject {
            Some(subject) if *subject != self.subject => Err(ReasonCode::SubjectMismatch),
            _ => Ok(()),
        }
    }

    /// The case with `agencies` added as participants.
    pub fn with_participants<'a>(&self, agencies: impl IntoIterator<Item = &'a AgencyId>) -> Case {
        let mut case = self.clone();
        case.participants.extend(agencies.into_iter().cloned());
        case
    }

    /// A new handover request from `sender` to `to`: sender must own the case (NotCaseOwner),
    /// the case must not be closed (CaseClosed), `to` must differ from the owner and no other
    /// handover may be open (`open` lists this case's handovers; InvalidTransition). The
    /// recipient becomes a participant.
    ///
    /// Checked in this order: CaseClosed, NotCaseOwner, InvalidTransition (`to` is the
    /// owner, or a handover of this case in `open` is still requested or received; entries
    /// of `open` for other cases are ignored). The new handover is requested; the case keeps
    /// its owner and stage.
    pub fn request_handover(
        &self,
        sender: &AgencyId,
        to: &AgencyId,
        handover_id: Uuid,
        gateway: GatewayRef,
        open: &[Handover],
    ) -> Result<(Case, Handover), ReasonCode> {
        if self.is_closed() {
            return Err(ReasonCode::CaseClosed);
        }
        if *sender != self.owner {
            return Err(ReasonCode::NotCaseOwner);
        }
        if *to == self.owner {
            return Err(ReasonCode::InvalidTransition);
        }
        if open
            .iter()
            .any(|h| h.case_id == self.id && h.state.is_open())
        {
            return Err(ReasonCode::InvalidTransition);
        }
        let handover = Handover {
            id: handover_id,
            kind: HandoverKind::Handover,
            case_id: self.id.clone(),
            from: self.owner.clone(),
            to: to.clone(),
            state: HandoverState::Requested,
            gateway,
        };
        Ok((self.with_participants([to]), handover))
    }

    /// A relocation request from the owning municipality to a destination municipality: the
    /// same rules as [`Case::request_handover`] (one open handover or relocation at a time);
    /// the destination answers with [`Case::confirm_relocation`].
    pub fn request_relocation(
        &self,
        sender: &AgencyId,
        to: &AgencyId,
        relocation_id: Uuid,
        gateway: GatewayRef,
        open: &[Handover],
    ) -> Result<(Case, Handover), ReasonCode> {
        let (case, mut handover) =
            self.request_handover(sender, to, relocation_id, gateway, open)?;
        handover.kind = HandoverKind::Relocation;
        Ok((case, handover))
    }

    /// The destination confirms a relocation: the person has moved and the destination owns
    /// the case. Only the destination (NotAddressedRecipient); only a relocation
    /// (UnknownHandover for a case handover); otherwise as an accepting answer.
    pub fn confirm_relocation(
        &self,
        relocation: &Handover,
        sender: &AgencyId,
    ) -> Result<(Case, Handover), ReasonCode> {
        if relocation.kind != HandoverKind::Relocation {
            return Err(ReasonCode::UnknownHandover);
        }
        self.answer(relocation, sender, HandoverOutcome::Accepted)
    }

    /// The recipient's answer: only `handover.to` (NotAddressedRecipient); received only from
    /// requested; accepted or rejected from requested or received; anything else
    /// InvalidTransition (UnknownHandover when the handover belongs to another case). Received
    /// moves a referred case to intake; accepted moves ownership to the recipient and the
    /// case to active (from referred, intake or suspended).
    ///
    /// Checked in this order: UnknownHandover, CaseClosed, NotAddressedRecipient,
    /// InvalidTransition. On accepted the previous owner stays a participant and an active
    /// case stays active; rejected leaves the case as it is. A relocation is accepted only by
    /// [`Case::confirm_relocation`] (InvalidTransition here).
    pub fn answer_handover(
        &self,
        handover: &Handover,
        sender: &AgencyId,
        outcome: HandoverOutcome,
    ) -> Result<(Case, Handover), ReasonCode> {
        let (case, answered) = self.answer(handover, sender, outcome)?;
        if handover.kind == HandoverKind::Relocation && outcome == HandoverOutcome::Accepted {
            return Err(ReasonCode::InvalidTransition);
        }
        Ok((case, answered))
    }

    fn answer(
        &self,
        handover: &Handover,
        sender: &AgencyId,
        outcome: HandoverOutcome,
    ) -> Result<(Case, Handover), ReasonCode> {
        if handover.case_id != self.id {
            return Err(ReasonCode::UnknownHandover);
        }
        if self.is_closed() {
            return Err(ReasonCode::CaseClosed);
        }
        if *sender != handover.to {
            return Err(ReasonCode::NotAddressedRecipient);
        }
        let state = match (handover.state, outcome) {
            (HandoverState::Requested, HandoverOutcome::Received) => HandoverState::Received,
            (HandoverState::Requested | HandoverState::Received, HandoverOutcome::Accepted) => {
                HandoverState::Accepted
            }
            (HandoverState::Requested | HandoverState::Received, HandoverOutcome::Rejected) => {
                HandoverState::Rejected
            }
            _ => return Err(ReasonCode::InvalidTransition),
        };
        let mut case = self.clone();
        match state {
            HandoverState::Received if case.stage == Stage::Referred => {
                case.stage = Stage::Intake;
            }
            HandoverState::Accepted => {
                case.owner = handover.to.clone();
                case.participants.insert(handover.to.clone());
                case.stage = Stage::Active;
            }
            _ => {}
        }
        let handover = Handover {
            state,
            ..handover.clone()
        };
        Ok((case, handover))
    }

    /// The sender cancels an open handover (only `handover.from`: NotCaseOwner).
    ///
    /// Checked in this order: UnknownHandover (the handover belongs to another case),
    /// NotCaseOwner, InvalidTransition (the handover is no longer open). The case itself does
    /// not change, so this is not refused on a closed case: the sender may still clear up a
    /// handover left open (messages about a closed case are refused earlier, by
    /// [`Case::check_participant`]).
    pub fn cancel_handover(
        &self,
        handover: &Handover,
        sender: &AgencyId,
    ) -> Result<Handover, ReasonCode> {
        if handover.case_id != self.id {
            return Err(ReasonCode::UnknownHandover);
        }
        if *sender != handover.from {
            return Err(ReasonCode::NotCaseOwner);
        }
        if !handover.state.is_open() {
            return Err(ReasonCode::InvalidTransition);
        }
        Ok(Handover {
            state: HandoverState::Cancelled,
            ..handover.clone()
        })
    }

    /// The owner closes the case with a reason (NotCaseOwner; CaseClosed when closed already).
    ///
    /// CaseClosed is checked first. Handovers still open are not touched here: the caller
    /// cancels them.
    pub fn close(&self, sender: &AgencyId, reason: CaseEndReason) -> Result<Case, ReasonCode> {
        if self.is_closed() {
            return Err(ReasonCode::CaseClosed);
        }
        if *sender != self.owner {
            return Err(ReasonCode::NotCaseOwner);
        }
        Ok(Case {
            stage: Stage::Closed(reason),
            ..self.clone()
        })
    }
}

/// An open handover whose consent gateway was withdrawn becomes blocked_consent; any other
/// handover is returned unchanged.
pub fn block_for_consent(handover: &Handover) -> Handover {
    let mut handover = handover.clone();
    if handover.state.is_open() {
        handover.state = HandoverState::BlockedConsent;
    }
    handover
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseEndReason as End;
    use HandoverOutcome as Out;
    use HandoverState as H;
    use ReasonCode as R;

    #[test]
    fn stored_names_read_back_as_what_was_stored() {
        for state in H::ALL {
            assert_eq!(H::from_name(state.as_str()), Some(state));
        }
        assert_eq!(H::from_name("Requested"), None);
        let stages = [
            Stage::Referred,
            Stage::Intake,
            Stage::Active,
            Stage::Suspended,
            Stage::Closed(End::Completed),
        ];
        for stage in stages {
            let reason = match stage {
                Stage::Closed(reason) => Some(reason),
                _ => None,
            };
            assert_eq!(Stage::from_name(stage.name(), reason), Some(stage));
        }
        assert_eq!(
            Stage::from_name("closed", None),
            None,
            "a closed case has a reason"
        );
        assert_eq!(Stage::from_name("open", None), None);
    }

    const PRISON: &str = "dk-kriminalforsorgen";
    const MUNI: &str = "dk-kobenhavn-kommune";
    const JOB: &str = "dk-jobcenter-kobenhavn";
    const STRANGER: &str = "dk-kobenhavns-politi";

    fn agency(s: &str) -> AgencyId {
        AgencyId::try_from(s).unwrap()
    }

    fn case_id(s: &str) -> CaseId {
        CaseId::try_from(s).unwrap()
    }

    fn gateway() -> GatewayRef {
        GatewayRef::statute("DK-RPL115-KSP").unwrap()
    }

    /// A case owned by the prison service with the municipality taking part.
    fn case(stage: Stage) -> Case {
        Case {
            id: case_id("case-1"),
            subject: Pseudonym::try_from("ps-7f3a9c2e11").unwrap(),
            owner: agency(PRISON),
            participants: BTreeSet::from([agency(PRISON), agency(MUNI)]),
            stage,
        }
    }

    /// A handover of `case-1` from the prison service to the municipality.
    fn handover(state: HandoverState) -> Handover {
        Handover {
            id: Uuid::from_u128(1),
            kind: HandoverKind::Handover,
            case_id: case_id("case-1"),
            from: agency(PRISON),
            to: agency(MUNI),
            state,
            gateway: gateway(),
        }
    }

    fn of_other_case(mut handover: Handover) -> Handover {
        handover.case_id = case_id("case-2");
        handover
    }

    const ALL_STATES: [HandoverState; 6] = [
        H::Requested,
        H::Received,
        H::Accepted,
        H::Rejected,
        H::Cancelled,
        H::BlockedConsent,
    ];
    const OPEN_STAGES: [Stage; 4] = [
        Stage::Referred,
        Stage::Intake,
        Stage::Active,
        Stage::Suspended,
    ];

    #[test]
    fn a_new_case_is_referred_and_owned_by_its_only_participant() {
        let case = Case::open(
            case_id("case-1"),
            Pseudonym::try_from("ps-7f3a9c2e11").unwrap(),
            agency(PRISON),
        );
        assert_eq!(case.owner, agency(PRISON));
        assert_eq!(case.participants, BTreeSet::from([agency(PRISON)]));
        assert_eq!(case.stage, Stage::Referred);
    }

    #[test]
    fn only_participants_of_an_open_case_may_send() {
        let closed = Stage::Closed(End::Completed);
        let rows: &[(&str, Stage, &str, Result<(), R>)] = &[
            ("owner", Stage::Active, PRISON, Ok(())),
            ("other participant", Stage::Active, MUNI, Ok(())),
            ("participant, suspended", Stage::Suspended, MUNI, Ok(())),
            (
                "non-participant",
                Stage::Active,
                STRANGER,
                Err(R::NotParticipant),
            ),
            ("owner, closed", closed, PRISON, Err(R::CaseClosed)),
            (
                "non-participant, closed: closed first",
                closed,
                STRANGER,
                Err(R::CaseClosed),
            ),
        ];
        for (name, stage, sender, expected) in rows {
            assert_eq!(
                case(*stage).check_participant(&agency(sender)),
                *expected,
                "{name}"
            );
        }
    }

    #[test]
    fn with_participants_adds_and_keeps_the_rest() {
        let before = case(Stage::Active);
        let after = before.with_participants([&agency(JOB), &agency(MUNI)]);
        assert_eq!(
            after.participants,
            BTreeSet::from([agency(PRISON), agency(MUNI), agency(JOB)])
        );
        assert_eq!(after.owner, before.owner);
        assert_eq!(after.stage, before.stage);
    }

    #[test]
    fn request_handover() {
        let closed = Stage::Closed(End::DroppedOut);
        let finished: Vec<Handover> = [H::Accepted, H::Rejected, H::Cancelled, H::BlockedConsent]
            .into_iter()
            .map(handover)
            .collect();
        // (name, stage, sender, to, handovers of the case so far, expected)
        type Row<'a> = (
            &'a str,
            Stage,
            &'a str,
            &'a str,
            Vec<Handover>,
            Result<(), R>,
        );
        let rows: Vec<Row> = vec![
            (
                "owner to participant",
                Stage::Referred,
                PRISON,
                MUNI,
                vec![],
                Ok(()),
            ),
            (
                "owner to newcomer",
                Stage::Active,
                PRISON,
                JOB,
                vec![],
                Ok(()),
            ),
            (
                "from suspended",
                Stage::Suspended,
                PRISON,
                JOB,
                vec![],
                Ok(()),
            ),
            (
                "earlier handovers finished",
                Stage::Active,
                PRISON,
                JOB,
                finished,
                Ok(()),
            ),
            (
                "open handover of another case",
                Stage::Active,
                PRISON,
                JOB,
                vec![of_other_case(handover(H::Requested))],
                Ok(()),
            ),
            ("closed", closed, PRISON, MUNI, vec![], Err(R::CaseClosed)),
            (
                "closed, not owner: closed first",
                closed,
                MUNI,
                JOB,
                vec![],
                Err(R::CaseClosed),
            ),
            (
                "participant, not owner",
                Stage::Active,
                MUNI,
                JOB,
                vec![],
                Err(R::NotCaseOwner),
            ),
            (
                "non-participant",
                Stage::Active,
                STRANGER,
                JOB,
                vec![],
                Err(R::NotCaseOwner),
            ),
            (
                "not owner, to owner: owner first",
                Stage::Active,
                MUNI,
                PRISON,
                vec![],
                Err(R::NotCaseOwner),
            ),
            (
                "to the owner",
                Stage::Active,
                PRISON,
                PRISON,
                vec![],
                Err(R::InvalidTransition),
            ),
            (
                "one requested already",
                Stage::Active,
                PRISON,
                JOB,
                vec![handover(H::Requested)],
                Err(R::InvalidTransition),
            ),
            (
                "one received already",
                Stage::Active,
                PRISON,
                JOB,
                vec![handover(H::Cancelled), handover(H::Received)],
                Err(R::InvalidTransition),
            ),
        ];
        for (name, stage, sender, to, open, expected) in rows {
            let before = case(stage);
            let result = before.request_handover(
                &agency(sender),
                &agency(to),
                Uuid::from_u128(7),
                gateway(),
                &open,
            );
            match (result, expected) {
                (Ok((after, h)), Ok(())) => {
                    assert_eq!(h.id, Uuid::from_u128(7), "{name}");
                    assert_eq!(h.case_id, before.id, "{name}");
                    assert_eq!(h.from, agency(PRISON), "{name}");
                    assert_eq!(h.to, agency(to), "{name}");
                    assert_eq!(h.state, H::Requested, "{name}");
                    assert_eq!(h.gateway, gateway(), "{name}");
                    assert_eq!(after.owner, before.owner, "{name}: owner unchanged");
                    assert_eq!(after.stage, before.stage, "{name}: stage unchanged");
                    assert!(after.participants.contains(&agency(to)), "{name}");
                    assert!(
                        after.participants.is_superset(&before.participants),
                        "{name}"
                    );
                }
                (Err(got), Err(want)) => assert_eq!(got, want, "{name}"),
                (got, want) => panic!("{name}: got {got:?}, want {want:?}"),
            }
        }
    }

    /// What a successful answer by the recipient does: (from, outcome, to).
    const ALLOWED_ANSWERS: [(HandoverState, HandoverOutcome, HandoverState); 5] = [
        (H::Requested, Out::Received, H::Received),
        (H::Requested, Out::Accepted, H::Accepted),
        (H::Requested, Out::Rejected, H::Rejected),
        (H::Received, Out::Accepted, H::Accepted),
        (H::Received, Out::Rejected, H::Rejected),
    ];

    #[test]
    fn answer_handover_state_by_state() {
        for from in ALL_STATES {
            for outcome in [Out::Received, Out::Accepted, Out::Rejected] {
                let expected = ALLOWED_ANSWERS
                    .iter()
                    .find(|(f, o, _)| *f == from && *o == outcome)
                    .map(|(_, _, to)| *to)
                    .ok_or(R::InvalidTransition);
                let before = handover(from);
                let got = case(Stage::Intake)
                    .answer_handover(&before, &agency(MUNI), outcome)
                    .map(|(_, h)| h);
                match (got, expected) {
                    (Ok(after), Ok(to)) => {
                        assert_eq!(
                            after,
                            Handover {
                                state: to,
                                ..before
                            }
                        );
                    }
                    (Err(got), Err(want)) => assert_eq!(got, want, "{from:?} + {outcome:?}"),
                    (got, want) => panic!("{from:?} + {outcome:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn answer_handover_moves_the_case() {
        let muni_owned = |stage| Case {
            owner: agency(MUNI),
            ..case(stage)
        };
        // (handover state, outcome, case stage before, case after)
        let rows: Vec<(HandoverState, HandoverOutcome, Stage, Case)> = vec![
            (
                H::Requested,
                Out::Received,
                Stage::Referred,
                case(Stage::Intake),
            ),
            (
                H::Requested,
                Out::Received,
                Stage::Intake,
                case(Stage::Intake),
            ),
            (
                H::Requested,
                Out::Received,
                Stage::Active,
                case(Stage::Active),
            ),
            (
                H::Requested,
                Out::Received,
                Stage::Suspended,
                case(Stage::Suspended),
            ),
            (
                H::Requested,
                Out::Accepted,
                Stage::Referred,
                muni_owned(Stage::Active),
            ),
            (
                H::Received,
                Out::Accepted,
                Stage::Intake,
                muni_owned(Stage::Active),
            ),
            (
                H::Received,
                Out::Accepted,
                Stage::Suspended,
                muni_owned(Stage::Active),
            ),
            (
                H::Received,
                Out::Accepted,
                Stage::Active,
                muni_owned(Stage::Active),
            ),
            (
                H::Requested,
                Out::Rejected,
                Stage::Referred,
                case(Stage::Referred),
            ),
            (
                H::Received,
                Out::Rejected,
                Stage::Intake,
                case(Stage::Intake),
            ),
            (
                H::Received,
                Out::Rejected,
                Stage::Suspended,
                case(Stage::Suspended),
            ),
        ];
        for (state, outcome, stage, expected) in rows {
            let (after, _) = case(stage)
                .answer_handover(&handover(state), &agency(MUNI), outcome)
                .unwrap();
            assert_eq!(after, expected, "{state:?} + {outcome:?} at {stage:?}");
        }
    }

    #[test]
    fn accepting_keeps_the_previous_owner_as_participant() {
        let (after, _) = case(Stage::Active)
            .answer_handover(&handover(H::Received), &agency(MUNI), Out::Accepted)
            .unwrap();
        assert_eq!(after.owner, agency(MUNI));
        assert!(after.participants.contains(&agency(PRISON)));
    }

    #[test]
    fn answer_handover_refusals() {
        let closed = Stage::Closed(End::Transferred);
        let rows: Vec<(&str, Stage, Handover, &str, R)> = vec![
            (
                "handover of another case",
                Stage::Active,
                of_other_case(handover(H::Requested)),
                MUNI,
                R::UnknownHandover,
            ),
            (
                "another case, closed: unknown first",
                closed,
                of_other_case(handover(H::Requested)),
                STRANGER,
                R::UnknownHandover,
            ),
            (
                "closed",
                closed,
                handover(H::Requested),
                MUNI,
                R::CaseClosed,
            ),
            (
                "closed, wrong sender: closed first",
                closed,
                handover(H::Requested),
                JOB,
                R::CaseClosed,
            ),
            (
                "the sender answers",
                Stage::Active,
                handover(H::Requested),
                PRISON,
                R::NotAddressedRecipient,
            ),
            (
                "another participant",
                Stage::Active,
                handover(H::Requested),
                JOB,
                R::NotAddressedRecipient,
            ),
            (
                "non-participant",
                Stage::Active,
                handover(H::Requested),
                STRANGER,
                R::NotAddressedRecipient,
            ),
            (
                "wrong sender, finished: recipient first",
                Stage::Active,
                handover(H::Cancelled),
                JOB,
                R::NotAddressedRecipient,
            ),
        ];
        for (name, stage, h, sender, expected) in rows {
            for outcome in [Out::Received, Out::Accepted, Out::Rejected] {
                assert_eq!(
                    case(stage).answer_handover(&h, &agency(sender), outcome),
                    Err(expected),
                    "{name}, {outcome:?}"
                );
            }
        }
    }

    #[test]
    fn cancel_handover() {
        // (name, stage, handover, sender, expected state)
        type Row<'a> = (&'a str, Stage, Handover, &'a str, Result<HandoverState, R>);
        let rows: Vec<Row> = vec![
            (
                "requested",
                Stage::Active,
                handover(H::Requested),
                PRISON,
                Ok(H::Cancelled),
            ),
            (
                "received",
                Stage::Intake,
                handover(H::Received),
                PRISON,
                Ok(H::Cancelled),
            ),
            (
                "left open on a closed case",
                Stage::Closed(End::Completed),
                handover(H::Received),
                PRISON,
                Ok(H::Cancelled),
            ),
            (
                "by the recipient",
                Stage::Active,
                handover(H::Requested),
                MUNI,
                Err(R::NotCaseOwner),
            ),
            (
                "by another agency",
                Stage::Active,
                handover(H::Requested),
                JOB,
                Err(R::NotCaseOwner),
            ),
            (
                "by another agency, finished: sender first",
                Stage::Active,
                handover(H::Accepted),
                JOB,
                Err(R::NotCaseOwner),
            ),
            (
                "handover of another case",
                Stage::Active,
                of_other_case(handover(H::Requested)),
                PRISON,
                Err(R::UnknownHandover),
            ),
            (
                "accepted",
                Stage::Active,
                handover(H::Accepted),
                PRISON,
                Err(R::InvalidTransition),
            ),
            (
                "rejected",
                Stage::Active,
                handover(H::Rejected),
                PRISON,
                Err(R::InvalidTransition),
            ),
            (
                "cancelled",
                Stage::Active,
                handover(H::Cancelled),
                PRISON,
                Err(R::InvalidTransition),
            ),
            (
                "blocked",
                Stage::Active,
                handover(H::BlockedConsent),
                PRISON,
                Err(R::InvalidTransition),
            ),
        ];
        for (name, stage, before, sender, expected) in rows {
            let got = case(stage).cancel_handover(&before, &agency(sender));
            let expected = expected.map(|state| Handover {
                state,
                ..before.clone()
            });
            assert_eq!(got, expected, "{name}");
        }
    }

    #[test]
    fn close() {
        for reason in [
            End::Completed,
            End::DroppedOut,
            End::Transferred,
            End::ConsentWithdrawn,
            End::Deceased,
        ] {
            for stage in OPEN_STAGES {
                let before = case(stage);
                let after = before.close(&agency(PRISON), reason).unwrap();
                assert_eq!(
                    after,
                    Case {
                        stage: Stage::Closed(reason),
                        ..before
                    }
                );
            }
        }
        let closed = Stage::Closed(End::Completed);
        let rows: &[(&str, Stage, &str, R)] = &[
            (
                "participant, not owner",
                Stage::Active,
                MUNI,
                R::NotCaseOwner,
            ),
            ("non-participant", Stage::Active, STRANGER, R::NotCaseOwner),
            ("closed already", closed, PRISON, R::CaseClosed),
            (
                "closed, not owner: closed first",
                closed,
                MUNI,
                R::CaseClosed,
            ),
        ];
        for (name, stage, sender, expected) in rows {
            assert_eq!(
                case(*stage).close(&agency(sender), End::Deceased),
                Err(*expected),
                "{name}"
            );
        }
    }

    #[test]
    fn block_for_consent_blocks_only_open_handovers() {
        let rows = [
            (H::Requested, H::BlockedConsent),
            (H::Received, H::BlockedConsent),
            (H::Accepted, H::Accepted),
            (H::Rejected, H::Rejected),
            (H::Cancelled, H::Cancelled),
            (H::BlockedConsent, H::BlockedConsent),
        ];
        for (from, to) in rows {
            let before = handover(from);
            assert_eq!(
                block_for_consent(&before),
                Handover {
                    state: to,
                    ..before
                },
                "{from:?}"
            );
        }
    }

    #[test]
    fn only_requested_and_received_are_open() {
        for state in ALL_STATES {
            assert_eq!(
                state.is_open(),
                matches!(state, H::Requested | H::Received),
                "{state:?}"
            );
        }
    }

    /// A case owned by one municipality, relocating to another.
    fn relocating() -> (Case, Handover) {
        let origin = case(Stage::Active).with_participants([&agency(MUNI)]);
        let origin = Case {
            owner: agency(MUNI),
            ..origin
        };
        origin
            .request_relocation(
                &agency(MUNI),
                &agency(DESTINATION),
                Uuid::from_u128(9),
                gateway(),
                &[],
            )
            .unwrap()
    }

    const DESTINATION: &str = "no-trondheim-kommune";

    #[test]
    fn a_relocation_moves_ownership_only_when_the_destination_confirms() {
        let (case, relocation) = relocating();
        assert_eq!(relocation.kind, HandoverKind::Relocation);
        assert_eq!(relocation.state, H::Requested);
        assert_eq!(
            case.owner,
            agency(MUNI),
            "the origin owns it until confirmed"
        );
        assert!(case.participants.contains(&agency(DESTINATION)));

        // Received by a HandoverResponse: still the origin's.
        let (received_case, received) = case
            .answer_handover(&relocation, &agency(DESTINATION), Out::Received)
            .unwrap();
        assert_eq!(received.state, H::Received);
        assert_eq!(received_case.owner, agency(MUNI));
        // Accepting by a HandoverResponse is not how a relocation ends.
        assert_eq!(
            case.answer_handover(&relocation, &agency(DESTINATION), Out::Accepted),
            Err(R::InvalidTransition)
        );
        // Only the destination confirms.
        assert_eq!(
            case.confirm_relocation(&relocation, &agency(MUNI)),
            Err(R::NotAddressedRecipient)
        );
        let (moved, confirmed) = received_case
            .confirm_relocation(&received, &agency(DESTINATION))
            .unwrap();
        assert_eq!(confirmed.state, H::Accepted);
        assert_eq!(moved.owner, agency(DESTINATION));
        assert_eq!(moved.stage, Stage::Active);
        // Confirmed once: a second confirmation is refused.
        assert_eq!(
            moved.confirm_relocation(&confirmed, &agency(DESTINATION)),
            Err(R::InvalidTransition)
        );
        // The destination may still reject instead of confirming.
        let (_, rejected) = case
            .answer_handover(&relocation, &agency(DESTINATION), Out::Rejected)
            .unwrap();
        assert_eq!(rejected.state, H::Rejected);
    }

    #[test]
    fn a_case_handover_is_not_confirmed_as_a_relocation() {
        let before = handover(H::Requested);
        assert_eq!(
            case(Stage::Intake).confirm_relocation(&before, &agency(MUNI)),
            Err(R::UnknownHandover)
        );
    }

    #[test]
    fn only_the_owner_requests_a_relocation_and_never_beside_an_open_handover() {
        let owned = case(Stage::Active);
        assert_eq!(
            owned
                .request_relocation(
                    &agency(MUNI),
                    &agency(DESTINATION),
                    Uuid::from_u128(9),
                    gateway(),
                    &[]
                )
                .map(|_| ()),
            Err(R::NotCaseOwner)
        );
        assert_eq!(
            owned
                .request_relocation(
                    &agency(PRISON),
                    &agency(DESTINATION),
                    Uuid::from_u128(9),
                    gateway(),
                    &[handover(H::Received)]
                )
                .map(|_| ()),
            Err(R::InvalidTransition)
        );
    }
}
