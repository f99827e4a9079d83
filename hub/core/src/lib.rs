//! The hub's routing core: pure decisions, no I/O.
//!
//! No tokio, lapin or sqlx here, and no clock: time and ids are inputs, so every rule is
//! tested with plain data. The parts:
//! - [`catalogue`]: who may send which message type to whom, by role;
//! - [`routing`]: [`decide`], the per-recipient decision with its gateway (default deny);
//! - [`replies`]: the `Receipt` and `Undeliverable` the hub answers a sender with;
//! - [`consent`]: consent evaluation (hard rules, gateway, provision tree, field removal);
//! - [`cases`]: case and handover state machines (one owner, ownership moves on accepted);
//! - [`deadlines`]: working-day calendars, deadlines and how far they are breached;
//! - [`escalation`]: who hears of a breached deadline, and what each may be told;
//! - [`contact_point`]: what the national contact point may see: counts with small cells
//!   suppressed, and its own pseudonym of a person;
//! - [`lateness`]: whether each deadline was kept, judged afterwards from the timeline;
//! - [`periods`]: the contact point's fixed calendar periods, local days and rounding;
//! - [`audit`]: the hash chain of the tamper-evident audit log;
//! - [`register`]: the register of processing activities (GDPR art. 30), generated from the
//!   catalogue, the statutes and the hard rules.

pub mod audit;
pub mod cases;
pub mod catalogue;
pub mod consent;
pub mod contact_point;
pub mod deadlines;
pub mod escalation;
pub mod lateness;
pub mod merkle;
pub mod periods;
pub mod register;
pub mod replies;
pub mod routing;

pub use routing::{
    Agency, Decision, Delivery, Directory, Effect, Policy, Programme, Statute, World, decide,
};

#[cfg(test)]
mod case_rules_tests;
#[cfg(test)]
mod gateway_tests;
#[cfg(test)]
mod identity_tests;
#[cfg(test)]
mod relocation_tests;
#[cfg(test)]
mod test_fixtures;
#[cfg(test)]
mod tests;
