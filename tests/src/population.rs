//! A demo population: a realistic synthetic set of cases, driven through the real agents and
//! hub, so the national contact point's figures come through the product.
//!
//! - [`plan`]: the pure planner. A seed, a number of cases, a span of days and the
//!   [`Cities`] give per-case scripts of message drafts, each dated at its simulated time
//!   (`envelope.sent_at`); the hub dates their effects by it when `hub.backfill_days` covers
//!   the span.
//! - [`drive`]: the driver, which submits each case's steps through its senders' agents, in
//!   order (each after the hub's answer to the one before is in the sender's store), many
//!   cases at once, with progress output.
//! - [`tally`]: what was submitted and how the hub answered, and what that did to cases,
//!   handovers and outcomes; [`Tally::expected`] is the plan's own count, so a run that went
//!   as planned equals it.
//!
//! `demo-data` (tests/src/bin/demo-data.rs) runs it against the demo hub;
//! `tests/it/population.rs` against a test env.

pub mod drive;
pub mod figures;
pub mod plan;
mod rng;
pub mod tally;

pub use drive::{DriveOptions, Driver, Progress};
pub use plan::{
    CaseScript, Cities, City, Expect, Kind, Mark, Nation, Pace, Plan, PlanConfig, Shape, Step,
};
pub use tally::{Answer, Tally};
